"""English senses (issue 16): a word that names a level in one use and not in another.

The disease named as the cause, the agent or the time of an economic blow; idioms; stems
that collide; zero cases; tax cuts and frozen repayments as support; counterfactual
conditions. Each sentence is our own; each was misread before codebook 2026.12.7.
"""

import pytest

from pipeline import tag_text


def levels(text: str) -> frozenset[str]:
    return tag_text(text).levels


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the disease as the agent or the time of a blow: the level is the blow
        ("The virus hit our sales hard.", {"economic_crisis"}),
        ("The virus destroyed the tourism industry on the island.", {"economic_crisis"}),
        ("Covid killed off our catering business.", {"economic_crisis"}),
        ("After the virus came, our orders dried up.", {"economic_crisis"}),
        ("Because of the disease our exports collapsed.", {"economic_crisis"}),
        ("The virus forced us to lay off half our staff.", {"economic_crisis"}),
        # the disease as what the measures were for: the level is the measure
        ("Schools were closed to contain the virus.", {"containment"}),
        ("The city locked down to stop the spread of the virus.", {"containment"}),
        ("Everyone is talking about the virus these days.", set()),
        # the disease's direct impact still counts
        ("The virus killed my grandmother.", {"virus"}),
        ("Covid killed three people on our street.", {"virus"}),
        ("We lost two nurses to the virus in one week.", {"virus"}),
    ],
)
def test_the_disease_as_cause_agent_or_purpose(text: str, expected: set[str]) -> None:
    assert levels(text) == expected, text


@pytest.mark.parametrize(
    "text",
    [
        "My phone died during the call.",
        "The old car finally died last week.",
        "Our dog died last spring.",
        "The noise died down after midnight.",
        "I'm bored to death at home.",
        "Equal treatment of part-time staff is required by law.",
        "The treatment of migrant workers by employers was unfair.",
        "Our manager treated us well.",
        "She is a close friend of mine.",
        "We closed the deal with the supplier.",
        "The account was closed at my request.",
        "The hospital car park was closed for repairs.",
        "The company is struggling to recover from the slump.",
    ],
)
def test_idioms_and_other_senses_name_no_virus_or_measure(text: str) -> None:
    found = levels(text)
    assert "virus" not in found and "containment" not in found, text


@pytest.mark.parametrize(
    "text",
    [
        "Infections dropped to zero in May.",
        "Zero deaths this week.",
        "Zero new cases were reported for the tenth day.",
        "There were no new cases today.",
    ],
)
def test_zero_cases_are_no_infection(text: str) -> None:
    assert "virus" not in levels(text), text


@pytest.mark.parametrize(
    "text",
    [
        "New cases doubled in a week.",
        "A new case was confirmed at the factory.",
        "Daily cases rose past 3,000.",
    ],
)
def test_counted_cases_are_infection(text: str) -> None:
    assert "virus" in levels(text), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # lower taxes, frozen and written-off repayments are support; lower income is the crisis
        ("VAT was cut from 20 to 5 per cent.", {"stimulus"}),
        ("They lowered the VAT rate for restaurants.", {"stimulus"}),
        ("Income tax was cut for low earners.", {"stimulus"}),
        ("Our turnover was cut in half.", {"economic_crisis"}),
        ("The government froze mortgage repayments for six months.", {"stimulus"}),
        ("Student loan interest was written off.", {"stimulus"}),
        ("The council wrote off our rent arrears.", {"stimulus"}),
        # a programme shut down or ended is support news, no closure
        ("The government shut down the wage subsidy scheme early.", {"stimulus"}),
        ("The scheme ended in October, leaving thousands without support.", {"stimulus"}),
        ("Without the grant we would have gone bust.", {"stimulus"}),
        ("The scheme saved jobs that would otherwise have been lost.", {"stimulus"}),
        ("Tourism has not recovered.", {"economic_crisis"}),
    ],
)
def test_support_and_crisis_senses(text: str, expected: set[str]) -> None:
    assert levels(text) == expected, text


@pytest.mark.parametrize(
    "text",
    [
        "If the factory had closed, we would have lost our jobs.",
        "Had the shop closed, I would have lost everything.",
    ],
)
def test_the_condition_of_a_counterfactual_did_not_happen(text: str) -> None:
    assert levels(text) == frozenset(), text


def test_a_real_event_before_a_counterfactual_stays() -> None:
    text = "The factory closed in April, otherwise we would have kept our jobs."
    assert "containment" in levels(text)


def test_private_allowances_are_no_stimulus() -> None:
    for text in (
        "My parents gave me an allowance every month.",
        "My employer gave me a housing allowance.",
    ):
        assert "stimulus" not in levels(text), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # no fixed employer is a kind of work; the income that fell is what the scheme requires
        (
            "A one-off payment went to drivers without a fixed employer whose income had fallen.",
            {"stimulus"},
        ),
        # a sum before support is counted names no support
        ("Earnings fell by 6 per cent before wage support is taken into account.", None),
        ("They never paid the grant we applied for in May.", {"stimulus"}),
        ("Employment is still below its pre-pandemic level.", {"economic_crisis"}),
        ("Hospitality venues shed 30 per cent of their staff.", {"economic_crisis"}),
        ("The firm is closing in on a deal with its lenders.", set()),
        ("My sister could not work from home, her office had no laptops.", {"containment"}),
    ],
)
def test_targets_sums_and_gaps(text: str, expected: set[str] | None) -> None:
    found = levels(text)
    if expected is None:
        assert "stimulus" not in found, text
    else:
        assert found == expected, text


@pytest.mark.parametrize(
    "text",
    [
        "The government support never reached the night-market traders.",
        "They gave every household 1,000 dollars in April.",
        "Everyone got a 600 dollar cheque from the government.",
        "Our social security contributions were postponed until autumn.",
        "The government is paying part of our salaries until June.",
        "Went on universal credit in March.",
        "The unemployment benefit was raised by 20 euros a week.",
        "The government did not help us at all.",
        "The bank let us skip three mortgage payments.",
    ],
)
def test_support_as_people_name_it(text: str) -> None:
    assert levels(text) == {"stimulus"}, text


def test_a_regular_benefit_applied_for_online_is_no_stimulus() -> None:
    text = "You can now apply for unemployment benefits online instead of queuing."
    assert "stimulus" not in levels(text)


@pytest.mark.parametrize(
    "text",
    [
        "I received the government's hardship grant.",
        "The city set up a hardship fund for musicians.",
        "I received a loss of earnings payment in May.",
        "I got the Lost Wages Assistance in August.",
        "Payroll tax for firms in the hardest-hit sectors was waived.",
    ],
)
def test_a_payment_named_after_a_hardship_is_support_only(text: str) -> None:
    assert levels(text) == {"stimulus"}, text

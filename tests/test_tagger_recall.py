"""Recall on real language (issue 16, codebook 2026.12.5), in our own sentences.

Vocabulary learned from public reports, news and first-person accounts; senses that are not
the level; and the negation and stemming cases that hid real mentions before.
"""

import pytest

from pipeline import tag_text


def levels(text: str) -> frozenset[str]:
    return tag_text(text).levels


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # money trouble: arrears, assets sold, hours and bonuses cut, work that stopped coming
        ("We fell behind on the mortgage in May.", "economic_crisis"),
        ("Half the stallholders had drawn down their savings by June.", "economic_crisis"),
        ("My hours went from 35 to 10 a week.", "economic_crisis"),
        ("They cut the bonus and froze our wages.", "economic_crisis"),
        ("Every gig I had booked got cancelled.", "economic_crisis"),
        ("A quarter of the firms surveyed had ceased trading.", "economic_crisis"),
        ("Our income is now a fraction of what it was.", "economic_crisis"),
        ("Many small businesses did not survive the year.", "economic_crisis"),
        ("Nobody would hire me after the factory closed.", "economic_crisis"),
        ("老板说公司资金紧张，这个月先发六成。", "economic_crisis"),
        ("公司说要降本增效，我们组走了一半人。", "economic_crisis"),
        ("找亲戚借了三万块交房租。", "economic_crisis"),
        # containment: a denied subject with "could" is a restriction on everyone
        ("Nobody could leave the village for two months.", "containment"),
        ("No one was allowed out of the compound.", "containment"),
        ("The kids had no school for six months.", "containment"),
        ("Funerals were limited to ten people.", "containment"),
        ("医保经办实行“不见面”服务。", "containment"),
        # the package: forgiven and guaranteed loans, rental assistance, money in plain words
        ("Our PPP loan was forgiven in full in the end.", "stimulus"),
        ("Applied for rental assistance in March, approved in August.", "stimulus"),
        ("The moratorium on evictions ended in July.", "stimulus"),
        ("Each family received 500 yuan from the township.", "stimulus"),
        ("The benefit was increased temporarily.", "stimulus"),
        ("Support was withdrawn too early for the shops on our street.", "stimulus"),
        ("对承租国有房屋的个体工商户免除3个月房屋租金。", "stimulus"),
        ("小微企业增值税征收率由3%降至1%。", "stimulus"),
    ],
)
def test_vocabulary_of_real_language(text: str, level: str) -> None:
    assert level in levels(text), text


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        # a scheme's rule or object names a fall, a borrower or a wage floor: no crisis
        ("Firms had to show a revenue decline of 30 per cent to qualify.", "economic_crisis"),
        ("The state paid 70 per cent of earnings for hours not worked.", "economic_crisis"),
        ("The central bank let banks restructure loans to affected borrowers.", "economic_crisis"),
        # an employer is no employment
        ("The employer had to show that turnover declined.", "economic_crisis"),
        # business that is doing well, a private allowance
        ("We switched to online orders early and business is fine.", "containment"),
        ("今年生意其实还不错，网店订单多了。", "economic_crisis"),
        ("员工的加班补贴和值班津贴由企业自行承担。", "stimulus"),
    ],
)
def test_senses_that_are_not_the_level(text: str, absent: str) -> None:
    assert absent not in levels(text), text


def test_stems_cut_short_in_the_codebook_match_whole_words() -> None:
    # "increas" was stemmed again to "increa" and matched no text
    assert "economic_crisis" in levels("Poverty increased sharply in rural areas.")
    assert "economic_crisis" in levels("Our profits evaporated overnight.")


def test_not_denies_a_subject_only_when_it_counts_one() -> None:
    assert "economic_crisis" in levels("Not being able to work pushed us into debt.")
    assert not levels("Not one shop on our street has closed.")


def test_a_denied_belief_leaves_its_clause_standing() -> None:
    assert "containment" in levels("No one knew when the lockdown would end.")


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Few of the laid-off workers found new jobs.", "economic_crisis"),
        ("Few of the redundant staff got hired again.", "economic_crisis"),
        ("Few quarantined travellers fell ill.", "containment"),
        ("很少有被裁的工人找到新工作。", "economic_crisis"),
    ],
)
def test_few_denies_the_predicate_not_the_phrase_it_quantifies(text: str, level: str) -> None:
    assert level in levels(text), text


def test_few_still_denies_its_own_predicate() -> None:
    assert "economic_crisis" not in levels("Few workers were laid off.")
    assert "virus" not in levels("Few quarantined travellers fell ill.")
    assert "economic_crisis" not in levels("很少有人被裁。")


@pytest.mark.parametrize(
    "text",
    [
        "Without the lockdown, my shop would have survived.",
        "My café would have stayed afloat without the second lockdown.",
        "Without the border closures, we would have kept our jobs.",
    ],
)
def test_without_x_in_a_counterfactual_keeps_x(text: str) -> None:
    assert "containment" in levels(text), text


def test_the_consequence_of_without_x_still_did_not_happen() -> None:
    found = levels("Without the furlough scheme, I would have lost my job.")
    assert "stimulus" in found
    assert "economic_crisis" not in found


@pytest.mark.parametrize(
    "text",
    [
        "I got a self-isolation payment of 500 pounds.",
        "We received a quarantine allowance from the council.",
        "The café got a lockdown grant in January.",
    ],
)
def test_a_payment_named_after_a_measure_names_both(text: str) -> None:
    assert {"containment", "stimulus"} <= levels(text), text


def test_a_support_measure_named_after_a_ban_is_support_only() -> None:
    assert levels("At least the eviction ban gave us some breathing room.") == {"stimulus"}

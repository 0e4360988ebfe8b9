"""Negation cases from real writing (issue 16): a "without X" with no comma before its
counterfactual, "only (a) few", and words whose denial still asserts their level."""

import pytest

from pipeline import tag_text


def levels(text: str) -> frozenset[str]:
    return tag_text(text).levels


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Without the curfew the bar could have stayed open.", "containment"),
        ("Without the lockdown my shop would have survived.", "containment"),
        ("Without the lockdown grant we would have closed for good.", "stimulus"),
        ("Without government help the business would have gone bust.", "stimulus"),
    ],
)
def test_without_x_with_no_comma_keeps_x(text: str, level: str) -> None:
    assert level in levels(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Without furlough unemployment would have doubled.",
        "Without the furlough scheme I would have lost my job.",
        "Without the lockdown grant we would have closed for good.",
    ],
)
def test_the_consequence_without_a_comma_still_did_not_happen(text: str) -> None:
    found = levels(text)
    assert "stimulus" in found, text
    assert "economic_crisis" not in found, text


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # some did: "only (a) few" concedes the event
        ("Only a few workers were laid off.", "economic_crisis"),
        ("Only few workers were laid off.", "economic_crisis"),
        ("Only a few staff were infected.", "virus"),
        # a reopening denied or counted as few says the closure goes on
        ("Only a few shops reopened.", "containment"),
        ("Very few shops reopened.", "containment"),
        ("Few schools reopened before the summer.", "containment"),
        ("The gyms have still not reopened.", "containment"),
        ("还没解封，天天在家。", "containment"),
        ("学校到现在还没复课。", "containment"),
    ],
)
def test_only_a_few_and_denied_reopenings_assert_the_level(text: str, level: str) -> None:
    assert level in levels(text), text


def test_few_alone_still_denies() -> None:
    assert "economic_crisis" not in levels("Few workers were laid off.")
    assert "virus" not in levels("Very few of our staff were infected.")


def test_a_contrast_still_cancels_a_reopening() -> None:
    assert "containment" not in levels("It was not the reopening but the rents that hurt us.")


@pytest.mark.parametrize(
    "text",
    [
        "Lockdown grants helped us.",
        "The café got a lockdown grant in January.",
        "We lived on the isolation grant for two weeks.",
    ],
)
def test_a_payment_named_after_a_measure_is_support(text: str) -> None:
    assert "stimulus" in levels(text), text


def test_help_to_pay_the_rent_is_no_failure_to_pay() -> None:
    assert "economic_crisis" not in levels("Lockdown grants helped us pay the rent.")

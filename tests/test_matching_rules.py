"""Which of two overlapping English matches counts (pipeline/matching.py's stated rule).

The leftmost, then the longest counted in words (a "*" gap adds none); at equal length a
review-overlay term, then the pattern with more gaps, then the codebook's order. A support
match ending in a payment word (the codebook's ``payment_words``) also counts the containment
measure it is named after.
"""

from pathlib import Path

import pytest

from pipeline import Addition, build_tagger, load_codebook, tag_text
from pipeline.codebook import DEFAULT_PATH, CodebookError
from pipeline.tagger import Tagger


@pytest.mark.parametrize(
    "text",
    [
        # "lost income payment" (three words) against "lost * income" (two and a gap)
        "Lost income payment was approved for carers.",
        # "loss of earnings payment" (four words) against "loss of * earnings" (three and a gap)
        "Loss of earnings payment was paid to the self-employed in March.",
    ],
)
def test_a_gap_does_not_make_a_pattern_longer(text: str) -> None:
    assert tag_text(text).levels == {"stimulus"}, text


def test_the_shorter_pattern_still_counts_where_the_longer_one_does_not_match() -> None:
    assert "economic_crisis" in tag_text("We lost most of our income over the winter.").levels


@pytest.mark.parametrize(
    "text",
    [
        "The council paid a livelihood grant to stallholders.",
        "My aunt received the government's hardship grant in May.",
    ],
)
def test_a_payment_named_after_what_it_answers_is_support_only(text: str) -> None:
    assert tag_text(text).levels == {"stimulus"}, text


def test_a_payment_named_after_a_measure_still_names_the_measure() -> None:
    result = tag_text("Every tenant in the block was offered a self-isolation payment.")
    assert result.levels == {"containment", "stimulus"}


def test_an_overlay_shield_wins_an_equal_length_tie_with_an_indicator() -> None:
    text = "The stall lost income when the market moved indoors."
    assert "economic_crisis" in tag_text(text).levels
    # the same words as the codebook's "lost * income"
    tagger = build_tagger([Addition("economic_crisis", "en", "lost * income", kind="shield")])
    assert "economic_crisis" not in tagger.tag(text).levels
    # as many words, fewer gaps: still the overlay term, where it matches
    tagger = build_tagger([Addition("economic_crisis", "en", "lost income", kind="shield")])
    assert "economic_crisis" not in tagger.tag(text).levels
    assert "economic_crisis" in tagger.tag("The stall lost half its income indoors.").levels


def _codebook_with(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "codebook.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_the_payment_words_are_the_codebooks(tmp_path: Path) -> None:
    text = "The landlord got a lockdown grant for the empty flat."
    assert tag_text(text).levels == {"containment", "stimulus"}
    words = "      en: [payment, allowance, grant, subsidy, bonus]\n"
    path = _codebook_with(tmp_path, words, "      en: [payment, allowance]\n")
    assert Tagger(load_codebook(path)).tag(text).levels == {"stimulus"}


@pytest.mark.parametrize(
    "section",
    ["      fr: [paiement]\n", "      en: payment\n", "      en: [payment, 3]\n"],
)
def test_payment_words_of_the_wrong_shape_are_refused(tmp_path: Path, section: str) -> None:
    path = _codebook_with(
        tmp_path, "      en: [payment, allowance, grant, subsidy, bonus]\n", section
    )
    with pytest.raises(CodebookError, match="payment_words"):
        load_codebook(path)

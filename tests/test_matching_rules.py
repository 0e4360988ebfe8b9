"""Which of two overlapping English matches counts (pipeline/matching.py's stated rule).

The leftmost, then the longest counted in words (a "*" gap adds none); at equal length a
review-overlay term, then the pattern with more gaps, then the codebook's order. A support
match ending in a payment word also counts the containment measure it is named after.
"""

import pytest

from pipeline import Addition, build_tagger, tag_text


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

"""Which of two overlapping Chinese matches counts (pipeline/matching.py's stated rule).

The longer pattern, counted in its own characters (a "*" gap adds none); at equal length a
review-overlay term, then the earlier match, then the codebook's order.
"""

from pipeline import Addition, build_tagger, tag_text


def test_a_short_match_does_not_hide_a_longer_one_a_character_later() -> None:
    # "上门" (weak containment) starts one character before "门可罗雀"
    result = tag_text("自从封城以后，街上门可罗雀。")
    assert "门可罗雀" in result.evidence["economic_crisis"]


def test_a_gap_does_not_make_a_pattern_longer() -> None:
    # "工资 * 停" (3 characters) may span more text than "工资补贴" (4), but is the shorter
    result = tag_text("工资补贴缓解了停工的冲击。")
    assert "stimulus" in result.levels
    assert "containment" in result.levels


def test_a_shield_that_starts_earlier_wins_an_equal_length_tie() -> None:
    # the shield "财政收入" and "收入 * 下降" are both four characters
    assert "economic_crisis" not in tag_text("财政收入在下降，纾困措施还能撑多久？").levels


def test_an_overlay_term_that_is_the_longest_match_wins() -> None:
    text = "这条街上门店空置了一大半。"
    assert "economic_crisis" not in tag_text(text).levels
    tagger = build_tagger([Addition("economic_crisis", "zh", "门店空置")])
    assert tagger.tag(text).evidence["economic_crisis"] == ("门店空置",)


def test_an_overlay_term_wins_an_equal_length_tie_with_the_codebook() -> None:
    # "上门" (codebook) and "门店" (overlay) are both two characters and overlap
    tagger = build_tagger([Addition("economic_crisis", "zh", "门店")])
    result = tagger.tag("这条街上门店都空了。")
    assert result.evidence["economic_crisis"] == ("门店",)
    # the same tie at the same place: the overlay term over a shield of the codebook
    tagger = build_tagger([Addition("stimulus", "zh", "防疫补贴")])
    assert tagger.tag("社区给每户发了防疫补贴。").evidence["stimulus"] == ("防疫补贴",)
    assert "stimulus" not in tag_text("社区给每户发了防疫补贴。").levels


def test_an_overlay_shield_wins_an_equal_length_tie_with_an_indicator() -> None:
    # the overlay shield "收入下降" against the codebook's "收入下降" (economic_crisis)
    tagger = build_tagger([Addition("economic_crisis", "zh", "收入下降", kind="shield")])
    assert "economic_crisis" in tag_text("家里收入下降了一半。").levels
    assert "economic_crisis" not in tagger.tag("家里收入下降了一半。").levels

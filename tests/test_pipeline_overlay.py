"""Codebook additions (the review overlay): merged as indicators, versioned, shown as evidence."""

import pytest

from pipeline import TAGGER_VERSION, Addition, build_tagger, load_codebook, tag_text
from pipeline.codebook import CodebookError
from pipeline.tagger import Tagger, default_tagger

EN_TEXT = "Our vendors were hit by the great stall-out of the night market."
ZH_TEXT = "夜市摊主们都说今年是摆摊寒冬。"


def test_an_english_addition_tags_its_level_with_the_term_as_evidence() -> None:
    assert "economic_crisis" not in tag_text(EN_TEXT).levels
    tagger = build_tagger([Addition("economic_crisis", "en", "stall-out")])
    result = tagger.tag(EN_TEXT)
    assert "economic_crisis" in result.levels
    assert result.evidence["economic_crisis"] == ("stall-out",)
    # stemmed like any English indicator
    assert "economic_crisis" in tagger.tag("Two more stall-outs this week.").levels


def test_a_chinese_addition_tags_its_level_with_the_term_as_evidence() -> None:
    assert "economic_crisis" not in tag_text(ZH_TEXT).levels
    result = build_tagger([Addition("economic_crisis", "zh", "摆摊寒冬")]).tag(ZH_TEXT)
    assert result.evidence["economic_crisis"] == ("摆摊寒冬",)


def test_a_weak_addition_alone_is_not_enough() -> None:
    weak = Addition("economic_crisis", "en", "stall-out", weak=True)
    assert "economic_crisis" not in build_tagger([weak]).tag(EN_TEXT).levels


def test_an_added_term_is_negated_like_any_indicator() -> None:
    tagger = build_tagger([Addition("economic_crisis", "en", "stall-out")])
    assert "economic_crisis" not in tagger.tag("There was no stall-out at all.").levels


def test_additions_change_the_version_and_only_they() -> None:
    plain = load_codebook(additions=())
    assert plain.tagger_version == TAGGER_VERSION and plain.additions == ()
    one = load_codebook(additions=[Addition("virus", "en", "long haulers")])
    assert one.tagger_version.startswith(TAGGER_VERSION + "+")
    assert len(one.tagger_version) <= 64  # the tag rows' column
    two = load_codebook(
        additions=[Addition("virus", "en", "long haulers"), Addition("stimulus", "zh", "纾困")]
    )
    assert len({plain.tagger_version, one.tagger_version, two.tagger_version}) == 3
    weak = load_codebook(additions=[Addition("virus", "en", "long haulers", weak=True)])
    assert weak.tagger_version != one.tagger_version


def test_order_duplicates_and_blanks_do_not_change_the_version() -> None:
    a, b = Addition("virus", "en", "long  haulers"), Addition("stimulus", "zh", "纾困")
    first = load_codebook(additions=[a, b])
    again = load_codebook(additions=[b, Addition("virus", "en", " long haulers "), a])
    assert first.tagger_version == again.tagger_version
    assert [x.term for x in first.additions] == ["纾困", "long haulers"]


def test_the_tagger_reports_the_overlays_version() -> None:
    additions = [Addition("containment", "en", "curfew pass")]
    tagger = build_tagger(additions)
    assert tagger.tag("x").version == load_codebook(additions=additions).tagger_version
    assert build_tagger(reversed(additions)) is tagger  # built once per set
    assert build_tagger(()) is default_tagger()
    assert isinstance(Tagger(load_codebook(additions=additions)), Tagger)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level": "vaccine", "language": "en", "term": "jab"}, "unknown level"),
        ({"level": "virus", "language": "fr", "term": "grippe"}, "unknown language"),
        ({"level": "virus", "language": "en", "term": "   "}, "at least one letter"),
        ({"level": "virus", "language": "en", "term": "?!…"}, "at least one letter"),
        ({"level": "virus", "language": "en", "term": "*"}, "at least one letter"),
        ({"level": "virus", "language": "en", "term": "* fever"}, "wildcard"),
        ({"level": "virus", "language": "zh", "term": "发烧 *"}, "wildcard"),
    ],
)
def test_malformed_additions_are_refused_with_a_clear_message(kwargs, message) -> None:
    with pytest.raises(CodebookError, match=message):
        Addition(**kwargs)


def test_only_additions_are_accepted() -> None:
    with pytest.raises(CodebookError, match="not a codebook addition"):
        load_codebook(additions=[("virus", "en", "fever", False)])

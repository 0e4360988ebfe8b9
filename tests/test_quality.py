"""Precision and recall of the machine against reviews, with Wilson's intervals (pure)."""

from __future__ import annotations

import pytest

from pipeline.quality import Rate, level_quality, micro, wilson


def test_wilson_matches_the_published_interval():
    # 8 of 10: Wilson's 95% interval is 0.490-0.943 (Newcombe 1998, table I method 3)
    low, high = wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-3) and high == pytest.approx(0.9433, abs=1e-3)


@pytest.mark.parametrize(("hits", "total"), [(0, 5), (5, 5), (1, 1), (0, 1)])
def test_wilson_stays_inside_zero_and_one_and_holds_the_share(hits: int, total: int):
    low, high = wilson(hits, total)
    assert 0.0 <= low <= hits / total <= high <= 1.0
    assert high - low > 0.3  # five answers or fewer say little


def test_wilson_narrows_with_more_reviews():
    few, many = wilson(9, 10), wilson(900, 1000)
    assert (few[1] - few[0]) > 5 * (many[1] - many[0])


def test_wilson_has_no_interval_without_trials_and_refuses_impossible_counts():
    assert wilson(0, 0) is None
    assert Rate(0, 0).value is None and Rate(0, 0).interval is None
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_level_quality_counts_kept_removed_and_missed_levels():
    pairs = [
        ({"virus"}, {"virus"}),  # kept
        ({"virus", "stimulus"}, {"virus"}),  # stimulus removed
        (set(), {"containment"}),  # containment missed
        ({"containment"}, {"containment", "stimulus"}),  # kept, stimulus missed
    ]
    table = {row.level: row for row in level_quality(pairs)}
    assert (table["virus"].tp, table["virus"].fp, table["virus"].fn) == (2, 0, 0)
    assert (table["stimulus"].tp, table["stimulus"].fp, table["stimulus"].fn) == (0, 1, 1)
    assert (table["containment"].tp, table["containment"].fp, table["containment"].fn) == (1, 0, 1)
    assert table["economic_crisis"].precision.total == 0
    assert table["containment"].recall.value == 0.5
    assert table["virus"].reviewed == 4
    pooled = micro(table.values())
    assert (pooled.tp, pooled.fp, pooled.fn) == (3, 1, 2)
    assert pooled.f1 == pytest.approx(2 * 3 / (2 * 3 + 1 + 2))

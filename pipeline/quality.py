"""How far the machine's levels can be trusted: precision and recall against people's reviews.

Pure functions over (machine levels, reviewed levels) pairs, so the console, the command line
and the benchmarks share one computation. Few reviews make any figure uncertain; each comes
with Wilson's score interval, which stays inside [0, 1] and is honest for small counts.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from survey_db.models.vocabulary import LEVELS

#: z for a 95% interval.
Z95 = 1.959964


def wilson(successes: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson's score interval of ``successes`` out of ``total``; None when there is no trial."""
    if total <= 0:
        return None
    if not 0 <= successes <= total:
        raise ValueError("successes must lie between 0 and total")
    share = successes / total
    z2 = z * z
    centre = (share + z2 / (2 * total)) / (1 + z2 / total)
    half = z * math.sqrt(share * (1 - share) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Rate:
    """A share with the counts behind it and its 95% interval (None when nothing to count)."""

    hits: int
    total: int

    @property
    def value(self) -> float | None:
        """The share, or None when ``total`` is 0."""
        return self.hits / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """Wilson's 95% interval of the share."""
        return wilson(self.hits, self.total)


@dataclass(frozen=True)
class LevelQuality:
    """One level: what the machine got right (tp), added wrongly (fp) and missed (fn)."""

    level: str
    tp: int
    fp: int
    fn: int
    reviewed: int

    @property
    def precision(self) -> Rate:
        """Of the answers the machine gave this level, the share a person kept."""
        return Rate(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> Rate:
        """Of the answers a person gave this level, the share the machine had found."""
        return Rate(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall; None when neither can be computed."""
        if self.tp + self.fp + self.fn == 0:
            return None
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)


def level_quality(
    pairs: Iterable[tuple[Collection[str], Collection[str]]],
    levels: Collection[str] = LEVELS,
) -> list[LevelQuality]:
    """Per level, the machine against the reviews; ``pairs`` are (machine, reviewed) levels."""
    counts = {level: [0, 0, 0] for level in levels}
    reviewed = 0
    for machine, person in pairs:
        reviewed += 1
        for level, row in counts.items():
            said, kept = level in machine, level in person
            row[0] += said and kept
            row[1] += said and not kept
            row[2] += kept and not said
    return [LevelQuality(level, *counts[level], reviewed=reviewed) for level in levels]


def micro(qualities: Iterable[LevelQuality]) -> LevelQuality:
    """All levels pooled (micro-averaged), under the level name ``all``."""
    rows = list(qualities)
    return LevelQuality(
        "all",
        sum(row.tp for row in rows),
        sum(row.fp for row in rows),
        sum(row.fn for row in rows),
        reviewed=max((row.reviewed for row in rows), default=0),
    )

"""From matches to decisions: weights per category, their confidence, and the evidence quotes.

confidence = 1 - exp(-sum of the weights of the distinct indicators found); a category is
tagged when it reaches the codebook's threshold (see codebook.yaml).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from pipeline.codebook import Category
from pipeline.matching import SHIELD, LevelHit
from pipeline.negation import CONTRAST, PLAIN


def confidence(weights: Iterable[float]) -> float:
    """1 - exp(-sum): one strong indicator, or two different weak ones, pass 0.5."""
    return 1.0 - math.exp(-sum(weights))


def level_weights(
    text: str, hits: list[LevelHit], marks: list[int], cancels: dict[str, bool]
) -> tuple[dict[str, list[float]], dict[str, list[str]]]:
    """Weights of the distinct patterns found per level, and their quotes; negated matches
    are dropped (a PLAIN mark only where ``cancels[level]``), shields count for nothing."""
    weights: dict[str, list[float]] = {}
    evidence: dict[str, list[str]] = {}
    seen: set[tuple[str, Any]] = set()
    for start, end, first, pattern, code, weight in hits:
        kind = marks[first] if first >= 0 else 0
        if code != SHIELD and not (kind == CONTRAST or (kind == PLAIN and cancels[code])):
            quote = text[start:end]
            if (code, pattern) not in seen:
                seen.add((code, pattern))
                weights.setdefault(code, []).append(weight)
            quotes = evidence.setdefault(code, [])
            if quote not in quotes:
                quotes.append(quote)
    return weights, evidence


def passing(
    categories: tuple[Category, ...],
    weights: dict[str, dict[str, float]],
    threshold: float,
) -> frozenset[str]:
    """Codes of the groups or areas whose found terms reach ``threshold``."""
    if threshold <= 0.0:  # then even a category never mentioned passes
        return frozenset(
            cat.code
            for cat in categories
            if confidence(weights.get(cat.code, {}).values()) >= threshold
        )
    codes = {cat.code for cat in categories}
    return frozenset(
        code
        for code, found in weights.items()
        if code in codes and confidence(found.values()) >= threshold
    )

"""Quotes: per impact level and theme, the policy inputs that say what most inputs there say.

The rule (written on the Quotes sheet): only inputs the attendee allowed to be quoted; within
one level and theme, each scores the mean number of that cell's inputs (quotable or not)
sharing its evidence words for the level (the words that made the tag), so the input whose
words are the most common in the cell comes first, not the longest. Among equals, inputs of
40 to 400 characters first, then the earliest. Two passes over the rows: the first counts the words,
the second keeps only the best few per cell, so memory stays flat.
"""

from __future__ import annotations

import heapq
from collections import Counter
from typing import Any, NamedTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from survey_db import counting
from survey_db.models import Response, ResponseTag

from .data import PERSON_COLUMNS, TAG_COLUMNS, TEXT_LANGUAGE, Scope, shown_person, stream

#: Quotes kept per level and theme.
PER_CELL = 2
#: Lengths that read well as a quote; others come after them.
GOOD_LENGTH = (40, 400)


class Quote(NamedTuple):
    level: str
    theme_id: int
    response_id: int
    text: str
    language: str
    score: float
    name: str | None
    organisation: str | None


def _query(scope: Scope, quotable: bool) -> Select[Any]:
    query = (
        select(
            Response.id,
            Response.theme_id,
            Response.text,
            TEXT_LANGUAGE.label("language"),
            ResponseTag.machine_evidence,
            *TAG_COLUMNS,
            *PERSON_COLUMNS,
        )
        .join(ResponseTag)
        .where(*scope.where(), Response.kind == "input")
        .order_by(Response.id)
    )
    return query.where(Response.quote_ok.is_(True)) if quotable else query


def _cells(row: Any) -> list[tuple[str, set[str]]]:
    """The (level, evidence words) of one input's counted levels."""
    evidence = row.machine_evidence or {}
    levels = counting.levels_of(row.review_state, row.machine_levels, row.reviewed_levels)
    return [(level, {w.lower() for w in evidence.get(level, ())}) for level in levels]


def quotes(db: Session, scope: Scope, per_cell: int = PER_CELL) -> list[Quote]:
    """The most representative quotable inputs per level and theme (see the module's rule)."""
    shared: dict[tuple[str, int], Counter[str]] = {}
    for row in stream(db, _query(scope, quotable=False)):
        for level, words in _cells(row):
            shared.setdefault((level, row.theme_id), Counter()).update(words)
    best: dict[tuple[str, int], list[tuple[Any, ...]]] = {}
    for row in stream(db, _query(scope, quotable=True)):
        length = len(row.text or "")
        fits = GOOD_LENGTH[0] <= length <= GOOD_LENGTH[1]
        for level, words in _cells(row):
            counts = shared[(level, row.theme_id)]
            score = sum(counts[word] for word in words) / len(words) if words else 0.0
            heap = best.setdefault((level, row.theme_id), [])
            # min-heap on (score, fits, -id): the earliest wins among equals
            item = (score, fits, -row.id, row)
            if len(heap) < per_cell:
                heapq.heappush(heap, item)
            elif item[:3] > heap[0][:3]:
                heapq.heapreplace(heap, item)
    found = []
    for (level, theme_id), heap in best.items():
        for score, _fits, _ident, row in sorted(heap, key=lambda item: item[:3], reverse=True):
            found.append(
                Quote(
                    level,
                    theme_id,
                    row.id,
                    row.text,
                    row.language,
                    score,
                    *shown_person(row),
                )
            )
    return found

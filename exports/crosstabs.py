"""Crosstabs: overall ratings by stakeholder, attendance and language; levels by session and by
stakeholder. Aggregated by the database with the one counting rule's SQL form."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_db.models import Response

from .data import LevelCounts, Scope, levels_by

#: The answer fields ratings are crossed with (the form's language: who answered in it).
RATING_BY = ("stakeholder", "attendance", "language")


class RatingCross(NamedTuple):
    value: str | None
    counts: tuple[int, int, int, int, int]


def ratings_by(db: Session, scope: Scope, name: str) -> list[RatingCross]:
    """The overall rating's 1-5 distribution per value of ``name`` (None: not given)."""
    column = getattr(Response, name)
    found: dict[Any, list[int]] = {}
    query = (
        select(column, Response.overall, func.count())
        .where(*scope.where(), Response.kind == "feedback", Response.overall.is_not(None))
        .group_by(column, Response.overall)
    )
    for value, rating, count in db.execute(query):
        found.setdefault(value, [0] * 5)[rating - 1] = count
    ordered = sorted(found.items(), key=lambda item: (item[0] is None, -sum(item[1]), item[0]))
    return [RatingCross(value, tuple(counts)) for value, counts in ordered]


def levels_by_stakeholder(db: Session, scope: Scope) -> list[LevelCounts]:
    """Level counts of the answers with text per stakeholder, the most answers first."""
    rows = levels_by(db, scope, Response.stakeholder)
    return sorted(rows, key=lambda row: (row.key is None, -row.with_text, row.key or ""))

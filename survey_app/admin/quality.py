"""Tagging quality per event: the machine's levels against the answers people reviewed.

The reading functions are plain (a session in, figures out), so the command line and
``bench/eval_tagger.py --database`` show the very figures the console shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from pipeline.quality import LevelQuality, level_quality, micro
from survey_db import counting
from survey_db.models import Event, Response, ResponseTag
from survey_db.models.vocabulary import LEVELS

from ..db import get_session
from . import bp, queries
from .access import event_or_404

#: Which disagreements a list shows: levels the machine gave that a person removed, or
#: levels a person added that the machine missed.
DISAGREEMENTS = ("extra", "missed")
#: An interval wider than this is called wide on the page: too few reviews to rely on.
WIDE = 0.3

#: Answers that count in the figures (the one counting rule): active, not demo.
_COUNTED = counting.counted()
#: Reviewed by a person after the machine had tagged (a row reviewed before any tagging has
#: no machine levels to compare).
_COMPARED = and_(counting.REVIEWED, ResponseTag.tagger_version != "")


@dataclass(frozen=True)
class ReviewedAnswer:
    """One reviewed answer: its texts, language, and the machine's and the person's levels."""

    response_id: int
    texts: tuple[str, ...]
    language: str
    machine: frozenset[str]
    reviewed: frozenset[str]
    #: The words the machine quoted as evidence, any level.
    evidence: frozenset[str]


@dataclass(frozen=True)
class QualityReport:
    """Per level and pooled: precision and recall; and how much is still unreviewed."""

    levels: list[LevelQuality]
    pooled: LevelQuality
    compared: int
    unreviewed: int


def _scope(query: Select, event: Event | None) -> Select:
    query = query.join(ResponseTag, ResponseTag.response_id == Response.id).where(_COUNTED)
    return query if event is None else query.where(Response.event_id == event.id)


def reviewed_answers(db: Session, event: Event | None = None) -> list[ReviewedAnswer]:
    """Counted answers of ``event`` (all when None) reviewed after the machine tagged."""
    query = _scope(select(Response, ResponseTag), event).where(_COMPARED).order_by(Response.id)
    return [
        ReviewedAnswer(
            response.id,
            tuple(response.texts().values()),
            tag.text_language or response.language,
            frozenset(tag.machine_levels or ()),
            frozenset(tag.reviewed_levels or ()),
            frozenset(
                quote for quotes in (tag.machine_evidence or {}).values() for quote in quotes
            ),
        )
        for response, tag in db.execute(query)
    ]


def reviews_state(db: Session, event: Event | None = None) -> list[Any]:
    """How many answers :func:`reviewed_answers` gives and their latest review, tagging and
    amendment: any change to that list changes this (a result worked out from it is kept
    keyed by it)."""
    query = _scope(
        select(
            func.count(Response.id),
            func.max(ResponseTag.reviewed_at),
            func.max(ResponseTag.tagged_at),
            func.max(Response.updated_at),
        ),
        event,
    ).where(_COMPARED)
    row = db.execute(query).one()
    return [row[0], *(str(moment) if moment is not None else "" for moment in row[1:])]


def unreviewed_count(db: Session, event: Event | None = None) -> int:
    """Counted answers with text that nobody has reviewed (untagged ones included)."""
    query = (
        select(func.count(Response.id))
        .outerjoin(ResponseTag, ResponseTag.response_id == Response.id)
        .where(_COUNTED, queries.has_text())
        .where(or_(ResponseTag.id.is_(None), ResponseTag.review_state == "machine"))
    )
    if event is not None:
        query = query.where(Response.event_id == event.id)
    return db.scalar(query) or 0


def quality_report(db: Session, event: Event | None = None) -> QualityReport:
    """The machine against people's reviews for ``event`` (all events when None)."""
    answers = reviewed_answers(db, event)
    levels = level_quality((item.machine, item.reviewed) for item in answers)
    return QualityReport(levels, micro(levels), len(answers), unreviewed_count(db, event))


def disagreeing(event: Event, level: str, kind: str) -> Select:
    """Reviewed answers where the machine gave ``level`` and a person removed it (``extra``),
    or a person added it and the machine had missed it (``missed``)."""
    said = counting.json_has(ResponseTag.machine_levels, level)
    kept = counting.json_has(ResponseTag.reviewed_levels, level)
    differs: ColumnElement[bool] = (
        and_(said, not_(kept)) if kind == "extra" else and_(kept, not_(said))
    )
    return (
        select(Response)
        .join(ResponseTag, ResponseTag.response_id == Response.id)
        .where(Response.event_id == event.id, _COUNTED, _COMPARED, differs)
        .order_by(Response.id)
    )


@bp.get("/e/<slug>/quality")
@login_required
def tagging_quality(slug: str) -> ResponseReturnValue:
    """Show how far the machine's levels agree with the reviews of this event."""
    event = event_or_404(slug)
    report = quality_report(get_session(), event)
    return render_template(
        "admin/quality.html", event=event, active="admin.tagging_quality", report=report, wide=WIDE
    )


@bp.get("/e/<slug>/quality/<level>/<kind>")
@login_required
def disagreements(slug: str, level: str, kind: str) -> ResponseReturnValue:
    """List the reviewed answers where the machine and the person disagree on one level."""
    event = event_or_404(slug)
    if level not in LEVELS or kind not in DISAGREEMENTS:
        abort(404)
    number = request.args.get("page", 1, type=int)
    page = queries.paginate(get_session(), disagreeing(event, level, kind), number)
    return render_template(
        "admin/quality_disagreements.html",
        event=event,
        active="admin.tagging_quality",
        page=page,
        level=level,
        kind=kind,
    )

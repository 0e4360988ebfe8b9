"""What the workbooks show, as plain rows and figures read from the database (no openpyxl).

Small figures (counts, rating distributions) are aggregated by the database; per-response
sheets are generators that stream rows in chunks, so memory stays flat however many responses
an event holds. Only active responses count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from survey_db.counting import codes_of, levels_of
from survey_db.models import (
    AgendaSession,
    Event,
    Organiser,
    PipelineRun,
    Response,
    ResponseTag,
    Theme,
    organiser_events,
)
from survey_db.models.vocabulary import FEEDBACK_TEXT_FIELDS, LEVELS, RATING_FIELDS

#: Rows fetched from the database per round trip on the streaming queries.
CHUNK = 2_000
ACTIVE = Response.status == "active"
TEXT_LANGUAGE = func.coalesce(ResponseTag.text_language, Response.language)
_TAG_COLUMNS = (
    ResponseTag.review_state,
    ResponseTag.machine_levels,
    ResponseTag.reviewed_levels,
    ResponseTag.machine_groups,
    ResponseTag.reviewed_groups,
    ResponseTag.machine_areas,
    ResponseTag.reviewed_areas,
)
PERSON_COLUMNS = (Response.show_name, Response.name, Response.organisation, Response.quote_ok)


def counted_levels(row: Any) -> list[str]:
    """Levels that count for a row carrying the tag columns (the one rule, Python form)."""
    return levels_of(row.review_state, row.machine_levels, row.reviewed_levels)


def person(row: Any) -> tuple[str | None, str | None]:
    """Name and organisation, only when the respondent agreed to show them."""
    return (row.name, row.organisation) if row.show_name else (None, None)


def stream(db: Session, query: Select[Any]) -> Iterator[Any]:
    """Rows of ``query`` fetched in chunks of :data:`CHUNK` (a server-side cursor on PostgreSQL)."""
    yield from db.execute(query.execution_options(yield_per=CHUNK))


@dataclass(frozen=True)
class EventFacts:
    """The title block's facts and the event's agenda, in the workbook's language."""

    title: str
    date: Any
    timezone: str
    tagger_versions: list[str]
    sessions: dict[int, str]
    themes: dict[int, str]
    series_size: int


def event_facts(db: Session, event: Event, lang: str) -> EventFacts:
    """Titles of the event, its feedback sessions and themes, and the tagger versions used."""
    versions = db.scalars(
        select(ResponseTag.tagger_version)
        .join(Response)
        .where(Response.event_id == event.id, ACTIVE)
        .distinct()
        .order_by(ResponseTag.tagger_version)
    ).all()
    return EventFacts(
        title=event.title(lang),
        date=event.date,
        timezone=event.timezone,
        tagger_versions=list(versions),
        sessions={item.id: item.title(lang) for item in event.feedback_sessions()},
        themes={item.id: item.title(lang) for item in event.themes},
        series_size=db.scalar(select(func.count()).where(Event.series_id == event.series_id)) or 0,
    )


def response_counts(db: Session, event: Event, lang: str) -> dict[str, list[tuple[Any, int]]]:
    """Active responses by session, theme, attendance, stakeholder and language of the text."""
    mine = (Response.event_id == event.id) & ACTIVE

    def by_item(model: Any, column: Any, kind: str) -> list[tuple[Any, int]]:
        query = (
            select(model, func.count(Response.id))
            .outerjoin(Response, (column == model.id) & mine & (Response.kind == kind))
            .where(model.event_id == event.id)
            .group_by(model.id)
            .order_by(model.position)
        )
        if model is AgendaSession:
            query = query.where(AgendaSession.takes_feedback)
        return [(item.title(lang), count) for item, count in db.execute(query)]

    def by_column(column: Any) -> list[tuple[Any, int]]:
        query = (
            select(column, func.count())
            .select_from(Response)
            .outerjoin(ResponseTag)
            .where(mine)
            .group_by(column)
            .order_by(func.count().desc(), column)
        )
        return [(value, count) for value, count in db.execute(query)]

    return {
        "session": by_item(AgendaSession, Response.session_id, "feedback"),
        "theme": by_item(Theme, Response.theme_id, "input"),
        "attendance": by_column(Response.attendance),
        "stakeholder": by_column(Response.stakeholder),
        "language": by_column(TEXT_LANGUAGE),
    }


def latest_run(db: Session) -> PipelineRun | None:
    """The most recent run of the tagging job, if any."""
    return db.scalar(select(PipelineRun).order_by(PipelineRun.started_at.desc()).limit(1))


class RatingRow(NamedTuple):
    session: str
    question: str
    n: int
    mean: float | None
    median: float | None
    share_4_5: float | None
    counts: tuple[int, int, int, int, int]


def _median(counts: list[int], n: int) -> float:
    """Median of a 1-5 distribution (the mean of the two middle answers when n is even)."""

    def value_at(index: int) -> int:
        seen = 0
        for value, count in enumerate(counts, 1):
            seen += count
            if seen > index:
                return value
        raise ValueError("index beyond the distribution")

    return (value_at((n - 1) // 2) + value_at(n // 2)) / 2


def rating_rows(db: Session, event: Event, facts: EventFacts) -> list[RatingRow]:
    """Per rating question, then per session: n, mean, median, share of 4-5 and the counts."""
    rows = []
    for question in RATING_FIELDS:
        column = getattr(Response, question)
        found: dict[int, list[int]] = {ident: [0] * 5 for ident in facts.sessions}
        query = (
            select(Response.session_id, column, func.count())
            .where(Response.event_id == event.id, ACTIVE, Response.kind == "feedback")
            .where(column.is_not(None))
            .group_by(Response.session_id, column)
        )
        for session_id, value, count in db.execute(query):
            found.setdefault(session_id, [0] * 5)[value - 1] = count
        for ident, title in facts.sessions.items():
            counts = found[ident]
            n = sum(counts)
            mean = sum(v * c for v, c in enumerate(counts, 1)) / n if n else None
            share = (counts[3] + counts[4]) / n if n else None
            median = _median(counts, n) if n else None
            rows.append(RatingRow(title, question, n, mean, median, share, tuple(counts)))
    return rows


class CommentRow(NamedTuple):
    session: str
    question: str
    submitted: datetime
    text: str
    language: str
    sentiment: float | None
    levels: list[str]
    tag_source: str | None
    name: str | None
    organisation: str | None
    quote_ok: bool


def comment_rows(db: Session, event: Event, facts: EventFacts) -> Iterator[CommentRow]:
    """Every feedback comment, by session and question, with its own sentiment and levels.

    A comment shows the levels the tagger found in it; once an organiser reviewed the
    response, the reviewed levels of the whole response.
    """
    for session_id, title in facts.sessions.items():
        for question in FEEDBACK_TEXT_FIELDS:
            column = getattr(Response, question)
            query = (
                select(
                    Response.created_at,
                    column.label("comment"),
                    Response.language,
                    ResponseTag.fields,
                    ResponseTag.text_language,
                    *_TAG_COLUMNS,
                    *PERSON_COLUMNS,
                )
                .outerjoin(ResponseTag)
                .where(Response.session_id == session_id, ACTIVE, column.is_not(None))
                .order_by(Response.id)
            )
            for row in stream(db, query):
                own = (row.fields or {}).get(question) or {}
                machine = row.review_state in (None, "machine")
                levels = own.get("levels", []) if machine else counted_levels(row)
                yield CommentRow(
                    title,
                    question,
                    row.created_at,
                    row.comment,
                    own.get("language") or row.text_language or row.language,
                    own.get("sentiment"),
                    levels,
                    row.review_state,
                    *person(row),
                    row.quote_ok,
                )


class InputRow(NamedTuple):
    theme: str
    submitted: datetime
    text: str
    language: str
    groups: list[str]
    groups_attendee: list[str]
    groups_tagger: list[str]
    areas: list[str]
    areas_attendee: list[str]
    areas_tagger: list[str]
    level_sources: dict[str, str]
    evidence: dict[str, list[str]]
    sentiment: float | None
    review_state: str | None
    name: str | None
    organisation: str | None
    quote_ok: bool


def level_sources(row: Any) -> dict[str, str]:
    """Where each level tag came from: machine, confirmed, added or removed by a person."""
    machine = set(row.machine_levels or ())
    if row.review_state in (None, "machine"):
        return {level: "machine" for level in LEVELS if level in machine}
    reviewed = set(row.reviewed_levels or ())
    sources = {}
    for level in LEVELS:
        if level in reviewed:
            sources[level] = "confirmed" if level in machine else "added"
        elif level in machine:
            sources[level] = "removed"
    return sources


def input_rows(db: Session, event: Event, facts: EventFacts) -> Iterator[InputRow]:
    """Every policy input, by theme, with its tags and where each tag came from."""
    for theme_id, title in facts.themes.items():
        query = (
            select(
                Response.created_at,
                Response.text,
                TEXT_LANGUAGE.label("language"),
                Response.groups,
                Response.areas,
                ResponseTag.machine_evidence,
                ResponseTag.sentiment,
                *_TAG_COLUMNS,
                *PERSON_COLUMNS,
            )
            .outerjoin(ResponseTag)
            .where(Response.theme_id == theme_id, ACTIVE, Response.kind == "input")
            .order_by(Response.id)
        )
        for row in stream(db, query):
            state = row.review_state
            yield InputRow(
                title,
                row.created_at,
                row.text,
                row.language,
                codes_of(state, row.groups, row.machine_groups, row.reviewed_groups),
                list(row.groups or ()),
                list(row.machine_groups or ()),
                codes_of(state, row.areas, row.machine_areas, row.reviewed_areas),
                list(row.areas or ()),
                list(row.machine_areas or ()),
                level_sources(row),
                dict(row.machine_evidence or {}),
                row.sentiment,
                state,
                *person(row),
                row.quote_ok,
            )


@dataclass
class Bucket:
    """Tagged responses of one theme, group or area, and how many carry each level."""

    tagged: int = 0
    levels: Counter[str] = field(default_factory=Counter)


@dataclass
class ImpactMatrix:
    """Level counts by theme (session feedback as one more row), by group and by area."""

    themes: dict[Any, Bucket]
    groups: dict[str, Bucket]
    areas: dict[str, Bucket]
    untagged: int = 0


def impact_matrix(db: Session, event: Event) -> ImpactMatrix:
    """Count levels over the event's tagged responses, streaming them in chunks."""
    theme_ids = [theme.id for theme in event.themes]
    matrix = ImpactMatrix({key: Bucket() for key in [*theme_ids, "feedback"]}, {}, {})
    query = (
        select(Response.kind, Response.theme_id, Response.groups, Response.areas, *_TAG_COLUMNS)
        .outerjoin(ResponseTag)
        .where(Response.event_id == event.id, ACTIVE)
    )
    for row in stream(db, query):
        if row.review_state is None:
            matrix.untagged += 1
            continue
        levels = counted_levels(row)
        state = row.review_state
        groups = codes_of(state, row.groups, row.machine_groups, row.reviewed_groups)
        areas = codes_of(state, row.areas, row.machine_areas, row.reviewed_areas)
        key = row.theme_id if row.kind == "input" else "feedback"
        targets = [matrix.themes.setdefault(key, Bucket())]
        targets += [matrix.groups.setdefault(code, Bucket()) for code in groups]
        targets += [matrix.areas.setdefault(code, Bucket()) for code in areas]
        for bucket in targets:
            bucket.tagged += 1
            bucket.levels.update(levels)
    return matrix


class SeriesRow(NamedTuple):
    title: str
    date: Any
    responses: int
    feedback: int
    inputs: int
    mean_overall: float | None
    share_overall_4_5: float | None
    tagged_inputs: int
    level_shares: dict[str, float | None]


def compared_events(event: Event, visible_event_ids: Collection[int] | None) -> list[Event]:
    """The events of ``event``'s series a workbook compares, oldest first.

    The rule: the event itself, and the others of its series that are not drafts and that
    the reader may see (``visible_event_ids``; None for a reader who sees every event).
    """
    return [
        member
        for member in event.series.events
        if member.id == event.id
        or (
            member.status != "draft"
            and (visible_event_ids is None or member.id in visible_event_ids)
        )
    ]


def events_every_organiser_sees(db: Session, event: Event) -> set[int]:
    """Ids of the events every organiser of ``event`` may see: what its nightly file compares.

    The nightly file is one file for all of the event's organisers, so it shows only what
    each of them could download anyway. Admins see every event and do not narrow it; with
    no other organiser it shows the event alone (an organiser given it later sees no more).
    """
    limited = db.scalars(
        select(Organiser.id)
        .join(organiser_events, organiser_events.c.organiser_id == Organiser.id)
        .where(organiser_events.c.event_id == event.id, Organiser.is_admin.is_(False))
    ).all()
    owned = [
        set(
            db.scalars(
                select(organiser_events.c.event_id).where(organiser_events.c.organiser_id == ident)
            )
        )
        for ident in limited
    ]
    return set.intersection(*owned) if owned else {event.id}


def series_rows(
    db: Session, event: Event, lang: str, visible_event_ids: Collection[int] | None = None
) -> list[SeriesRow]:
    """Headline figures of the events of the series the reader may compare, oldest first.

    See :func:`compared_events` for which: never a draft, never an event the reader may not see.
    """
    rows = []
    for member in compared_events(event, visible_event_ids):
        kind_counts = dict(
            db.execute(
                select(Response.kind, func.count())
                .where(Response.event_id == member.id, ACTIVE)
                .group_by(Response.kind)
            ).all()
        )
        mean, high, rated = db.execute(
            select(
                func.avg(Response.overall),
                func.count().filter(Response.overall >= 4),
                func.count(Response.overall),
            ).where(Response.event_id == member.id, ACTIVE, Response.kind == "feedback")
        ).one()
        buckets = [b for key, b in impact_matrix(db, member).themes.items() if key != "feedback"]
        tagged = sum(bucket.tagged for bucket in buckets)
        shares = {
            level: sum(b.levels[level] for b in buckets) / tagged if tagged else None
            for level in LEVELS
        }
        rows.append(
            SeriesRow(
                member.title(lang),
                member.date,
                sum(kind_counts.values()),
                kind_counts.get("feedback", 0),
                kind_counts.get("input", 0),
                float(mean) if mean is not None else None,
                high / rated if rated else None,
                tagged,
                shares,
            )
        )
    return rows

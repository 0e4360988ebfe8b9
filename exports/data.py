"""What the workbooks show, as plain rows and figures read from the database (no openpyxl).

Which answers count and what they count as is the one rule of :mod:`survey_db.counting`:
active answers, demo answers only when asked for (:class:`Scope`); a person's review wins over
the machine's tags; the attendee's groups and areas always count. Small figures are aggregated
by the database with the rule's SQL form; per-answer sheets stream rows in chunks and apply its
Python form, so memory stays flat however many answers an event holds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import Session

from survey_db import counting
from survey_db.models import (
    Event,
    Organiser,
    PipelineRun,
    Response,
    ResponseTag,
    organiser_events,
)
from survey_db.models.vocabulary import FEEDBACK_TEXT_FIELDS, LEVELS, RATING_FIELDS

#: Rows fetched from the database per round trip on the streaming queries.
CHUNK = 2_000
TEXT_LANGUAGE = func.coalesce(ResponseTag.text_language, Response.language)
TAG_COLUMNS = (
    ResponseTag.review_state,
    ResponseTag.machine_levels,
    ResponseTag.reviewed_levels,
    ResponseTag.machine_groups,
    ResponseTag.reviewed_groups,
    ResponseTag.machine_areas,
    ResponseTag.reviewed_areas,
)
PERSON_COLUMNS = (Response.show_name, Response.name, Response.organisation, Response.quote_ok)


#: The answer has text the tagger reads (the rule's own wording, in :mod:`survey_db.counting`).
HAS_TEXT = counting.HAS_TEXT
#: Not tagged yet: no tag row (the job gives every answer one, and a review makes one).
NOT_TAGGED = ResponseTag.id.is_(None)


@dataclass(frozen=True)
class Scope:
    """The answers of one event that the figures count (see :mod:`survey_db.counting`)."""

    event: Event
    include_demo: bool = False

    def where(self, event_id: int | None = None) -> tuple[ColumnElement[bool], ...]:
        """Conditions on ``responses`` (outer-joined to ``response_tags`` where tags matter)."""
        ident = self.event.id if event_id is None else event_id
        return (Response.event_id == ident, counting.counted(self.include_demo))


def shown_person(row: Any) -> tuple[str | None, str | None]:
    """Name and organisation only when the attendee allowed both naming and quoting.

    ``show_name`` without ``quote_ok`` means nothing: no name ever stands beside words
    that may not be quoted.
    """
    return (row.name, row.organisation) if row.show_name and row.quote_ok else (None, None)


def stream(db: Session, query: Select[Any]) -> Iterator[Any]:
    """Rows of ``query`` fetched in chunks of :data:`CHUNK` (a server-side cursor on PostgreSQL)."""
    yield from db.execute(query.execution_options(yield_per=CHUNK))


@dataclass(frozen=True)
class EventFacts:
    """The title block's facts and the event's agenda, in the workbook's language."""

    title: str
    date: Any
    venue: str
    timezone: str
    tagger_versions: list[str]
    sessions: dict[int, str]
    themes: dict[int, str]


def event_facts(db: Session, scope: Scope, lang: str) -> EventFacts:
    """Titles of the event, its feedback sessions and themes, and the tagger versions used."""
    event = scope.event
    versions = db.scalars(
        select(ResponseTag.tagger_version)
        .join(Response)
        .where(*scope.where(), ResponseTag.tagger_version != "")
        .distinct()
        .order_by(ResponseTag.tagger_version)
    ).all()
    return EventFacts(
        title=event.title(lang),
        date=event.date,
        venue=getattr(event, f"venue_{lang}", "") or "",
        timezone=event.timezone,
        tagger_versions=list(versions),
        sessions={item.id: item.title(lang) for item in event.feedback_sessions()},
        themes={item.id: item.title(lang) for item in event.themes},
    )


@dataclass(frozen=True)
class AnswerCounts:
    """How many answers count, by kind and channel; how many were left out, and why."""

    counted: int
    feedback: int
    inputs: int
    people: int
    by_channel: dict[str, int]
    left_out: dict[str, int]


def person_key(name: str | None, submission_key: str | None, ident: int) -> str:
    """Who an answer is from, as well as can be told: the name given, else the form sent.

    One feedback form rates several sessions (its keys share the part before ``:``); answers
    without a name or key (demo data) count one person each.
    """
    if name and name.strip():
        return "name:" + name.strip().casefold()
    if submission_key:
        return "form:" + submission_key.split(":", 1)[0]
    return f"answer:{ident}"


def answer_counts(db: Session, scope: Scope) -> AnswerCounts:
    """Counted answers (and people, approximately) by kind and channel; what was left out."""
    rows = db.execute(
        select(Response.kind, Response.channel, func.count())
        .where(*scope.where())
        .group_by(Response.kind, Response.channel)
    ).all()
    by_kind: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    for kind, channel, count in rows:
        by_kind[kind] = by_kind.get(kind, 0) + count
        by_channel[channel] = by_channel.get(channel, 0) + count
    people = {
        person_key(name, key, ident)
        for name, key, ident in stream(
            db,
            select(Response.name, Response.submission_key, Response.id).where(*scope.where()),
        )
    }
    mine = Response.event_id == scope.event.id
    demo = Response.channel == "demo"
    left_out = dict(
        db.execute(
            select(Response.status, func.count())
            .where(mine, Response.status != "active", true() if scope.include_demo else ~demo)
            .group_by(Response.status)
        ).all()
    )
    if not scope.include_demo:
        left_out["demo"] = db.scalar(select(func.count()).where(mine, demo)) or 0
    return AnswerCounts(
        counted=sum(by_kind.values()),
        feedback=by_kind.get("feedback", 0),
        inputs=by_kind.get("input", 0),
        people=len(people),
        by_channel=by_channel,
        left_out={key: left_out.get(key, 0) for key in ("withdrawn", "spam", "test", "demo")},
    )


@dataclass(frozen=True)
class TagStatus:
    """The caveats of the figures: machine tags and reviews, what is not tagged yet, the run."""

    machine: int
    reviewed: int
    not_tagged: int
    last_run: PipelineRun | None


def last_run_for(db: Session, event: Event) -> PipelineRun | None:
    """The latest finished run of the tagging job that covered ``event``.

    A run scoped to one event has its ``event_id`` set; ``NULL`` means it covered every event.
    """
    return db.scalar(
        select(PipelineRun)
        .where(
            PipelineRun.finished_at.is_not(None),
            or_(PipelineRun.event_id.is_(None), PipelineRun.event_id == event.id),
        )
        .order_by(PipelineRun.finished_at.desc(), PipelineRun.id.desc())
        .limit(1)
    )


def tag_status(db: Session, scope: Scope) -> TagStatus:
    """Counted answers with text: tagged by the machine only, reviewed, not tagged yet."""
    machine, reviewed, not_tagged = db.execute(
        select(
            func.count().filter(counting.MACHINE_ONLY),
            func.count().filter(counting.REVIEWED),
            func.count().filter(NOT_TAGGED),
        )
        .select_from(Response)
        .outerjoin(ResponseTag)
        .where(*scope.where(), HAS_TEXT)
    ).one()
    return TagStatus(machine, reviewed, not_tagged, last_run_for(db, scope.event))


class RatingRow(NamedTuple):
    session_id: int
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


def distribution_row(ident: int, title: str, question: str, counts: list[int]) -> RatingRow:
    """n, mean, median and share of 4-5 of a 1-5 distribution."""
    n = sum(counts)
    mean = sum(v * c for v, c in enumerate(counts, 1)) / n if n else None
    share = (counts[3] + counts[4]) / n if n else None
    median = _median(counts, n) if n else None
    return RatingRow(ident, title, question, n, mean, median, share, tuple(counts))


def rating_rows(db: Session, scope: Scope, facts: EventFacts) -> list[RatingRow]:
    """Per rating question, then per session: n, mean, median, share of 4-5 and the counts."""
    rows = []
    for question in RATING_FIELDS:
        column = getattr(Response, question)
        found: dict[int, list[int]] = {ident: [0] * 5 for ident in facts.sessions}
        query = (
            select(Response.session_id, column, func.count())
            .where(*scope.where(), Response.kind == "feedback", column.is_not(None))
            .group_by(Response.session_id, column)
        )
        for session_id, value, count in db.execute(query):
            found.setdefault(session_id, [0] * 5)[value - 1] = count
        for ident, title in facts.sessions.items():
            rows.append(distribution_row(ident, title, question, found[ident]))
    return rows


def ranked_sessions(rows: list[RatingRow]) -> list[RatingRow]:
    """The overall ratings of the sessions, best mean first; unrated sessions last."""
    overall = [row for row in rows if row.question == "overall"]
    return sorted(overall, key=lambda row: (row.mean is None, -(row.mean or 0), row.session))


class AnswerRow(NamedTuple):
    response_id: int
    place_id: int | None
    submitted: datetime
    stakeholder: str | None
    attendance: str | None
    language: str
    channel: str
    amended: bool
    texts: dict[str, str | None]
    levels: list[str]
    groups: list[str]
    areas: list[str]
    evidence: dict[str, list[str]]
    sentiment: float | None
    review_state: str | None
    name: str | None
    organisation: str | None
    quote_ok: bool


def answer_rows(db: Session, scope: Scope, kind: str) -> Iterator[AnswerRow]:
    """Every counted answer of ``kind`` that has text, with what counts of its tags.

    Session feedback without a comment is left out (its ratings are on the ratings sheet).
    """
    fields = FEEDBACK_TEXT_FIELDS if kind == "feedback" else ("text",)
    place = Response.session_id if kind == "feedback" else Response.theme_id
    query = (
        select(
            Response.id,
            place.label("place_id"),
            Response.created_at,
            Response.stakeholder,
            Response.attendance,
            TEXT_LANGUAGE.label("language"),
            Response.channel,
            Response.version,
            *(getattr(Response, name) for name in fields),
            Response.groups,
            Response.areas,
            ResponseTag.machine_evidence,
            ResponseTag.sentiment,
            *TAG_COLUMNS,
            *PERSON_COLUMNS,
        )
        .outerjoin(ResponseTag)
        .where(*scope.where(), Response.kind == kind, HAS_TEXT)
        .order_by(place, Response.id)
    )
    for row in stream(db, query):
        state = row.review_state
        yield AnswerRow(
            row.id,
            row.place_id,
            row.created_at,
            row.stakeholder,
            row.attendance,
            row.language,
            row.channel,
            row.version > 1,
            {name: getattr(row, name) for name in fields},
            counting.levels_of(state, row.machine_levels, row.reviewed_levels),
            counting.codes_of(state, row.groups, row.machine_groups, row.reviewed_groups),
            counting.codes_of(state, row.areas, row.machine_areas, row.reviewed_areas),
            dict(row.machine_evidence or {}) if not counting.is_reviewed(state) else {},
            row.sentiment,
            state,
            *shown_person(row),
            bool(row.quote_ok),
        )


@dataclass(frozen=True)
class LevelCounts:
    """Answers with text in one cell of the impact matrix, how many are tagged, per level."""

    key: Any
    with_text: int
    tagged: int
    levels: dict[str, int]

    def share(self, level: str) -> float | None:
        """The share of the tagged answers with text that carry ``level``."""
        return self.levels[level] / self.tagged if self.tagged else None


def _level_columns() -> list[Any]:
    return [
        func.count(),
        func.count().filter(counting.TAGGED),
        *(func.count().filter(counting.has_level(level)) for level in LEVELS),
    ]


def _level_counts(key: Any, values: Any) -> LevelCounts:
    with_text, tagged, *levels = values
    return LevelCounts(key, with_text, tagged, dict(zip(LEVELS, levels, strict=True)))


def levels_by(db: Session, scope: Scope, column: Any, kind: str | None = None) -> list[LevelCounts]:
    """Level counts of the counted answers with text, grouped by ``column``.

    Shares are of the tagged answers, so answers not tagged yet do not dilute them.
    """
    query = (
        select(column, *_level_columns())
        .select_from(Response)
        .outerjoin(ResponseTag)
        .where(*scope.where(), HAS_TEXT)
        .group_by(column)
    )
    if kind is not None:
        query = query.where(Response.kind == kind)
    return [_level_counts(key, values) for key, *values in db.execute(query)]


def levels_where(db: Session, scope: Scope, condition: ColumnElement[bool]) -> LevelCounts:
    """Level counts of the counted answers with text that meet ``condition``."""
    values = db.execute(
        select(*_level_columns())
        .select_from(Response)
        .outerjoin(ResponseTag)
        .where(*scope.where(), HAS_TEXT, condition)
    ).one()
    return _level_counts(None, values)


@dataclass(frozen=True)
class ImpactMatrix:
    """Level counts by theme (policy inputs), with all session feedback as one more row."""

    themes: dict[Any, LevelCounts]


def impact_matrix(db: Session, event: Event, include_demo: bool = False) -> ImpactMatrix:
    """Level counts of the tagged answers with text per theme, and of all session feedback."""
    scope = Scope(event, include_demo)
    found = {row.key: row for row in levels_by(db, scope, Response.theme_id, "input")}
    themes: dict[Any, LevelCounts] = {
        theme.id: found.get(theme.id, LevelCounts(theme.id, 0, 0, dict.fromkeys(LEVELS, 0)))
        for theme in event.themes
    }
    themes["feedback"] = levels_where(db, scope, Response.kind == "feedback")
    return ImpactMatrix(themes)


class SeriesRow(NamedTuple):
    event_id: int
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
    db: Session,
    scope: Scope,
    lang: str,
    visible_event_ids: Collection[int] | None = None,
) -> list[SeriesRow]:
    """Headline figures of the events of the series the reader may compare, oldest first.

    See :func:`compared_events` for which: never a draft, never an event the reader may not
    see. Each event's figures follow the same counting rule (demo answers as ``scope`` says).
    """
    rows = []
    for member in compared_events(scope.event, visible_event_ids):
        where = scope.where(member.id)
        kind_counts = dict(
            db.execute(
                select(Response.kind, func.count()).where(*where).group_by(Response.kind)
            ).all()
        )
        mean, high, rated = db.execute(
            select(
                func.avg(Response.overall),
                func.count().filter(Response.overall >= 4),
                func.count(Response.overall),
            ).where(*where, Response.kind == "feedback")
        ).one()
        inputs = levels_where(db, Scope(member, scope.include_demo), Response.kind == "input")
        rows.append(
            SeriesRow(
                member.id,
                member.title(lang),
                member.date,
                sum(kind_counts.values()),
                kind_counts.get("feedback", 0),
                kind_counts.get("input", 0),
                float(mean) if mean is not None else None,
                high / rated if rated else None,
                inputs.tagged,
                {level: inputs.share(level) for level in LEVELS},
            )
        )
    return rows


def place_titles(facts: EventFacts, kind: str) -> dict[int, str]:
    """Session titles for feedback, theme titles for policy inputs."""
    return facts.sessions if kind == "feedback" else facts.themes

"""What the console reads: response filters, the review queue and the overview's figures.

Plain functions over a session, so each is testable without a request. Lists are filtered,
ordered and paginated in SQL: an event may hold 100,000 responses. Figures count only
``active`` responses (not withdrawn, spam or test), like the workbooks.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from math import ceil, sqrt
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from survey_db import counting
from survey_db.models import AgendaSession, Event, Response, ResponseTag, Theme
from survey_db.models.vocabulary import (
    CHANNELS,
    FEEDBACK_TEXT_FIELDS,
    RATING_FIELDS,
    RESPONSE_STATUSES,
)

from . import pagination
from .pagination import PER_PAGE, Page

_ACTIVE = Response.counts
_REVIEWED = counting.REVIEWED
_SEARCHED = (*FEEDBACK_TEXT_FIELDS, "text", "name", "organisation")


@dataclass(frozen=True)
class Filters:
    """The response list's filters as the query string gives them; blank means any."""

    kind: str = ""
    session: str = ""
    theme: str = ""
    level: str = ""
    group: str = ""
    stakeholder: str = ""
    language: str = ""
    channel: str = ""
    reviewed: str = ""
    status: str = ""
    #: ``yes``: only answers the level figures count (active, with text, demo left out);
    #: ``demo``: the same with demo answers (the levels page's links send it).
    counted: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        """Read the filters from request arguments, trimmed."""
        return cls(**{item.name: (args.get(item.name) or "").strip() for item in fields(cls)})

    def as_args(self) -> dict[str, str]:
        """The filters that are set, for links to other pages of the same list."""
        return {name: value for name, value in vars(self).items() if value}

    def without(self, name: str) -> dict[str, str]:
        """The filters that are set, but ``name``: the link that removes one filter."""
        return {key: value for key, value in self.as_args().items() if key != name}


def text_language() -> ColumnElement[str]:
    """Language of the text as the tagger found it, else the language of the form."""
    return func.coalesce(ResponseTag.text_language, Response.language)


def _search(text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match over the free texts, name and organisation."""
    return or_(*(getattr(Response, name).icontains(text, autoescape=True) for name in _SEARCHED))


#: Filters that read the tag row: only they make the list join it (a join of 100,000 rows
#: costs more than the rest of the list).
_TAG_FILTERS = ("level", "group", "language", "reviewed")


def filtered(event: Event, filters: Filters) -> Select[Any]:
    """Responses of ``event`` matching ``filters``, newest first (tag rows joined if needed)."""
    query = select(Response).where(Response.event_id == event.id)
    if any(getattr(filters, name) for name in _TAG_FILTERS):
        query = query.outerjoin(ResponseTag, counting.TAG_OF_ANSWER)
    if filters.kind:
        query = query.where(Response.kind == filters.kind)
    if filters.session:
        query = query.join(AgendaSession, AgendaSession.id == Response.session_id).where(
            AgendaSession.code == filters.session
        )
    if filters.theme:
        query = query.join(Theme, Theme.id == Response.theme_id).where(Theme.code == filters.theme)
    if filters.level:
        query = query.where(counting.has_level(filters.level))
    if filters.group:
        query = query.where(counting.has_group(filters.group))
    if filters.stakeholder:
        query = query.where(Response.stakeholder == filters.stakeholder)
    if filters.language:
        query = query.where(text_language() == filters.language)
    if filters.channel:
        query = query.where(Response.channel == filters.channel)
    if filters.counted:
        query = query.where(counting.counted(filters.counted == "demo"), has_text())
    if filters.reviewed == "yes":
        query = query.where(_REVIEWED)
    elif filters.reviewed == "no":
        query = query.where(or_(ResponseTag.id.is_(None), ResponseTag.review_state == "machine"))
    if filters.status:
        query = query.where(Response.status == filters.status)
    if filters.q:
        query = query.where(_search(filters.q))
    return query.order_by(Response.id.desc())


def has_text() -> ColumnElement[bool]:
    """The response holds free text to tag, by the workbooks' own condition (one wording).

    A ratings-only answer has nothing to review and counts in no level.
    """
    return counting.HAS_TEXT


#: An answer in the review queue: active, with text, and either untagged or machine-tagged only.
_IN_QUEUE = (_ACTIVE, counting.HAS_TEXT)
_UNTAGGED = ResponseTag.id.is_(None)
_UNREVIEWED = or_(_UNTAGGED, ResponseTag.review_state == "machine")


@dataclass(frozen=True)
class QueueKey:
    """An answer's place in the review queue: untagged ones first, then the least certain.

    Answers the pipeline has not tagged yet come first (nothing is known of them), in the
    order they came; then by the runner's certainty, which is lowest for conflicting scores
    near the threshold and capped low for text in which no level was found.
    """

    tagged: bool
    certainty: float
    response_id: int

    def untagged_after(self, forward: bool = True) -> ColumnElement[bool]:
        """SQL: an untagged answer comes after (or before) this place."""
        if self.tagged:
            return literal(not forward)
        return Response.id > self.response_id if forward else Response.id < self.response_id

    def tagged_after(self, forward: bool = True) -> ColumnElement[bool]:
        """SQL: a machine-tagged answer comes after (or before) this place.

        The first test repeats part of the second: with it, the database starts its walk of
        the queue's index at this certainty instead of at either end.
        """
        if not self.tagged:
            return literal(forward)
        if forward:
            return and_(
                ResponseTag.certainty >= self.certainty,
                or_(
                    ResponseTag.certainty > self.certainty,
                    ResponseTag.response_id > self.response_id,
                ),
            )
        return and_(
            ResponseTag.certainty <= self.certainty,
            or_(ResponseTag.certainty < self.certainty, ResponseTag.response_id < self.response_id),
        )

    def comes_before(self) -> ColumnElement[bool]:
        """SQL: the answer (outer-joined to its tag row) comes before this place."""
        return or_(
            and_(_UNTAGGED, self.untagged_after(False)),
            and_(ResponseTag.id.is_not(None), self.tagged_after(False)),
        )


def queue_key(db: Session, event: Event, response_id: int | None) -> QueueKey | None:
    """The queue place of one of ``event``'s answers (None: no such answer)."""
    if response_id is None:
        return None
    found = db.execute(
        select(ResponseTag.id, ResponseTag.certainty)
        .select_from(Response)
        .outerjoin(ResponseTag, ResponseTag.response_id == Response.id)
        .where(Response.id == response_id, Response.event_id == event.id)
    ).first()
    if found is None:
        return None
    tag_id, certainty = found
    return QueueKey(tag_id is not None, certainty or 0.0, response_id)


def _untagged_walk(event: Event, forward: bool) -> Select[Any]:
    """The queue's untagged answers in id order (or back), along the event's id index."""
    return (
        select(Response.id)
        .outerjoin(ResponseTag, ResponseTag.response_id == Response.id)
        .where(Response.event_id == event.id, *_IN_QUEUE, _UNTAGGED)
        .order_by(Response.id if forward else Response.id.desc())
    )


def _tagged_walk(event: Event, forward: bool) -> Select[Any]:
    """The queue's machine-tagged answers, least certain first (or back): the queue index."""
    order = (ResponseTag.certainty, ResponseTag.response_id)
    return (
        select(ResponseTag.response_id)
        .join(Response, Response.id == ResponseTag.response_id)
        .where(Response.event_id == event.id, *_IN_QUEUE, ResponseTag.review_state == "machine")
        .order_by(*(order if forward else [column.desc() for column in order]))
    )


def review_queue_page(
    db: Session,
    event: Event,
    after: int | None = None,
    before: int | None = None,
    per_page: int = PER_PAGE,
) -> Page:
    """The page of the review queue after (or before) one answer, with the queue's size.

    ``after`` and ``before`` name the answer just beyond the page (keyset paging): the page
    is read along two indexes in the queue's order (the untagged answers by id, then the
    tagged ones by certainty) from that answer on, so a deep page costs what the first does,
    where an offset would read every answer before it. One count over the indexes gives
    the queue's size, and how many answers of each part lie on either side, so that neither
    walk goes on past its last answer. An answer no longer there starts the queue again.
    """
    start = queue_key(db, event, after if after is not None else before)
    forward = before is None or start is None
    # The answers on the near side of ``start``: before it, and with ``after`` itself too.
    near = literal(False)
    if start is not None:
        near = start.comes_before()
        near = or_(near, Response.id == start.response_id) if forward else near
    total, untagged, earlier, earlier_untagged = db.execute(
        select(
            func.count(),
            func.count().filter(_UNTAGGED),
            func.count().filter(near),
            func.count().filter(_UNTAGGED, near),
        )
        .select_from(Response)
        .outerjoin(ResponseTag, counting.TAG_OF_ANSWER)
        .where(Response.event_id == event.id, *_IN_QUEUE, _UNREVIEWED)
    ).one()
    if not forward and earlier <= per_page:  # back at the start: the first page, in full
        return review_queue_page(db, event, per_page=per_page)
    earlier_tagged = earlier - earlier_untagged
    # Each walk, the answers it has after and before ``start``, and its step from there.
    walks = [
        (_untagged_walk(event, forward), untagged - earlier_untagged, earlier_untagged, "untagged"),
        (_tagged_walk(event, forward), total - untagged - earlier_tagged, earlier_tagged, "tagged"),
    ]
    ids: list[int] = []
    for query, left_after, left_before, part in walks if forward else walks[::-1]:
        want = min(per_page - len(ids), left_after if forward else left_before)
        if want <= 0:
            continue
        if start is not None:
            step = start.untagged_after if part == "untagged" else start.tagged_after
            query = query.where(step(forward))
        ids += db.scalars(query.limit(want)).all()
    if not forward:
        ids.reverse()
        earlier -= len(ids)
    more = not forward or earlier + len(ids) < total
    # A page that starts off the multiples of ``per_page`` (the queue moved) counts as the
    # page after the one holding the answers before it, so that one is "previous".
    number = 1 + ceil(earlier / per_page)
    return _loaded(db, Page(ids, number, more, total, per_page))


def paginate(db: Session, query: Select[Any], number: int, per_page: int = PER_PAGE) -> Page:
    """One page of ``query``'s responses, with their session, theme and tags loaded.

    The page's ids come first (a deep page skips over ids in an index, not over whole rows
    with their texts), then the page's 50 rows themselves.
    """
    ids = pagination.paginate(db, query.with_only_columns(Response.id), number, per_page=per_page)
    return _loaded(db, ids)


def _loaded(db: Session, ids: Page) -> Page:
    """The page of ids as the responses themselves, in its order, with what a list shows."""
    rows = db.scalars(
        select(Response)
        .where(Response.id.in_(ids.items))
        .options(
            selectinload(Response.session), selectinload(Response.theme), selectinload(Response.tag)
        )
    )
    by_id = {row.id: row for row in rows}
    return replace(ids, items=[by_id[ident] for ident in ids.items])


def counts_by_item(db: Session, event: Event, model: Any) -> list[tuple[Any, int]]:
    """Active responses per feedback session (``AgendaSession``) or per theme (``Theme``).

    Counted from the console's counts index alone (its columns in its order: kind, event,
    session, theme, status), then put beside the event's own items.
    """
    if model is AgendaSession:
        column = Response.session_id
        mine = (Response.kind == "feedback", column.is_not(None))
    else:
        column = Response.theme_id
        mine = (Response.kind == "input", Response.session_id.is_(None), column.is_not(None))
    counts = dict(
        db.execute(
            select(column, func.count())
            .where(Response.event_id == event.id, _ACTIVE, *mine)
            .group_by(column)
        ).all()
    )
    items = event.feedback_sessions() if model is AgendaSession else event.themes
    return [(item, counts.get(item.id, 0)) for item in items]


def counts_by_channel(db: Session, event: Event) -> dict[str, int]:
    """Active responses per channel (web, paper, demo).

    Counted in one pass over the event's id index (which holds status and channel), a count
    per channel: a GROUP BY would sort the 100,000 index entries first.
    """
    return _counts_of(db, event, Response.channel, CHANNELS, _ACTIVE)


def not_counted(db: Session, event: Event) -> dict[str, int]:
    """Responses left out of the figures, per status (withdrawn, spam, test)."""
    left_out = [status for status in RESPONSE_STATUSES if status != "active"]
    return _counts_of(db, event, Response.status, left_out, ~_ACTIVE)


def _counts_of(
    db: Session, event: Event, column: Any, values: Any, *where: ColumnElement[bool]
) -> dict[str, int]:
    """The event's responses per value of ``column`` (those with none left out)."""
    counts = db.execute(
        select(*(func.count().filter(column == value) for value in values)).where(
            Response.event_id == event.id, *where
        )
    ).one()
    return {value: count for value, count in zip(values, counts, strict=True) if count}


@dataclass(frozen=True)
class Averages:
    """Mean rating and number of answers per rating question, for one session or all."""

    answers: dict[str, int]
    means: dict[str, float | None]


def rating_averages(db: Session, event: Event) -> tuple[dict[int, Averages], Averages]:
    """Mean ratings per feedback session (by session id) and over all sessions."""
    return averages_of(*ratings(db, event))


def averages_of(
    per_session: dict[int, dict[str, Distribution]], overall: dict[str, Distribution]
) -> tuple[dict[int, Averages], Averages]:
    """The means and numbers of answers of :func:`ratings`' distributions."""

    def averages(found: dict[str, Distribution]) -> Averages:
        return Averages(
            {name: found[name].n for name in RATING_FIELDS},
            {name: found[name].mean for name in RATING_FIELDS},
        )

    return {ident: averages(found) for ident, found in per_session.items()}, averages(overall)


def inputs_reviewed(db: Session, event: Event) -> tuple[int, int]:
    """Active policy inputs reviewed by a person, and all active policy inputs."""
    total, reviewed = db.execute(
        select(func.count(Response.id), func.count(ResponseTag.id).filter(_REVIEWED))
        .outerjoin(ResponseTag, counting.TAG_OF_ANSWER)
        .where(Response.event_id == event.id, _ACTIVE, Response.kind == "input")
    ).one()
    return reviewed or 0, total or 0


@dataclass(frozen=True)
class Distribution:
    """How many answered 1, 2, 3, 4 and 5 to one rating question, with n, mean and spread."""

    counts: tuple[int, int, int, int, int]

    @property
    def n(self) -> int:
        """How many answered the question."""
        return sum(self.counts)

    @property
    def mean(self) -> float | None:
        """The mean answer, or None without answers."""
        return sum(v * c for v, c in enumerate(self.counts, 1)) / self.n if self.n else None

    @property
    def spread(self) -> float | None:
        """The standard deviation of the answers (population), or None without answers."""
        mean = self.mean
        if mean is None:
            return None
        return sqrt(sum(c * (v - mean) ** 2 for v, c in enumerate(self.counts, 1)) / self.n)


def ratings(
    db: Session, event: Event
) -> tuple[dict[int, dict[str, Distribution]], dict[str, Distribution]]:
    """The 1-5 distribution of every rating question per session (by id) and over all.

    One pass over the console's counts index: five counts per question and session.
    """
    mine = (Response.event_id == event.id, _ACTIVE, Response.kind == "feedback")
    columns = [
        func.count().filter(getattr(Response, name) == value)
        for name in RATING_FIELDS
        for value in range(1, 6)
    ]
    per_session: dict[int, dict[str, Distribution]] = {}
    totals = {name: [0] * 5 for name in RATING_FIELDS}
    for session_id, *counts in db.execute(
        select(Response.session_id, *columns).where(*mine).group_by(Response.session_id)
    ):
        found = {}
        for index, name in enumerate(RATING_FIELDS):
            five = list(counts[5 * index : 5 * index + 5])
            found[name] = Distribution(_five(five))
            totals[name] = [a + b for a, b in zip(totals[name], five, strict=True)]
        per_session[session_id] = found
    return per_session, {name: Distribution(_five(totals[name])) for name in RATING_FIELDS}


def rating_distributions(
    db: Session, event: Event, question: str
) -> tuple[dict[int, Distribution], Distribution]:
    """Answers 1-5 to ``question`` per feedback session (by id) and over all sessions."""
    per_session, overall = ratings(db, event)
    return {ident: found[question] for ident, found in per_session.items()}, overall[question]


def _five(counts: list[int]) -> tuple[int, int, int, int, int]:
    return counts[0], counts[1], counts[2], counts[3], counts[4]

"""The live screen of one session or theme, for the organiser's laptop on the projector.

It shows how to answer (a QR code and a short address to type, for those on Zoom who cannot
scan a shared screen) and what the room has said so far: the number of answers, the rating
distribution and the words most used in comments whose authors allowed quoting. The page is
whole without script; ``static/live.js`` refreshes its figures in place from the JSON view and
moves to the previous or next screen with the arrow keys.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from survey_db.counting import counted
from survey_db.models import AgendaSession, Event, LiveTerms, Response, SessionPerson, Theme

from ..db import begin_write, get_session
from ..qr import public_url, qr_svg, short_code, short_link
from . import bp
from .access import event_or_404
from .live_terms import AnswerTerms, answer_terms, names_key, top_terms

#: Seconds between two refreshes: fresh enough for a room, light on the server.
LIVE_EVERY = 5
#: Words shown: as many as a projector shows legibly from the back of a hall.
TERMS_SHOWN = 12
#: Comment fields whose words are counted, by kind of answer.
TEXT_FIELDS = {"feedback": ("most_useful", "improve", "next_topics"), "input": ("text",)}

#: Answers cut and kept per query: well under SQLite's limit of bound parameters.
_CUT_BATCH = 500
#: Answers whose words a worker keeps in memory (about 1 kB each), across all its screens.
_MEMORY_SIZE = 100_000
_UPSERT = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}
_KEPT_COLUMNS = ("version", "names_key", "words", "capitals")

Topic = AgendaSession | Theme


def _topics(event: Event) -> list[tuple[str, Topic]]:
    """Every screen of the event in agenda order: sessions that take feedback, then themes."""
    sessions = [("session", item) for item in event.sessions if item.takes_feedback]
    return [*sessions, *(("theme", theme) for theme in event.themes)]


def _screen_url(event: Event, kind: str, topic: Topic, suffix: str = "") -> str:
    if kind == "session":
        return url_for("admin.live_session" + suffix, slug=event.slug, code=topic.code)
    return url_for("admin.live_theme" + suffix, slug=event.slug, theme=topic.code)


def _topic_or_404(event: Event, kind: str, code: str) -> Topic:
    for found_kind, topic in _topics(event):
        if found_kind == kind and topic.code == code:
            return topic
    abort(404)


def _on(topic: Topic) -> Any:
    """Answers on ``topic``, whatever their status."""
    column = Response.session_id if isinstance(topic, AgendaSession) else Response.theme_id
    return column == topic.id


#: Answers that count (not withdrawn, spam or test), by the one counting rule; the screen
#: has always shown demo answers too.
_COUNTED = counted(include_demo=True)


def live_figures(db: Session, topic: Topic) -> dict[str, Any]:
    """``{"answers": N, "ratings": {"1": n1, ..., "5": n5}, "terms": [[term, count], ...]}``."""
    where = (_on(topic), _COUNTED)
    answers = db.scalar(select(func.count()).select_from(Response).where(*where)) or 0
    ratings = {str(value): 0 for value in range(1, 6)}
    if isinstance(topic, AgendaSession):
        query = (
            select(Response.overall, func.count())
            .where(*where, Response.overall.is_not(None))
            .group_by(Response.overall)
        )
        for value, count in db.execute(query):
            ratings[str(value)] = count
    return {"answers": answers, "ratings": ratings, "terms": _terms(db, topic)}


def _terms(db: Session, topic: Topic) -> list[list[Any]]:
    """The words most used in comments that may be quoted, without names.

    Counted again only when an answer on the topic was added, changed or deleted, or the
    agenda changed (the answers' count, newest id, last change and last status change, and
    the event's last change): a poll of an unchanged topic costs one query.
    """
    marker = db.execute(
        select(
            func.count(),
            func.max(Response.id),
            func.max(Response.updated_at),
            func.max(Response.status_changed_at),
        ).where(_on(topic))
    ).one()
    version = (*marker, topic.event.updated_at)
    kept: dict[Any, Any] = current_app.extensions.setdefault("live_screens", {})
    key = (type(topic).__name__, topic.id)
    if key in kept and kept[key][0] == version:
        return kept[key][1]
    terms = _count_terms(db, topic)
    kept[key] = (version, terms)
    return terms


def _count_terms(db: Session, topic: Topic) -> list[list[Any]]:
    """Count the words of the topic's answers as they stand now.

    Each answer's words come from this worker's memory or from :class:`LiveTerms` when they
    were cut from its current version with the same names taken out; the others are cut
    here and kept. Which answers count (active, quoting allowed) is read from the responses
    at each count, so a withdrawal, a mark as spam or a revoked permission takes the words
    off at once.
    """
    # Every respondent's name, quotable or not, and the speakers' names stay off the screen.
    names = list(db.scalars(select(Response.name).where(_on(topic), Response.name.is_not(None))))
    speakers: list[str] = []
    if isinstance(topic, AgendaSession):
        speakers = list(
            db.scalars(select(SessionPerson.name).where(SessionPerson.session_id == topic.id))
        )
    rows = db.execute(
        select(Response.id, Response.version, Response.name).where(
            _on(topic), _COUNTED, Response.quote_ok.is_(True)
        )
    ).all()
    # This worker's memory first, then the kept words; only what neither holds is cut.
    memory: dict[int, tuple[int, str, AnswerTerms]] = current_app.extensions.setdefault(
        "live_terms", {}
    )
    found: list[AnswerTerms] = []
    missing: dict[int, tuple[int, str]] = {}
    keys: dict[str | None, str] = {}
    for ident, version, name in rows:
        if name not in keys:
            keys[name] = names_key(_own_names(speakers, name))
        remembered = memory.get(ident)
        if remembered is not None and remembered[:2] == (version, keys[name]):
            found.append(remembered[2])
        else:
            missing[ident] = (version, keys[name])
    if missing:
        found += _kept_or_cut(db, topic, missing, speakers, memory)
    return [[word, count] for word, count in top_terms(found, names + speakers, TERMS_SHOWN)]


def _kept_or_cut(
    db: Session,
    topic: Topic,
    missing: dict[int, tuple[int, str]],
    speakers: list[str],
    memory: dict[int, tuple[int, str, AnswerTerms]],
) -> list[AnswerTerms]:
    """The words of answers not in this worker's memory: kept ones read, the others cut."""
    if len(memory) + len(missing) > _MEMORY_SIZE:
        memory.clear()
    found: list[AnswerTerms] = []
    idents = list(missing)
    query = select(
        LiveTerms.response_id,
        LiveTerms.version,
        LiveTerms.names_key,
        LiveTerms.words,
        LiveTerms.capitals,
    )
    for start in range(0, len(idents), _CUT_BATCH):
        batch = query.where(LiveTerms.response_id.in_(idents[start : start + _CUT_BATCH]))
        for ident, version, key, words, capitals in db.execute(batch):
            if missing.get(ident) == (version, key):
                terms = (frozenset(words), frozenset(capitals))
                memory[ident] = (version, key, terms)
                found.append(terms)
                del missing[ident]
    if missing:
        found += _cut_and_keep(db, topic, list(missing), speakers, memory)
    return found


def _own_names(speakers: list[str], name: str | None) -> list[str]:
    """The names taken out of one answer before it is cut: the speakers' and its author's."""
    return [*speakers, *([name] if name else [])]


def _cut_and_keep(
    db: Session,
    topic: Topic,
    idents: list[int],
    speakers: list[str],
    memory: dict[int, tuple[int, str, AnswerTerms]],
) -> list[AnswerTerms]:
    """Cut the answers ``idents`` as they stand, and keep their words for the next polls.

    Their texts are read again with their version and under the same conditions, so an
    answer amended since the first read is kept under the version its words came from, and
    one withdrawn meanwhile is left out. Two workers that cut the same answer at once write
    the same words.
    """
    kind = "feedback" if isinstance(topic, AgendaSession) else "input"
    fields = [getattr(Response, name) for name in TEXT_FIELDS[kind]]
    found: list[AnswerTerms] = []
    kept: list[dict[str, Any]] = []
    for start in range(0, len(idents), _CUT_BATCH):
        batch = idents[start : start + _CUT_BATCH]
        query = select(Response.id, Response.version, Response.name, *fields).where(
            Response.id.in_(batch), _COUNTED, Response.quote_ok.is_(True)
        )
        for ident, version, name, *texts in db.execute(query):
            own = _own_names(speakers, name)
            text = "\n".join(value for value in texts if value)
            words, capitals = answer_terms(text, own) if text else (frozenset(), frozenset())
            found.append((words, capitals))
            memory[ident] = (version, names_key(own), (words, capitals))
            kept.append(
                {
                    "response_id": ident,
                    "version": version,
                    "names_key": names_key(own),
                    "words": sorted(words),
                    "capitals": sorted(capitals),
                }
            )
    insert = _UPSERT[db.get_bind().dialect.name](LiveTerms.__table__)
    try:
        begin_write(db)
        db.execute(
            insert.on_conflict_do_update(
                index_elements=[LiveTerms.response_id],
                set_={name: insert.excluded[name] for name in _KEPT_COLUMNS},
            ),
            # In id order: two workers keeping the same rows lock them in the same order.
            sorted(kept, key=lambda row: row["response_id"]),
        )
        db.commit()
    except (IntegrityError, OperationalError):
        # An answer deleted meanwhile, or the database busy past its timeout: the words are
        # counted all the same, and cut again at the next poll.
        db.rollback()
        current_app.logger.warning("live screen: words of %d answers not kept", len(kept))
    return found


def _screen(slug: str, kind: str, code: str) -> ResponseReturnValue:
    """The screen of one topic, with its neighbours in the agenda for the arrow keys."""
    event = event_or_404(slug)
    topic = _topic_or_404(event, kind, code)
    topics = [(found, item, _screen_url(event, found, item)) for found, item in _topics(event)]
    place = next(index for index, (_kind, item, _link) in enumerate(topics) if item is topic)
    form_url = public_url("attendee.short_address", short=short_code(kind, topic.id))
    return render_template(
        "admin/live.html",
        event=event,
        kind=kind,
        topic=topic,
        topics=topics,
        before=topics[place - 1][2] if place > 0 else None,
        after=topics[place + 1][2] if place + 1 < len(topics) else None,
        qr=qr_svg(form_url),
        short=short_link(form_url),
        figures=live_figures(get_session(), topic),
        source=_screen_url(event, kind, topic, "_json"),
        every=LIVE_EVERY,
    )


@bp.get("/e/<slug>/screens")
@login_required
def live_first(slug: str) -> ResponseReturnValue:
    """Open the live screens at the agenda's first session (or first theme)."""
    event = event_or_404(slug)
    topics = _topics(event)
    if not topics:
        abort(404)
    return redirect(_screen_url(event, *topics[0]))


@bp.get("/e/<slug>/live/<code>")
@login_required
def live_session(slug: str, code: str) -> ResponseReturnValue:
    """Show one session's live screen: how to answer, and what the room has said."""
    return _screen(slug, "session", code)


@bp.get("/e/<slug>/live/theme/<theme>")
@login_required
def live_theme(slug: str, theme: str) -> ResponseReturnValue:
    """Show one theme's live screen for policy inputs."""
    return _screen(slug, "theme", theme)


@bp.get("/e/<slug>/live/<code>.json")
@login_required
def live_session_json(slug: str, code: str) -> ResponseReturnValue:
    """Give one session's live figures."""
    topic = _topic_or_404(event_or_404(slug), "session", code)
    return jsonify(live_figures(get_session(), topic))


@bp.get("/e/<slug>/live/theme/<theme>.json")
@login_required
def live_theme_json(slug: str, theme: str) -> ResponseReturnValue:
    """Give one theme's live figures."""
    topic = _topic_or_404(event_or_404(slug), "theme", theme)
    return jsonify(live_figures(get_session(), topic))

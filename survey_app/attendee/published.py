"""The events attendees see, loaded once per process and version of the event.

Every attendee request needs its event with the agenda and the themes. Loading them through
the ORM costs more than the rest of a form post, yet they change only when the event file is
loaded again or collection opens or closes, and each of those changes the event's
``updated_at`` (and the second its status). So a request reads just the event's id, status and
``updated_at`` and takes the rest from a copy kept in the process, loaded again when any of
the three differs.

The copies are detached from every session: they were loaded with everything the attendee
pages show, and views use them to read (their ids go into new rows; they are never attached
to a request's session).
"""

from __future__ import annotations

import threading
from typing import Any

from flask import abort, current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from survey_db.models import AgendaSession, Event

from ..db import get_session
from ..texts import gettext as _

#: Built once, on the table's columns and run on the session's connection: building a
#: statement, or passing it through the ORM, costs more than running this one on SQLite.
_EVENTS = Event.__table__.c
_VERSION = select(_EVENTS.id, _EVENTS.status, _EVENTS.updated_at).where(
    _EVENTS.slug == bindparam("slug"), _EVENTS.status != "draft"
)


class PublishedEvents:
    """Per-process copies of events that are not drafts, keyed by slug."""

    def __init__(self) -> None:
        self._events: dict[str, tuple[tuple[Any, ...], Event]] = {}
        self._lock = threading.Lock()

    def get(self, db: Session, slug: str) -> Event | None:
        """The event at ``slug`` as it stands in ``db`` now, or None if it is not published."""
        row = db.connection().execute(_VERSION, {"slug": slug}).one_or_none()
        if row is None:
            return None
        version = tuple(row)
        with self._lock:
            kept = self._events.get(slug)
        if kept is not None and kept[0] == version:
            return kept[1]
        event = self._load(version[0])
        if event is None or (event.id, event.status, event.updated_at) != version:
            # Changed between the two reads: use this copy once, keep none.
            return event
        with self._lock:
            self._events[slug] = (version, event)
        return event

    def _load(self, event_id: int) -> Event | None:
        """Load the event with everything attendee pages show, in a session of its own."""
        with current_app.extensions["survey_db"]["read"]() as session:
            return session.scalar(
                select(Event)
                .where(Event.id == event_id)
                .options(
                    selectinload(Event.sessions).selectinload(AgendaSession.people),
                    selectinload(Event.themes),
                )
            )


def published_events() -> PublishedEvents:
    """The current app's copies (made when the attendee blueprint is registered)."""
    return current_app.extensions["published_events"]


def event_or_404(slug: str) -> Event:
    """The event of a public page, with its agenda and themes, from the copy kept here."""
    event = published_events().get(get_session(), slug)
    if event is None:
        abort(404, description=_("There is no event at this address."))
    return event

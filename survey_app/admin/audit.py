"""The audit log: sign-ins, reviews, downloads, event changes and refusals, with who and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from survey_db.models import AuditEntry, Event, Organiser, Response

from ..db import begin_write, get_session

#: Longest text kept in a detail (a refusal's message can quote a whole line of a file).
MAX_DETAIL = 500


def record(
    db: Session,
    action: str,
    *,
    organiser: Organiser | None = None,
    event: Event | None = None,
    **detail: Any,
) -> AuditEntry:
    """Add an audit entry to the session; it is committed with the change it records."""
    entry = AuditEntry(
        action=action,
        organiser_id=organiser.id if organiser is not None else None,
        event_id=event.id if event is not None else None,
        detail={
            key: value[:MAX_DETAIL] if isinstance(value, str) else value
            for key, value in detail.items()
        },
    )
    db.add(entry)
    return entry


def record_apart(
    action: str,
    *,
    organiser: Organiser | None = None,
    event: Event | None = None,
    **detail: Any,
) -> None:
    """Record an entry and commit it at once, for a refusal or a page that only reads.

    Through the request's own session: a second connection would wait on SQLite for the
    write lock the request itself may hold. Its reading transaction ends first, so the
    entry is written in a write transaction of its own. Callers have nothing else pending.
    """
    db = get_session()
    begin_write(db)
    record(db, action, organiser=organiser, event=event, **detail)
    db.commit()


def record_personal_view(organiser: Organiser, event: Event, response: Response) -> None:
    """Note that ``organiser`` was shown a response's name or organisation, if it has any."""
    if response.name or response.organisation:
        record_apart("personal_viewed", organiser=organiser, event=event, response=response.id)

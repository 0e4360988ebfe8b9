"""The audit log: sign-ins, reviews, downloads, event changes and refusals, with who and when."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from survey_db.engine import transaction
from survey_db.models import AuditEntry, Event, Organiser

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
    """Record an entry in a short transaction of its own, committed at once.

    For refusals: the request's own session only reads or is rolled back, and the entry
    must stay all the same.
    """
    with transaction(current_app.extensions["survey_db"]["write"]) as db:
        record(db, action, organiser=organiser, event=event, **detail)

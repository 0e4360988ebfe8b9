"""The audit log: sign-ins, reviews, downloads and event changes, with who and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from survey_db.models import AuditEntry, Event, Organiser


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
        detail=detail,
    )
    db.add(entry)
    return entry

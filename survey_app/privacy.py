"""Retention: names and organisations are removed from answers older than the retention period.

The rest of each answer (ratings, texts, tags) is kept for the series' analysis. Earlier
versions lose the same fields, and saved workbooks that may show them are deleted and written
afresh from the cleaned data.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from survey_db.models import Event, Response, utcnow

PERSONAL_FIELDS = ("name", "organisation")


@dataclass(frozen=True)
class PurgeReport:
    """What a retention run removed."""

    responses: int
    versions: int
    events: tuple[str, ...]


def purge_personal_data(db: Session, older_than_days: int, *, dry_run: bool = False) -> PurgeReport:
    """Clear names and organisations of responses created more than N days ago.

    The caller commits (or, for a dry run, rolls back).
    """
    if older_than_days < 0:
        raise ValueError("older_than_days must not be negative")
    cutoff = utcnow() - timedelta(days=older_than_days)
    responses = list(
        db.scalars(
            select(Response).where(
                Response.created_at < cutoff,
                or_(
                    Response.name.is_not(None),
                    Response.organisation.is_not(None),
                    Response.versions.any(),
                ),
            )
        )
    )
    cleared_responses = cleared_versions = 0
    events: set[int] = set()
    now = utcnow()
    for response in responses:
        if response.name is not None or response.organisation is not None:
            cleared_responses += 1
            events.add(response.event_id)
            if not dry_run:
                response.name = response.organisation = None
                response.updated_at = now
        for version in response.versions:
            if any(version.data.get(field) is not None for field in PERSONAL_FIELDS):
                cleared_versions += 1
                events.add(response.event_id)
                if not dry_run:
                    version.data = {**version.data, **dict.fromkeys(PERSONAL_FIELDS)}
    slugs = tuple(db.scalars(select(Event.slug).where(Event.id.in_(events)).order_by(Event.slug)))
    return PurgeReport(cleared_responses, cleared_versions, slugs)


def drop_saved_workbooks(export_dir: str | Path, slugs: tuple[str, ...]) -> int:
    """Delete the saved workbooks of these events (they may show names); return how many."""
    removed = 0
    for slug in slugs:
        folder = Path(export_dir) / slug
        if folder.is_dir():
            removed += len(list(folder.glob("*.xlsx")))
            shutil.rmtree(folder)
    return removed

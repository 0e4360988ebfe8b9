"""Fresh summary workbooks for the events that changed since their last one (nightly job).

Each event's folder ``<export_dir>/<slug>/`` holds its last workbooks and a small
``fingerprint.json``: the response count, the latest response change and the latest tagging
and review. An event whose fingerprint still matches gets no new file, so a quiet night writes
nothing; an event that never had a response gets no folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from survey_db.models import Event, Response, ResponseTag, utcnow

from . import data
from .atomic import replacing
from .summary import build_summary

FINGERPRINT_FILE = "fingerprint.json"
#: The fingerprint of an event without responses or tags: nothing to write.
EMPTY_FINGERPRINT: dict[str, Any] = {
    "responses": 0,
    "updated_at": None,
    "status_changed_at": None,
    "tags": 0,
    "tagged_at": None,
    "reviewed_at": None,
}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def event_fingerprint(db: Session, event_id: int) -> dict[str, Any]:
    """A cheap summary of everything that would change the event's workbook."""
    count, updated, status_changed = db.execute(
        select(
            func.count(Response.id),
            func.max(Response.updated_at),
            func.max(Response.status_changed_at),
        ).where(Response.event_id == event_id)
    ).one()
    tags, tagged, reviewed = db.execute(
        select(
            func.count(ResponseTag.id),
            func.max(ResponseTag.tagged_at),
            func.max(ResponseTag.reviewed_at),
        )
        .join(Response)
        .where(Response.event_id == event_id)
    ).one()
    return {
        "responses": count,
        "updated_at": _iso(updated),
        "status_changed_at": _iso(status_changed),
        "tags": tags,
        "tagged_at": _iso(tagged),
        "reviewed_at": _iso(reviewed),
    }


def _read_fingerprint(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / FINGERPRINT_FILE).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return EMPTY_FINGERPRINT


def prune(folder: Path, keep: int) -> None:
    """Delete all but the ``keep`` newest workbooks (their names sort by time)."""
    for old in sorted(folder.glob("summary-*.xlsx"))[:-keep]:
        old.unlink(missing_ok=True)


def _write_due(
    db: Session,
    export_dir: Path,
    keep: int,
    lang: str,
    pace: Callable[[], None] | None,
    base_url: str,
) -> int:
    written = 0
    for event in db.scalars(select(Event).order_by(Event.id)):
        folder = export_dir / event.slug
        fingerprint = event_fingerprint(db, event.id)
        # One file for all the event's organisers: it compares what each of them may see,
        # and is written again when that changes (an organiser given the event, say).
        shown = data.events_every_organiser_sees(db, event)
        if shown != {event.id}:
            fingerprint["compared"] = sorted(shown)
        if fingerprint == _read_fingerprint(folder):
            continue
        path = folder / f"summary-{utcnow():%Y%m%dT%H%M%SZ}.xlsx"
        build_summary(
            db, event, path, lang=lang, pace=pace, visible_event_ids=shown, base_url=base_url
        )
        # Written after the workbook: a crash in between only means one extra file next time.
        with replacing(folder / FINGERPRINT_FILE) as temporary:
            temporary.write_text(json.dumps(fingerprint, indent=2), "utf-8")
        prune(folder, keep)
        written += 1
    return written


def write_due_workbooks(
    session_or_engine: Session | Engine,
    export_dir: str | Path,
    keep: int = 14,
    *,
    lang: str = "en",
    pace: Callable[[], None] | None = None,
    base_url: str = "",
) -> int:
    """Write a new workbook for every event that changed since its last one; return how many.

    Accepts the runner's session (its ``after_tagging`` hook) or an engine to open one.
    ``pace`` is called after every row written (the nightly job pauses in it under load);
    with ``base_url`` (the public address) each answer's id links to it in the console.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    if isinstance(session_or_engine, Engine):
        with Session(session_or_engine) as db:
            return _write_due(db, Path(export_dir), keep, lang, pace, base_url)
    return _write_due(session_or_engine, Path(export_dir), keep, lang, pace, base_url)

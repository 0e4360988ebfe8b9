"""Workbook downloads, for the organisers of the event only; each one is audited.

The summary first brings the tags up to date with the nightly job's incremental step, under
the same lock. When another run holds the lock, the download waits a few seconds and tries
again; if the lock stays taken, or the run fails, it builds from the tags already there and
says so: an ``X-Tags-Status`` header (``fresh``, ``busy`` or ``failed``), a message on the
next console page and a note in the audit entry.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask import Response, abort, current_app, flash, request, send_file
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from exports import build_summary
from exports.raw import build_raw
from pipeline.runner import PipelineFailed, PipelineLocked, run_pipeline
from survey_db.models import Event

from ..db import get_engine, get_session
from ..texts import gettext as _
from . import bp
from .access import event_or_404, organiser
from .audit import record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Tries at the pipeline lock, and the pause between them, before building from what is there.
LOCK_TRIES = 4
LOCK_PAUSE_SECONDS = 1.0


def refresh_tags(engine: Engine) -> str:
    """Run the incremental tagging step; ``fresh``, or ``busy``/``failed`` when it could not."""
    for attempt in range(LOCK_TRIES):
        try:
            run_pipeline(engine, trigger="download")
        except PipelineLocked:
            if attempt + 1 < LOCK_TRIES:
                time.sleep(LOCK_PAUSE_SECONDS)
            continue
        except PipelineFailed:
            current_app.logger.exception("the download's pipeline run failed")
            return "failed"
        return "fresh"
    return "busy"


def _audit(db: Session, event: Event, workbook: str, **detail: object) -> None:
    """Record the download in its own short write transaction."""
    db.commit()  # end the read transaction the workbook was built in
    record(db, "download", organiser=organiser(), event=event, workbook=workbook, **detail)
    db.commit()


def _send_built(build: Callable[[Path], Path], name: str) -> Response:
    """Build a workbook in a temporary folder and send it.

    The folder is removed before sending: the open file stays readable until the response
    closes it, and nothing is left on disk even when a client never closes the response.
    """
    folder = tempfile.mkdtemp(prefix="survey-download-")
    try:
        handle = build(Path(folder) / name).open("rb")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    response = send_file(handle, mimetype=XLSX, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/e/<slug>/summary.xlsx")
@login_required
def download_summary(slug: str) -> ResponseReturnValue:
    """Bring the tags up to date, then send the summary workbook (``?language=zh``: Chinese).

    Not ``?lang=``: that one also switches the console's own language for the session.
    """
    event = event_or_404(slug)
    lang = "zh" if request.args.get("language") == "zh" else "en"
    db = get_session()
    db.commit()  # the run writes on its own connections; read what it wrote afterwards
    tags = refresh_tags(get_engine())
    if tags == "busy":
        flash(_("The tagging job was busy, so the summary was built from the tags already there."))
    elif tags == "failed":
        flash(_("Tagging failed, so the summary was built from the tags already there."), "error")
    response = _send_built(
        lambda path: build_summary(
            db, event, path, lang=lang, visible_event_ids=organiser().visible_event_ids()
        ),
        f"{slug}-summary.xlsx",
    )
    response.headers["X-Tags-Status"] = tags
    _audit(db, event, "summary", lang=lang, tags=tags)
    return response


@bp.get("/e/<slug>/nightly.xlsx")
@login_required
def download_nightly(slug: str) -> ResponseReturnValue:
    """Send the latest workbook the nightly job wrote for this event."""
    event = event_or_404(slug)
    folder = Path(current_app.config["EXPORT_DIR"]) / event.slug
    found = sorted(folder.glob("summary-*.xlsx"))
    if not found:
        abort(
            404,
            description=_(
                "The nightly job has not written a workbook for this event yet. "
                "Download the summary instead: it is built on the spot."
            ),
        )
    latest = found[-1]
    response = send_file(
        latest, mimetype=XLSX, as_attachment=True, download_name=f"{slug}-{latest.name}"
    )
    response.headers["Cache-Control"] = "no-store"
    _audit(get_session(), event, "nightly", file=latest.name)
    return response


@bp.get("/e/<slug>/responses.xlsx")
@login_required
def download_raw(slug: str) -> ResponseReturnValue:
    """Send every response of this event, raw, as a workbook (tags as they stand)."""
    event = event_or_404(slug)
    db = get_session()
    response = _send_built(lambda path: build_raw(db, event, path), f"{slug}-responses.xlsx")
    _audit(db, event, "raw")
    return response

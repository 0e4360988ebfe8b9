"""Workbook downloads, for the organisers of the event only; each one is audited.

A download never runs the tagger: it builds from the tags as they stand, and the workbook
says how many answers are not tagged yet and when the last run for the event finished.
Tagging is the nightly job's, or *Tag now*'s, which starts that job in the background.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import Response, abort, current_app, request, send_file
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy.orm import Session

from exports import build_summary
from exports.raw import build_raw
from survey_db.models import Event

from ..db import get_session
from ..texts import gettext as _
from . import bp
from .access import event_or_404, organiser
from .audit import record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def audit_download(db: Session, event: Event, workbook: str, **detail: object) -> None:
    """Record the download in its own short write transaction."""
    db.commit()  # end the read transaction the workbook was built in
    record(db, "download", organiser=organiser(), event=event, workbook=workbook, **detail)
    db.commit()


def send_built(build: Callable[[Path], Path], name: str) -> Response:
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
    """Send the summary workbook, from the tags as they stand (``?language=zh``: Chinese;
    ``?demo=yes``: demo answers counted, and every sheet's title says so).

    Not ``?lang=``: that one also switches the console's own language for the session.
    """
    event = event_or_404(slug)
    lang = "zh" if request.args.get("language") == "zh" else "en"
    include_demo = request.args.get("demo") == "yes"
    db = get_session()
    response = send_built(
        lambda path: build_summary(
            db,
            event,
            path,
            lang=lang,
            visible_event_ids=organiser().visible_event_ids(),
            include_demo=include_demo,
            base_url=current_app.config.get("PUBLIC_BASE_URL", ""),
        ),
        f"{slug}-summary{'-with-demo' if include_demo else ''}.xlsx",
    )
    audit_download(db, event, "summary", lang=lang, demo=include_demo)
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
    audit_download(get_session(), event, "nightly", file=latest.name)
    return response


@bp.get("/e/<slug>/responses.xlsx")
@login_required
def download_raw(slug: str) -> ResponseReturnValue:
    """Send every response of this event, raw, as a workbook (tags as they stand)."""
    event = event_or_404(slug)
    db = get_session()
    response = send_built(lambda path: build_raw(db, event, path), f"{slug}-responses.xlsx")
    audit_download(db, event, "raw")
    return response

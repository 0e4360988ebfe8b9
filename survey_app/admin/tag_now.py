"""*Tag now*: an organiser starts the nightly job for one event, in the background.

The request starts the very command cron runs (``flask --app survey_app pipeline run --event
SLUG``) as a process of its own, in a new session, its output in the instance folder, and
returns at once: no request waits for tagging. The job's own lock keeps it to one run at a
time; the pages follow the run through its log row (``pipeline_runs``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pipeline.lock import PipelineLocked, pipeline_lock
from survey_db.models import Event, PipelineRun

from ..background import command_alive, start_command
from ..db import get_engine, get_session
from ..forms import AppForm
from ..texts import gettext as _
from . import bp
from .access import event_or_404, organiser
from .audit import record

#: Where the started job writes its output, and the id of the last process started.
LOG_NAME = "tag-now.log"
PID_NAME = "tag-now.pid"
#: Pages the button may send the organiser back to.
RETURN_TO = {"overview": ".event_overview", "levels": ".levels"}
#: Seconds between two looks of the page's script at a run's progress.
PROGRESS_EVERY = 5


class TagNowForm(AppForm):
    """The button: a CSRF token and nothing else."""


def latest_run(db: Session, event: Event) -> PipelineRun | None:
    """The last run that tagged this event: one for this event alone, or a nightly run."""
    return db.scalar(
        select(PipelineRun)
        .where(or_(PipelineRun.event_id == event.id, PipelineRun.event_id.is_(None)))
        .order_by(PipelineRun.started_at.desc(), PipelineRun.id.desc())
        .limit(1)
    )


def job_working(app: Flask) -> bool:
    """Whether a run of the job works now: it holds the lock, or was just started."""
    if command_alive(Path(app.instance_path, PID_NAME), b"pipeline", b"run"):
        return True
    try:
        with pipeline_lock(get_engine()):
            return False
    except PipelineLocked:
        return True


def start_job(app: Flask, slug: str) -> int:
    """Start ``pipeline run --event SLUG`` in the background; give its process id."""
    instance = Path(app.instance_path)
    arguments = ["pipeline", "run", "--event", slug, "--trigger", "console"]
    pid = start_command(app, arguments, instance / LOG_NAME)
    (instance / PID_NAME).write_text(str(pid), "ascii")
    return pid


@bp.post("/e/<slug>/tag-now")
@login_required
def tag_now(slug: str) -> ResponseReturnValue:
    """Start tagging this event's new and amended answers now; the page shows the progress."""
    event = event_or_404(slug)
    form = TagNowForm()
    back = url_for(RETURN_TO.get(request.form.get("return_to", ""), ".event_overview"), slug=slug)
    if not form.validate_on_submit():
        flash(_("The button had expired: please press it again."), "error")
        return redirect(back)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if job_working(app):
        flash(_("A tagging run is already working: its progress shows below."), "error")
        return redirect(back)
    pid = start_job(app, event.slug)
    db = get_session()
    record(db, "tag_now", organiser=organiser(), event=event, pid=pid)
    db.commit()
    flash(_("Tagging started. The figures change as it goes; its progress shows below."), "success")
    return redirect(back)


def run_context(event: Event) -> dict[str, object]:
    """What the run's part of an event's page shows: its last run, and the button."""
    return {
        "run": latest_run(get_session(), event),
        "tag_now_form": TagNowForm(),
        "progress_every": PROGRESS_EVERY,
    }


@bp.get("/e/<slug>/run-status")
@login_required
def run_status(slug: str) -> ResponseReturnValue:
    """Give the event's last run as HTML in JSON, for the page's script to follow it."""
    event = event_or_404(slug)
    html = render_template("admin/_run_status.html", event=event, **run_context(event))
    return jsonify(html=html)

"""The pipeline's run log, with a warning when the nightly job has stopped succeeding."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import func, select

from survey_db.models import PipelineRun, utcnow

from ..db import get_session
from . import bp
from .pagination import page_number, paginate

#: A nightly job that has not succeeded for this long needs someone to look at it.
STALE_AFTER = timedelta(hours=26)


@bp.route("/runs")
@login_required
def runs() -> ResponseReturnValue:
    """List the latest pipeline runs, newest first."""
    db = get_session()
    last_success = db.scalar(
        select(func.max(PipelineRun.finished_at)).where(PipelineRun.status == "succeeded")
    )
    page = paginate(
        db,
        select(PipelineRun).order_by(PipelineRun.started_at.desc(), PipelineRun.id.desc()),
        page_number(),
        count=False,
    )
    return render_template(
        "admin/runs.html",
        page=page,
        last_success=last_success,
        stale=last_success is None or utcnow() - last_success > STALE_AFTER,
    )

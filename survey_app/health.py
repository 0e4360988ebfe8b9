"""``/healthz`` for the load balancer: the database answers, and how old the last run is."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from survey_db.models import PipelineRun, utcnow

from .db import get_session
from .extensions import limiter

bp = Blueprint("health", __name__)

#: Built once, as the balancer asks often.
_LAST_SUCCESS = (
    select(PipelineRun.finished_at)
    .where(PipelineRun.status == "succeeded")
    .order_by(PipelineRun.finished_at.desc())
    .limit(1)
)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> ResponseReturnValue:
    """Report whether the database answers and the age of the last successful run."""
    session = get_session()
    try:
        last = session.scalar(_LAST_SUCCESS)
    except SQLAlchemyError:
        session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    age = None if last is None else round((utcnow() - last).total_seconds())
    return jsonify(status="ok", database="ok", last_pipeline_success_age_seconds=age)

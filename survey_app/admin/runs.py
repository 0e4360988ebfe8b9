"""The pipeline's run log, with a warning when the nightly job has stopped succeeding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from survey_db.models import PipelineRun, utcnow

from ..db import get_session
from . import bp

T = TypeVar("T")

#: Rows per page of the run log and the audit log.
PER_PAGE = 50
#: A nightly job that has not succeeded for this long needs someone to look at it.
STALE_AFTER = timedelta(hours=26)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows, and whether there are pages around it."""

    items: list[T]
    number: int
    has_previous: bool
    has_next: bool


def paginate(db: Session, query: Select[Any], number: int) -> Page[Any]:
    """Page ``number`` (from 1) of ``query``'s first column, ``PER_PAGE`` rows a page."""
    number = max(number, 1)
    rows = list(db.scalars(query.limit(PER_PAGE + 1).offset((number - 1) * PER_PAGE)))
    return Page(rows[:PER_PAGE], number, number > 1, len(rows) > PER_PAGE)


def page_number() -> int:
    """The ``page`` query parameter; anything odd means the first page."""
    return request.args.get("page", 1, type=int) or 1


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
    )
    return render_template(
        "admin/runs.html",
        page=page,
        last_success=last_success,
        stale=last_success is None or utcnow() - last_success > STALE_AFTER,
    )

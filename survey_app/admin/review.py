"""Reviewing the machine's tags: the queue, least certain first, and the review itself."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy.orm import Session

from survey_db.models import Organiser, Response, ResponseTag, utcnow

from ..db import get_session
from ..texts import gettext as _
from . import bp, queries
from .access import event_or_404, organiser
from .audit import record
from .responses import render_detail, response_or_404
from .review_forms import ReviewForm

#: The statuses an organiser may set; ``withdrawn`` belongs to the attendee alone.
SETTABLE_STATUSES = ("active", "spam", "test")


class ReviewRefused(ValueError):
    """The review cannot be applied to this response (e.g. it was withdrawn)."""


def tag_row(db: Session, response: Response) -> ResponseTag:
    """The response's tag row; created empty when the pipeline has not tagged it yet.

    The empty row carries ``tagged_version`` 0 and no tagger version, so the next run of the
    pipeline selects it and fills in the machine's suggestion beside the review.
    """
    if response.tag is None:
        response.tag = ResponseTag(
            tagged_version=0,
            tagger_version="",
            machine_levels=[],
            machine_scores={},
            machine_evidence={},
            machine_groups=[],
            machine_areas=[],
            fields={},
            certainty=0.0,
        )
        db.add(response.tag)
    return response.tag


def apply_review(
    db: Session, response: Response, reviewer: Organiser, form: ReviewForm
) -> tuple[str, dict[str, object]]:
    """Apply a validated review form; give the audit action and its details.

    ``confirm`` accepts the machine's tags, ``change`` sets them by hand, and ``spam``,
    ``test`` or ``active`` change the status so that the figures leave the response out
    (or count it again).
    """
    action = form.action.data
    if action in SETTABLE_STATUSES:
        if response.status == "withdrawn":
            raise ReviewRefused(_("The attendee withdrew this answer; its status stays."))
        before = response.status
        response.status = action
        response.status_changed_by_id = reviewer.id
        response.status_changed_at = utcnow()
        return "status_changed", {"response_id": response.id, "from": before, "to": action}
    tag = tag_row(db, response)
    if action == "confirm":
        if not tag.tagger_version:
            raise ReviewRefused(_("There are no machine tags to accept yet: set the tags by hand."))
        tag.confirm(reviewer.id)
    else:
        tag.change(reviewer.id, form.levels.data, form.groups.data, form.areas.data)
    return "review", {
        "response_id": response.id,
        "state": tag.review_state,
        "levels": tag.reviewed_levels,
        "groups": tag.reviewed_groups,
        "areas": tag.reviewed_areas,
    }


@bp.get("/e/<slug>/review")
@login_required
def review_queue(slug: str) -> ResponseReturnValue:
    """List unreviewed responses, the least certain first."""
    event = event_or_404(slug)
    number = request.args.get("page", 1, type=int)
    page = queries.paginate(get_session(), queries.review_queue(event), number)
    return render_template(
        "admin/review.html",
        event=event,
        active="admin.review_queue",
        page=page,
    )


@bp.post("/e/<slug>/responses/<int:response_id>/review")
@login_required
def review_response(slug: str, response_id: int) -> ResponseReturnValue:
    """Confirm or change a response's tags, or mark it as spam, test or active again."""
    event = event_or_404(slug)
    db = get_session()
    response = response_or_404(db, event, response_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return render_detail(event, response, form), 400
    try:
        action, detail = apply_review(db, response, organiser(), form)
    except ReviewRefused as refusal:
        db.rollback()
        flash(str(refusal), "error")
        return redirect(url_for(".response_detail", slug=slug, response_id=response_id))
    record(db, action, organiser=organiser(), event=event, **detail)
    db.commit()
    flash(_("Review of response %(id)d saved.", id=response_id), "success")
    if form.return_to.data == "queue":
        return redirect(url_for(".review_queue", slug=slug))
    return redirect(url_for(".response_detail", slug=slug, response_id=response_id))

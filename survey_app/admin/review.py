"""Reviewing the machine's tags: the queue, least certain first, and the review itself."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey_db.models import Event, Organiser, Response, ResponseTag, utcnow

from ..db import get_session
from ..texts import gettext as _
from . import bp, pagination, queries
from .access import event_or_404, organiser
from .audit import record
from .responses import came_from, render_detail, response_or_404
from .review_forms import BULK_MAX, BulkAcceptForm, ReviewForm

#: The statuses an organiser may set; ``withdrawn`` belongs to the attendee alone.
SETTABLE_STATUSES = ("active", "spam", "test")
#: Certainty below which the machine is "very unsure", and below which it is "unsure".
UNSURE = 0.25
FAIRLY_SURE = 0.6


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


def certainty_words(tag: ResponseTag | None) -> str:
    """How sure the machine is, in words an organiser can act on (the queue's order)."""
    if tag is None or not tag.tagger_version:
        return _("Not tagged yet: the machine has not read it.")
    if not tag.machine_levels:
        return _("No impact level found: it may speak of something the codebook does not know.")
    if tag.certainty < UNSURE:
        return _("Very unsure: a level's score sits right at the line where it is tagged.")
    if tag.certainty < FAIRLY_SURE:
        return _("Unsure: a level's score is close to the line where it is tagged.")
    if tag.certainty < 1:
        return _("Fairly sure: every level's score is some way from that line.")
    return _("Sure: every level's score is far from that line.")


def undoable(db: Session, event: Event, response_id: int | None) -> Response | None:
    """The response just marked as spam or test from the queue, offered for undoing."""
    if response_id is None:
        return None
    response = db.get(Response, response_id)
    if response is None or response.event_id != event.id or response.status not in ("spam", "test"):
        return None
    return response


@bp.get("/e/<slug>/review")
@login_required
def review_queue(slug: str) -> ResponseReturnValue:
    """List unreviewed answers with text, the least certain first."""
    event = event_or_404(slug)
    db = get_session()
    place = pagination.place()
    page = queries.review_queue_page(db, event, place.get("after"), place.get("before"))
    return render_template(
        "admin/review.html",
        event=event,
        active="admin.review_queue",
        page=page,
        place=place,
        bulk=BulkAcceptForm(),
        certainty_words=certainty_words,
        undo=undoable(db, event, request.args.get("undo", type=int)),
    )


def accept_many(db: Session, event: Event, reviewer: Organiser, ids: list[int]) -> list[int]:
    """Accept the machine's tags of the event's active, unreviewed ``ids``; give those accepted.

    Untagged, reviewed, withdrawn or foreign answers are left as they are: a bulk accept
    never decides for an answer the machine has not read.
    """
    responses = db.scalars(
        select(Response)
        .where(Response.id.in_(ids), Response.event_id == event.id, Response.counts)
        .options(selectinload(Response.tag))
        .order_by(Response.id)
    )
    accepted = []
    for response in responses:
        tag = response.tag
        if tag is None or not tag.tagger_version or tag.reviewed:
            continue
        tag.confirm(reviewer.id)
        record(
            db,
            "review",
            organiser=reviewer,
            event=event,
            response_id=response.id,
            state=tag.review_state,
            levels=tag.reviewed_levels,
            groups=tag.reviewed_groups,
            areas=tag.reviewed_areas,
        )
        accepted.append(response.id)
    return accepted


@bp.post("/e/<slug>/review/accept")
@login_required
def accept_selected(slug: str) -> ResponseReturnValue:
    """Accept the machine's tags of the answers ticked in the queue, all at once."""
    event = event_or_404(slug)
    form = BulkAcceptForm()
    place = pagination.place()
    if not form.validate_on_submit():
        flash(_("Tick at least one answer to accept, at most %(n)d.", n=BULK_MAX), "error")
        return redirect(url_for(".review_queue", slug=slug, **place))
    db = get_session()
    accepted = accept_many(db, event, organiser(), form.ids.data)
    db.commit()
    skipped = len(set(form.ids.data)) - len(accepted)
    flash(_("Accepted the machine's tags of %(n)d answers.", n=len(accepted)), "success")
    if skipped:
        flash(
            _(
                "%(n)d answers were left as they are (already reviewed or not tagged yet).",
                n=skipped,
            ),
            "error",
        )
    return redirect(url_for(".review_queue", slug=slug, **place, _anchor="queue"))


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
    # Where the answer's page was reached from (the filtered list, or the queue's place): the
    # page after the review keeps it.
    back = came_from()
    try:
        action, detail = apply_review(db, response, organiser(), form)
    except ReviewRefused as refusal:
        db.rollback()
        flash(str(refusal), "error")
        return redirect(url_for(".response_detail", slug=slug, response_id=response_id, **back))
    record(db, action, organiser=organiser(), event=event, **detail)
    db.commit()
    if form.return_to.data == "queue":
        place = pagination.place()
        if action == "status_changed" and response.status != "active":
            return redirect(
                url_for(".review_queue", slug=slug, undo=response_id, **place, _anchor="queue")
            )
        flash(_("Review of response %(id)d saved.", id=response_id), "success")
        return redirect(url_for(".review_queue", slug=slug, **place, _anchor="queue"))
    flash(_("Review of response %(id)d saved.", id=response_id), "success")
    return redirect(url_for(".response_detail", slug=slug, response_id=response_id, **back))

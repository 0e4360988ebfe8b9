"""Browsing an event's responses: filters and search over a paginated list, and one answer."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey_db.models import Event, Organiser, Response
from survey_db.models.vocabulary import FEEDBACK_TEXT_FIELDS, LANGUAGES, RATING_FIELDS

from ..db import get_session
from . import bp, queries
from .access import event_or_404
from .review_forms import ReviewForm


def response_or_404(db: Session, event: Event, response_id: int) -> Response:
    """A response of ``event``; 404 for an id of another event, like for an unknown one."""
    response = db.scalar(
        select(Response)
        .where(Response.id == response_id, Response.event_id == event.id)
        .options(selectinload(Response.versions), selectinload(Response.tag))
    )
    if response is None:
        abort(404)
    return response


def _people(db: Session, response: Response) -> dict[int, str]:
    """E-mail addresses of the organisers named on the response and its review, by id."""
    tag = response.tag
    ids = {
        response.entered_by_id,
        response.status_changed_by_id,
        tag.reviewed_by_id if tag is not None else None,
    } - {None}
    if not ids:
        return {}
    rows = db.execute(select(Organiser.id, Organiser.email).where(Organiser.id.in_(ids)))
    return {ident: email for ident, email in rows}


def review_form_for(response: Response) -> ReviewForm:
    """A review form showing the tags that count now (the machine's until reviewed)."""
    tag = response.tag
    return ReviewForm(
        formdata=None,
        levels=tag.levels if tag is not None else [],
        groups=tag.groups if tag is not None else list(response.groups or []),
        areas=tag.areas if tag is not None else list(response.areas or []),
    )


def render_detail(event: Event, response: Response, form: ReviewForm | None = None) -> str:
    """The page of one response, with ``form`` (or a fresh review form) at its end."""
    db = get_session()
    return render_template(
        "admin/response_detail.html",
        event=event,
        active="admin.responses",
        response=response,
        tag=response.tag,
        people=_people(db, response),
        form=form or review_form_for(response),
        text_fields=FEEDBACK_TEXT_FIELDS if response.kind == "feedback" else ("text",),
        rating_fields=RATING_FIELDS,
    )


@bp.get("/e/<slug>/responses")
@login_required
def responses(slug: str) -> ResponseReturnValue:
    """List the event's responses, filtered and searched, 50 to a page."""
    event = event_or_404(slug)
    filters = queries.Filters.from_args(request.args)
    number = request.args.get("page", 1, type=int)
    page = queries.paginate(get_session(), queries.filtered(event, filters), number)
    return render_template(
        "admin/responses.html",
        event=event,
        active="admin.responses",
        filters=filters,
        page=page,
        languages=LANGUAGES,
    )


@bp.get("/e/<slug>/responses/<int:response_id>")
@login_required
def response_detail(slug: str, response_id: int) -> ResponseReturnValue:
    """Show one response in full: texts, ratings, versions, tags with evidence, review."""
    event = event_or_404(slug)
    return render_detail(event, response_or_404(get_session(), event, response_id))

"""Keying in paper forms: the attendee's questions, stored with channel ``paper``.

Paper collected in the room is often keyed in after collection closed, so these forms work
whatever the event's status. Each form carries a one-time key: a double post stores once.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from survey_db.models import Event

from ..attendee import operations
from ..db import get_session
from ..i18n import current_language
from ..texts import gettext as _
from . import bp
from .access import event_or_404, organiser
from .audit import record
from .review_forms import PaperFeedbackForm, PaperInputForm


def _prepare(form: PaperFeedbackForm | PaperInputForm) -> str:
    """The form's one-time key (a new one for a fresh form); the language defaults to ours."""
    if not form.submission_key.data:
        form.submission_key.data = operations.new_submission_key()
    if request.method == "GET":
        form.language.data = current_language()
    return form.submission_key.data


def store_paper(db: Session, event: Event, key: str, values: dict[str, Any]) -> None:
    """Store a keyed-in form once, audited, and say so; the caller commits."""
    values = {**values, "entered_by_id": organiser().id}
    stored = operations.store_response(db, current_app.config["SECRET_KEY"], key, values)
    if stored.created:
        record(
            db,
            "paper_entry",
            organiser=organiser(),
            event=event,
            response_id=stored.response_id,
            kind=values["kind"],
        )
        flash(_("Paper form saved as response %(id)d.", id=stored.response_id), "success")
    else:
        flash(
            _("This form was already saved as response %(id)d.", id=stored.response_id), "success"
        )


def _page(event: Event, form: PaperFeedbackForm | PaperInputForm, kind: str) -> ResponseReturnValue:
    """The paper form of ``kind``; after a post, with the answers and what to correct."""
    html = render_template(
        "admin/paper.html", event=event, active="admin.paper_feedback", form=form, kind=kind
    )
    return html, 400 if request.method == "POST" else 200


@bp.route("/e/<slug>/paper/feedback", methods=["GET", "POST"])
@login_required
def paper_feedback(slug: str) -> ResponseReturnValue:
    """Key in one paper feedback form: choose the session, then the attendee's answers."""
    event = event_or_404(slug)
    items = event.feedback_sessions()
    form = PaperFeedbackForm()
    form.session.choices = [
        SelectChoice(item.code, item.title(current_language())) for item in items
    ]
    if request.method == "GET" and request.args.get("session") in {item.code for item in items}:
        form.session.data = request.args["session"]
    key = _prepare(form)
    if not form.validate_on_submit():
        return _page(event, form, "feedback")
    item = next(item for item in items if item.code == form.session.data)
    answers = operations.clean_answers(form.data, operations.FEEDBACK_FIELDS)
    values = operations.response_values(item, answers, form.language.data, "paper")
    db = get_session()
    store_paper(db, event, key, values)
    db.commit()
    return redirect(url_for(".paper_feedback", slug=slug, session=item.code))


@bp.route("/e/<slug>/paper/input", methods=["GET", "POST"])
@login_required
def paper_input(slug: str) -> ResponseReturnValue:
    """Key in one paper policy input."""
    event = event_or_404(slug)
    form = PaperInputForm()
    form.theme.choices = [
        SelectChoice(theme.code, theme.title(current_language())) for theme in event.themes
    ]
    key = _prepare(form)
    if not form.validate_on_submit():
        return _page(event, form, "input")
    theme = next(theme for theme in event.themes if theme.code == form.theme.data)
    answers = operations.clean_answers(form.data, operations.INPUT_FIELDS)
    values = operations.response_values(theme, answers, form.language.data, "paper")
    db = get_session()
    store_paper(db, event, key, values)
    db.commit()
    return redirect(url_for(".paper_input", slug=slug))

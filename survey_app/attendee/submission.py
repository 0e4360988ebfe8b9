"""Posting an attendee form: the one-time key, one write at the boundary, what to say if not.

Every form view (session feedback, the grid, policy inputs, amending) posts through
:func:`submit`, which gives an :class:`Outcome`; a fresh visit's page comes from
:func:`blank_form`, rendered once and then given each visit's tokens (see :mod:`.kept_pages`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from survey_db.models import Event

from ..db import begin_write, get_session
from ..texts import gettext as _
from . import operations
from .forms import SubmissionForm
from .kept_pages import kept_page


class Refused(Exception):
    """A check beyond the form's own fields failed; the message goes above the form."""


@dataclass(frozen=True)
class Outcome:
    """What a post came to: ``token`` when stored, else the ``message`` above the form."""

    token: str | None
    message: str | None = None
    status: int = 302


def submission_key(form: SubmissionForm) -> str:
    """The form's one-time key: a new one for a fresh form, or a post that lost or mangled it."""
    if not operations.is_submission_key(form.submission_key.data):
        form.submission_key.data = operations.new_submission_key()
    return form.submission_key.data


def secret() -> str:
    """The key the private links' tokens are derived with."""
    return current_app.config["SECRET_KEY"]


def submit(event: Event, form: SubmissionForm, store: Callable[[Session], str]) -> Outcome:
    """Validate and store once under the write lock; ``store`` gives the private link's token.

    When nothing was stored the form is shown again with everything the attendee wrote, and
    the outcome's message says why. ``store`` may raise :class:`Refused`.
    """
    if not event.is_open:
        return Outcome(
            None, _("Collection for this event is closed, so your answer could not be saved."), 403
        )
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            expired = _(
                "Your session had expired, so nothing was saved yet. Your answers are still "
                "below: please send the form again."
            )
            return Outcome(None, expired, 400)
        return Outcome(None, _("Please check the answers marked below."), 400)
    db = get_session()
    try:
        begin_write(db)
        token = store(db)
        db.commit()
    except Refused as refusal:
        db.rollback()
        return Outcome(None, str(refusal), 400)
    except OperationalError:
        db.rollback()
        current_app.logger.exception("could not store a response")
        busy = _(
            "We could not save your answer just now. Nothing is lost: your text is still in "
            "the form below. Please send it again in a moment."
        )
        return Outcome(None, busy, 503)
    return Outcome(token)


def blank_form(
    event: Event,
    variant: Hashable,
    make_form: Callable[[], SubmissionForm],
    render: Callable[[SubmissionForm], str],
) -> ResponseReturnValue:
    """A fresh visit's form page, or the 'collection closed' page of a closed event.

    ``variant`` names whatever else the blank page depends on (the session, a chosen theme).
    """
    if not event.is_open:
        return render_template("attendee/closed.html", event=event), 403
    # Flask-WTF keeps one token per request: the form rendered below shows this one.
    csrf_token, key = generate_csrf(), operations.new_submission_key()

    def render_blank() -> str:
        form = make_form()
        form.submission_key.data = key
        return render(form)

    return kept_page(event, (request.path, variant), (csrf_token, key), render_blank), 200

"""Attendee views: load, check the event is open, validate, call an operation, commit."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from survey_db.models import AgendaSession, Event, Response, Theme

from ..db import begin_write, get_session, reads_first
from ..extensions import csrf, limiter
from ..i18n import current_language
from ..qr import public_url
from ..texts import gettext as _
from . import bp, operations
from .forms import (
    PolicyInputForm,
    SessionFeedbackForm,
    SubmissionForm,
    WithdrawForm,
    grid_field,
    grid_form_class,
)
from .kept_pages import kept_pages
from .published import published_events

# The forms check their own CSRF token, so a stale token returns the form with the
# attendee's text and a message instead of a bare error page.
csrf.exempt(bp)


def _submit_limit() -> str:
    return current_app.config["RATELIMIT_SUBMIT"]


#: Floods of posts from one address are refused (429); reading pages is not limited.
submit_limit = limiter.limit(_submit_limit, methods=["POST"])


def _event_or_404(slug: str) -> Event:
    """The event of a public page, with its agenda and themes (see :mod:`.published`)."""
    event = published_events().get(get_session(), slug)
    if event is None:
        abort(404, description=_("There is no event at this address."))
    return event


def _topic(
    event: Event, session_id: int | None, theme_id: int | None
) -> AgendaSession | Theme | None:
    """The session or theme an answer is on, from the event's agenda (no query)."""
    if session_id is not None:
        return next((item for item in event.sessions if item.id == session_id), None)
    return next((theme for theme in event.themes if theme.id == theme_id), None)


def _feedback_session_or_404(event: Event, code: str) -> AgendaSession:
    for item in event.sessions:
        if item.code == code and item.takes_feedback:
            return item
    abort(404, description=_("This event has no session that takes feedback at this address."))


def _theme_choices(event: Event) -> list[SelectChoice]:
    lang = current_language()
    return [SelectChoice(theme.code, theme.title(lang)) for theme in event.themes]


def _theme_codes(event: Event) -> set[str]:
    return {theme.code for theme in event.themes}


def _theme(event: Event, code: str) -> Theme:
    return next(theme for theme in event.themes if theme.code == code)


def _ensure_key(form: SubmissionForm) -> str:
    """The form's one-time key: a new one for a fresh form or a post that lost it."""
    if not form.submission_key.data:
        form.submission_key.data = operations.new_submission_key()
    return form.submission_key.data


class _Refused(Exception):
    """A check beyond the form's own fields failed; the message goes above the form."""


def _submit(
    event: Event, form: SubmissionForm, store: Callable[[Session], str]
) -> tuple[str | None, str | None, int]:
    """Validate and store once; gives ``(token, message, status)``.

    ``token`` is set when the answer was stored; otherwise the form is shown again with
    everything the attendee wrote, and ``message`` says why.
    """
    if not event.is_open:
        return (
            None,
            _("Collection for this event is closed, so your answer could not be saved."),
            403,
        )
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            return (
                None,
                _(
                    "Your session had expired, so nothing was saved yet. Your answers are still "
                    "below: please send the form again."
                ),
                400,
            )
        return None, _("Please check the answers marked below."), 400
    db = get_session()
    try:
        begin_write(db)
        token = store(db)
        db.commit()
    except _Refused as refusal:
        db.rollback()
        return None, str(refusal), 400
    except OperationalError:
        db.rollback()
        current_app.logger.exception("could not store a response")
        return (
            None,
            _(
                "We could not save your answer just now. Nothing is lost: your text is still in "
                "the form below. Please send it again in a moment."
            ),
            503,
        )
    return token, None, 302


def _blank_form(
    event: Event,
    variant: Hashable,
    make_form: Callable[[], SubmissionForm],
    render: Callable[[SubmissionForm], str],
) -> ResponseReturnValue:
    """A fresh visit's form page: rendered once per event version, then given new tokens.

    ``variant`` names whatever else the blank page depends on (a preselected theme).
    """
    key = (request.endpoint, request.path, variant, current_language(), event.id, event.updated_at)
    csrf_token, submission_key = generate_csrf(), operations.new_submission_key()

    def render_blank() -> str:
        form = make_form()
        form.csrf_token.current_token = csrf_token
        form.submission_key.data = submission_key
        return render(form)

    return kept_pages().page(key, (csrf_token, submission_key), render_blank), 200


def _closed_page(event: Event) -> ResponseReturnValue | None:
    """The 'collection closed' page for a fresh visit to a closed event's form."""
    if request.method != "POST" and not event.is_open:
        return render_template("attendee/closed.html", event=event), 403
    return None


@bp.get("/")
def index() -> ResponseReturnValue:
    """List the events that collect answers."""
    events = get_session().scalars(
        select(Event).where(Event.status != "draft").order_by(Event.date.desc())
    )
    return render_template("attendee/index.html", events=list(events))


@bp.get("/e/<slug>/")
def agenda(slug: str) -> ResponseReturnValue:
    """Show the agenda with a feedback link on each session that takes feedback."""
    return render_template("attendee/agenda.html", event=_event_or_404(slug))


@bp.route("/e/<slug>/sessions/<code>/feedback", methods=["GET", "POST"])
@submit_limit
@reads_first
def session_feedback(slug: str, code: str) -> ResponseReturnValue:
    """Give feedback on one session (the link a QR code on its slides carries)."""
    event = _event_or_404(slug)
    item = _feedback_session_or_404(event, code)
    if (closed := _closed_page(event)) is not None:
        return closed

    def page(form: SubmissionForm, message: str | None = None) -> str:
        return render_template(
            "attendee/session_feedback.html", event=event, item=item, form=form, message=message
        )

    if request.method != "POST":
        return _blank_form(event, None, SessionFeedbackForm, page)
    form = SessionFeedbackForm()
    key = _ensure_key(form)

    def store(db: Session) -> str:
        answers = operations.clean_answers(form.data, operations.FEEDBACK_FIELDS)
        values = operations.response_values(item, answers, current_language(), "web")
        return operations.store_response(db, _secret(), key, values).token

    token, message, status = _submit(event, form, store)
    if token is not None:
        return redirect(url_for(".thanks", slug=slug, token=token))
    return page(form, message), status


@bp.route("/e/<slug>/feedback", methods=["GET", "POST"])
@submit_limit
@reads_first
def feedback_grid(slug: str) -> ResponseReturnValue:
    """Rate every session attended on one page; stored as one feedback per session."""
    event = _event_or_404(slug)
    if (closed := _closed_page(event)) is not None:
        return closed
    items = event.feedback_sessions()
    form_class = grid_form_class([item.code for item in items])

    def page(form: SubmissionForm, message: str | None = None) -> str:
        return render_template(
            "attendee/grid.html",
            event=event,
            items=items,
            form=form,
            grid_field=grid_field,
            message=message,
        )

    if request.method != "POST":
        return _blank_form(event, None, form_class, page)
    form = form_class()
    key = _ensure_key(form)

    def store(db: Session) -> str:
        rated = [item for item in items if form[grid_field(item.code, "overall")].data]
        if not rated:
            raise _Refused(_("Please rate at least one session."))
        common = operations.clean_answers(form.data, ("attendance", *operations.RESPONDENT_FIELDS))
        tokens = []
        for item in rated:
            answers = {
                **common,
                "overall": form[grid_field(item.code, "overall")].data,
                "most_useful": form[grid_field(item.code, "most_useful")].data or None,
            }
            values = operations.response_values(item, answers, current_language(), "web")
            stored = operations.store_response(db, _secret(), f"{key}:{item.code}", values)
            tokens.append(stored.token)
        return tokens[0]

    token, message, status = _submit(event, form, store)
    if token is not None:
        return redirect(url_for(".thanks", slug=slug, token=token))
    return page(form, message), status


@bp.route("/e/<slug>/inputs", methods=["GET", "POST"])
@submit_limit
@reads_first
def policy_inputs(slug: str) -> ResponseReturnValue:
    """Send a policy input on one of the event's themes."""
    event = _event_or_404(slug)
    if (closed := _closed_page(event)) is not None:
        return closed

    def make_form() -> PolicyInputForm:
        form = PolicyInputForm()
        form.theme.choices = _theme_choices(event)
        return form

    def page(form: SubmissionForm, message: str | None = None) -> str:
        return render_template("attendee/inputs.html", event=event, form=form, message=message)

    if request.method != "POST":
        chosen = request.args.get("theme")
        chosen = chosen if chosen in _theme_codes(event) else None

        def blank() -> PolicyInputForm:
            form = make_form()
            if chosen is not None:
                form.theme.data = chosen
            return form

        return _blank_form(event, chosen, blank, page)
    form = make_form()
    key = _ensure_key(form)

    def store(db: Session) -> str:
        answers = operations.clean_answers(form.data, operations.INPUT_FIELDS)
        theme = _theme(event, form.theme.data)
        values = operations.response_values(theme, answers, current_language(), "web")
        return operations.store_response(db, _secret(), key, values).token

    token, message, status = _submit(event, form, store)
    if token is not None:
        return redirect(url_for(".thanks", slug=slug, token=token))
    return page(form, message), status


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _response_or_404(event: Event, token: str) -> Response:
    response = operations.find_by_token(get_session(), event, token)
    if response is None:
        abort(
            404, description=_("This private link is not valid. Please check it was copied whole.")
        )
    return response


@bp.get("/e/<slug>/r/<token>/thanks")
def thanks(slug: str, token: str) -> ResponseReturnValue:
    """Thank the attendee and give the private link(s) to amend or withdraw.

    Rendered once per event version, language and answered topics, then given each
    visit's tokens (see :mod:`.kept_pages`).
    """
    event = _event_or_404(slug)
    response = _response_or_404(event, token)
    answered = [
        (item.session_id, item.theme_id, operations.edit_token(_secret(), key))
        for item in operations.siblings(get_session(), response)
        if (key := item.submission_key)
    ]
    topics = tuple((session_id, theme_id) for session_id, theme_id, _token in answered)
    # The links are absolute: on the public base URL if set, else on the host asked.
    site = (request.scheme, request.host, request.script_root)
    key = ("thanks", site, slug, current_language(), event.id, event.updated_at, topics)

    def render() -> str:
        links = [
            (_topic(event, session_id, theme_id), public_url(".amend", slug=slug, token=link))
            for session_id, theme_id, link in answered
        ]
        return render_template("attendee/thanks.html", event=event, links=links)

    values = (token, *(link for _session_id, _theme_id, link in answered))
    return kept_pages().page(key, values, render)


@bp.route("/e/<slug>/r/<token>", methods=["GET", "POST"])
@submit_limit
@reads_first
def amend(slug: str, token: str) -> ResponseReturnValue:
    """Read, amend or withdraw one's own answer while the event is open."""
    event = _event_or_404(slug)
    response = _response_or_404(event, token)
    if response.kind == "feedback":
        form: SessionFeedbackForm | PolicyInputForm = SessionFeedbackForm(obj=response)
        fields = operations.FEEDBACK_FIELDS
    else:
        form = PolicyInputForm(obj=response)
        form.theme.choices = _theme_choices(event)
        if request.method == "GET":
            form.theme.data = response.theme_code
        fields = operations.INPUT_FIELDS
    saved = False
    message = None
    status = 200
    if response.status != "active":
        message = _("This answer was withdrawn.") if response.status == "withdrawn" else None
    elif request.method == "POST":

        def store(db: Session) -> str:
            db.refresh(response)  # as it stands under the write lock: the version is right
            answers = operations.clean_answers(form.data, fields)
            if response.kind == "input":
                answers["theme_id"] = _theme(event, form.theme.data).id
            answers["language"] = current_language()
            operations.amend(response, answers)
            return token

        stored, message, status = _submit(event, form, store)
        saved = stored is not None
        status = 200 if saved else status
    html = render_template(
        "attendee/amend.html",
        event=event,
        response=response,
        topic=_topic(event, response.session_id, response.theme_id),
        form=form,
        withdraw_form=WithdrawForm(),
        saved=saved,
        message=message,
    )
    return html, status


@bp.post("/e/<slug>/r/<token>/withdraw")
@submit_limit
@reads_first
def withdraw(slug: str, token: str) -> ResponseReturnValue:
    """Withdraw one's answer; it is kept as a version but no longer counted."""
    event = _event_or_404(slug)
    response = _response_or_404(event, token)
    if not WithdrawForm().validate_on_submit():
        abort(400)
    db = get_session()
    begin_write(db)
    db.refresh(response)
    if event.is_open and response.status == "active":
        response.withdraw()
    db.commit()
    return redirect(url_for(".amend", slug=slug, token=token))

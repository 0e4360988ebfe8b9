"""Attendee views: load, check the event is open, validate, call an operation, commit."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
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
from .kept_pages import kept_page
from .published import event_or_404
from .submission import Outcome, Refused, blank_form, secret, submission_key, submit

# The forms check their own CSRF token, so a stale token returns the form with the
# attendee's text and a message instead of a bare error page.
csrf.exempt(bp)


def _submit_limit() -> str:
    return current_app.config["RATELIMIT_SUBMIT"]


#: Floods of posts from one address are refused (429); reading pages is not limited.
submit_limit = limiter.limit(_submit_limit, methods=["POST"])


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


@bp.route("/e/<slug>/sessions/<code>/feedback", methods=["GET", "POST"])
@submit_limit
@reads_first
def session_feedback(slug: str, code: str) -> ResponseReturnValue:
    """Give feedback on one session (the link a QR code on its slides carries)."""
    event = event_or_404(slug)
    item = _feedback_session_or_404(event, code)

    def page(form: SubmissionForm, message: str | None = None) -> str:
        return render_template(
            "attendee/session_feedback.html", event=event, item=item, form=form, message=message
        )

    if request.method != "POST":
        return blank_form(event, None, SessionFeedbackForm, page)
    form = SessionFeedbackForm()
    key = submission_key(form)
    outcome = submit(event, form, lambda db: _store_feedback(db, item, form, key))
    if outcome.token is not None:
        return redirect(url_for(".thanks", slug=slug, token=outcome.token))
    return page(form, outcome.message), outcome.status


def _store_feedback(db: Session, item: AgendaSession, form: SubmissionForm, key: str) -> str:
    """Store one session's feedback; gives the private link's token."""
    answers = operations.clean_answers(form.data, operations.FEEDBACK_FIELDS)
    values = operations.response_values(item, answers, current_language(), "web")
    return operations.store_response(db, secret(), key, values).token


@bp.route("/e/<slug>/feedback", methods=["GET", "POST"])
@submit_limit
@reads_first
def feedback_grid(slug: str) -> ResponseReturnValue:
    """Rate every session attended on one page; stored as one feedback per session."""
    event = event_or_404(slug)
    items = event.feedback_sessions()
    rows = _grid_rows(items)
    parallel = {row[0]: [item.code for item in row[1]] for row in rows if row[0]}
    form_class = grid_form_class([item.code for item in items], parallel)

    def page(form: SubmissionForm, message: str | None = None) -> str:
        return render_template(
            "attendee/grid.html",
            event=event,
            rows=rows,
            form=form,
            grid_field=grid_field,
            message=message,
        )

    if request.method != "POST":
        return blank_form(event, None, form_class, page)
    form = form_class()
    key = submission_key(form)
    outcome = submit(event, form, lambda db: _store_grid(db, items, form, key))
    if outcome.token is not None:
        return redirect(url_for(".thanks", slug=slug, token=outcome.token))
    return page(form, outcome.message), outcome.status


def _grid_rows(items: list[AgendaSession]) -> list[tuple[str | None, list[AgendaSession]]]:
    """The grid's rows: a session on its own (part None), or a part's parallel sessions."""
    rows: list[tuple[str | None, list[AgendaSession]]] = []
    for item in items:
        part = item.part if item.kind == "parallel" and item.part else None
        if part is not None and rows and rows[-1][0] == part:
            rows[-1][1].append(item)
        else:
            rows.append((part, [item]))
    return rows


def _store_grid(db: Session, items: list[AgendaSession], form: SubmissionForm, key: str) -> str:
    """Store one feedback per rated session; gives the first one's token."""
    rated = [item for item in items if form[grid_field(item.code, "overall")].data]
    if not rated:
        raise Refused(_("Please rate at least one session."))
    common = operations.clean_answers(form.data, ("attendance", *operations.RESPONDENT_FIELDS))
    tokens = []
    for item in rated:
        answers = {
            **common,
            "overall": form[grid_field(item.code, "overall")].data,
            "most_useful": form[grid_field(item.code, "most_useful")].data or None,
        }
        values = operations.response_values(item, answers, current_language(), "web")
        tokens.append(operations.store_response(db, secret(), f"{key}:{item.code}", values).token)
    return tokens[0]


@bp.route("/e/<slug>/inputs", methods=["GET", "POST"])
@submit_limit
@reads_first
def policy_inputs(slug: str) -> ResponseReturnValue:
    """Send a policy input on one of the event's themes."""
    event = event_or_404(slug)

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
            form.theme.data = chosen
            return form

        return blank_form(event, chosen, blank, page)
    form = make_form()
    key = submission_key(form)
    outcome = submit(event, form, lambda db: _store_input(db, event, form, key))
    if outcome.token is not None:
        return redirect(url_for(".thanks", slug=slug, token=outcome.token))
    return page(form, outcome.message), outcome.status


def _store_input(db: Session, event: Event, form: PolicyInputForm, key: str) -> str:
    """Store one policy input on the chosen theme; gives the private link's token."""
    answers = operations.clean_answers(form.data, operations.INPUT_FIELDS)
    theme = _theme(event, form.theme.data)
    values = operations.response_values(theme, answers, current_language(), "web")
    return operations.store_response(db, secret(), key, values).token


def _response_or_404(event: Event, token: str) -> Response:
    response = operations.find_by_token(get_session(), event, token)
    if response is None:
        abort(
            404, description=_("This private link is not valid. Please check it was copied whole.")
        )
    return response


@bp.get("/e/<slug>/r/<token>/thanks")
def thanks(slug: str, token: str) -> ResponseReturnValue:
    """Thank the attendee and give the private link(s) to amend or withdraw."""
    event = event_or_404(slug)
    response = _response_or_404(event, token)
    answered = [
        (item.session_id, item.theme_id, operations.edit_token(secret(), key))
        for item in operations.siblings(get_session(), response)
        if (key := item.submission_key)
    ]

    def render() -> str:
        # The links are absolute: on the public base URL if set, else on the host asked.
        links = [
            (_topic(event, session_id, theme_id), public_url(".amend", slug=slug, token=link))
            for session_id, theme_id, link in answered
        ]
        after = _next_session(event, [session_id for session_id, _t, _l in answered])
        return render_template("attendee/thanks.html", event=event, links=links, after=after)

    topics = tuple((session_id, theme_id) for session_id, theme_id, _token in answered)
    values = (token, *(link for _session_id, _theme_id, link in answered))
    return kept_page(event, topics, values, render)


def _next_session(event: Event, answered: list[int | None]) -> AgendaSession | None:
    """The session that takes feedback after the last one answered, for "rate the next"."""
    items = event.feedback_sessions()
    places = [place for place, item in enumerate(items) if item.id in answered]
    if not places:
        return None
    return next((item for item in items[places[-1] + 1 :] if item.id not in answered), None)


@bp.route("/e/<slug>/r/<token>", methods=["GET", "POST"])
@submit_limit
@reads_first
def amend(slug: str, token: str) -> ResponseReturnValue:
    """Read, amend or withdraw one's own answer while the event is open."""
    event = event_or_404(slug)
    response = _response_or_404(event, token)
    form = _answer_form(event, response)
    if request.method != "POST" or response.status != "active":
        return _amend_page(event, response, form, None)
    outcome = submit(event, form, lambda db: _store_amendment(db, event, response, form, token))
    return _amend_page(event, response, form, outcome)


def _answer_form(event: Event, response: Response) -> SessionFeedbackForm | PolicyInputForm:
    """The form of the answer's kind, filled from the post or else from the answer."""
    if response.kind == "feedback":
        return SessionFeedbackForm(obj=response)
    form = PolicyInputForm(obj=response)
    form.theme.choices = _theme_choices(event)
    if request.method != "POST":
        form.theme.data = response.theme_code
    return form


def _store_amendment(
    db: Session,
    event: Event,
    response: Response,
    form: SessionFeedbackForm | PolicyInputForm,
    token: str,
) -> str:
    """Apply the changed answers, keeping the previous version; gives the same token."""
    db.refresh(response)  # as it stands under the write lock: the version is right
    if response.status != "active":  # withdrawn by a post sent at the same moment
        raise Refused(_("This answer was withdrawn, so the change was not saved."))
    if response.kind == "feedback":
        answers = operations.clean_answers(form.data, operations.FEEDBACK_FIELDS)
    else:
        answers = operations.clean_answers(form.data, operations.INPUT_FIELDS)
        answers["theme_id"] = _theme(event, form.theme.data).id
    answers["language"] = current_language()
    operations.amend(response, answers)
    return token


def _amend_page(
    event: Event,
    response: Response,
    form: SessionFeedbackForm | PolicyInputForm,
    outcome: Outcome | None,
) -> ResponseReturnValue:
    """The answer with its form; after a post, saved or with what to correct."""
    saved = outcome is not None and outcome.token is not None
    message = outcome.message if outcome is not None else None
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
    return html, 200 if outcome is None or saved else outcome.status


@bp.post("/e/<slug>/r/<token>/withdraw")
@submit_limit
@reads_first
def withdraw(slug: str, token: str) -> ResponseReturnValue:
    """Withdraw one's answer once confirmed; it is kept as a version but no longer counted."""
    event = event_or_404(slug)
    response = _response_or_404(event, token)
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    if not form.confirm.data:
        html = render_template(
            "attendee/withdraw.html",
            event=event,
            topic=_topic(event, response.session_id, response.theme_id),
            form=form,
        )
        return html
    _change_status(event, response, "active", Response.withdraw)
    return redirect(url_for(".amend", slug=slug, token=token))


@bp.post("/e/<slug>/r/<token>/restore")
@submit_limit
@reads_first
def restore(slug: str, token: str) -> ResponseReturnValue:
    """Undo one's withdrawal from the same private link while the event is open."""
    event = event_or_404(slug)
    response = _response_or_404(event, token)
    if not WithdrawForm().validate_on_submit():
        abort(400)
    _change_status(event, response, "withdrawn", operations.restore)
    return redirect(url_for(".amend", slug=slug, token=token))


def _change_status(
    event: Event, response: Response, expected: str, change: Callable[[Response], None]
) -> None:
    """Apply ``change`` under the write lock if the answer is still ``expected`` (a double
    click changes it once) and the event open."""
    db = get_session()
    begin_write(db)
    db.refresh(response)
    if event.is_open and response.status == expected:
        change(response)
    db.commit()

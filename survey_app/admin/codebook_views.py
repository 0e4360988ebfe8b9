"""The codebook overlay in the console (admins): suggestions, a preview, add and remove.

Suggestions build trial taggers and a preview tags every answer holding the term with the
overlay and without it (seconds each, more for Chinese, whose tagger loads its word list
anew): the pages start them in the background (``flask codebook suggest|preview ... --store
FILE``), keyed by what they depend on, and show them once written (console.js swaps them in).
A job that ended without writing its result is not started again by the page: it says so, and
offers *Try again*.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired

from pipeline import Addition
from survey_db.models import CodebookAddition, Event
from survey_db.models.overlay import KINDS, SOURCES, active_additions, overlay_revision
from survey_db.models.vocabulary import LANGUAGES, LEVELS

from .. import labels
from ..background import Failure, Job
from ..db import get_session
from ..forms import AppForm
from ..prepared import remove_stale
from ..texts import gettext as _
from ..texts import lazy_gettext as _l
from . import bp
from .access import admin_required, organiser
from .overlay import (
    MAX_TERM,
    OverlayRefused,
    Preview,
    add_term,
    parse_addition,
    preview_file,
    remove_term,
    result_file,
    stored_preview,
    stored_suggestions,
    suggestions_asked,
)
from .review_forms import LANGUAGE_NAMES

#: Suggestions shown on the page (all are ranked; the best come first).
SHOWN = 100
#: The export folder's subfolder where previews and suggestions worked out in the background
#: are kept.
PREVIEWS = "codebook-previews"
#: Seconds between two looks of the page's script for a result being worked out.
PREVIEW_EVERY = 5
#: What a term does, as the forms offer it.
KIND_CHOICES = labels.choices(
    {
        "indicator": _l("Indicator: the words are a sign of the level"),
        "shield": _l("Shield: the level's indicator inside these words is no sign of it"),
    }
)


class TermForm(AppForm):
    """A term to preview: typed by an admin, or carried over from a suggestion."""

    class Meta:
        csrf = False  # a GET form that changes nothing: the preview

    level = SelectField(_l("Impact level"), choices=labels.choices(labels.LEVELS))
    language = SelectField(_l("Language"), choices=list(LANGUAGE_NAMES))
    term = StringField(_l("Term"), validators=[InputRequired(_l("Please type a term."))])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, default="indicator")
    weak = BooleanField(_l("Weak (not enough alone)"))
    event = HiddenField()
    source = HiddenField(default="typed", validators=[AnyOf(SOURCES)])


class AddForm(AppForm):
    """Confirm a previewed term."""

    level = HiddenField(validators=[AnyOf(LEVELS)])
    language = HiddenField(validators=[AnyOf(LANGUAGES)])
    term = HiddenField(validators=[InputRequired()])
    kind = HiddenField(default="indicator", validators=[AnyOf(KINDS)])
    weak = HiddenField()
    event = HiddenField()
    source = HiddenField(validators=[AnyOf(SOURCES)])


class RemoveForm(AppForm):
    """Remove one term (the CSRF token is all it holds)."""


def _event(slug: str | None) -> Event | None:
    if not slug:
        return None
    event = get_session().scalar(select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    return event


def _folder() -> Path:
    return Path(current_app.config["EXPORT_DIR"], PREVIEWS)


def _job(path: Path) -> Job:
    """The background job that writes the result kept at ``path``."""
    return Job(path, (b"codebook",))


def _start(path: Path, arguments: list[str]) -> None:
    """Work a result out in the background (``flask codebook ARGUMENTS --store PATH``),
    unless it is being worked out already."""
    job = _job(path)
    if job.running():
        return
    # what was worked out over a day ago goes, with its job's notes: a preview quotes answers
    remove_stale(
        file for suffix in ("json", "pid", "failed") for file in path.parent.glob(f"*.{suffix}")
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    command = ["codebook", arguments[0], "--store", str(path), *arguments[1:]]
    job.start(app, command, path.parent / "jobs.log")


Result = TypeVar("Result")


def _follow(
    path: Path, load: Callable[[], Result | None], arguments: list[str]
) -> tuple[Result | None, Failure | None]:
    """The result kept at ``path`` (``load`` reads it), or else: its job started if it never
    was (the page then shows it working), or its failure if it ended without the result (the
    page then waits for *Try again*)."""
    found: Result | None = None

    def finished() -> bool:
        nonlocal found
        found = load()
        return found is not None

    job = _job(path)
    state = job.state(finished)
    if state == "none":
        _start(path, arguments)
    return found, job.failure() if state == "failed" else None


def _suggestions_job(event: Event | None, support: int) -> tuple[Path, dict[str, Any], list[str]]:
    """The file the suggestions for these filters are kept in now, what they depend on now,
    and the command that works them out."""
    asked = suggestions_asked(get_session(), event, support)
    arguments = ["suggest", "--min-support", str(support)]
    arguments += ["--event", event.slug] if event is not None else []
    return result_file(_folder(), asked), asked, arguments


def _filters() -> tuple[Event | None, int]:
    event = _event(request.values.get("event"))
    return event, max(1, request.values.get("min_support", 2, type=int) or 2)


def _page(page: str, status: int = 200) -> ResponseReturnValue:
    """The page, or (asked by the page's script, waiting for a result) the page in JSON."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify(html=page), status
    return page, status


@bp.get("/codebook")
@admin_required
def codebook() -> ResponseReturnValue:
    """List the suggestions from the reviews (worked out in the background, kept until the
    reviews or the overlay change) and the terms of the overlay."""
    db = get_session()
    event, support = _filters()
    path, asked, arguments = _suggestions_job(event, support)
    stored, failure = _follow(path, lambda: stored_suggestions(path, asked), arguments)
    found, worked_out = stored if stored is not None else ([], None)
    history = list(
        db.scalars(
            select(CodebookAddition)
            .where(CodebookAddition.removed_in.is_not(None))
            .order_by(CodebookAddition.removed_in.desc())
        )
    )
    return _page(
        render_template(
            "admin/codebook.html",
            working=stored is None and failure is None,
            failure=failure,
            worked_out=worked_out,
            progress_every=PREVIEW_EVERY,
            suggestions=found[:SHOWN],
            total=len(found),
            event=event,
            events=list(db.scalars(select(Event).order_by(Event.date.desc()))),
            min_support=support,
            active=active_additions(db),
            history=history,
            revision=overlay_revision(db),
            form=TermForm(formdata=None, event=event.slug if event else ""),
            remove_form=RemoveForm(),
            max_term=MAX_TERM,
        )
    )


@bp.post("/codebook/suggestions")
@admin_required
def codebook_suggest_again() -> ResponseReturnValue:
    """Work the suggestions out again (e.g. after a new codebook was deployed)."""
    if not RemoveForm().validate_on_submit():
        abort(400)
    event, support = _filters()
    path, _asked, arguments = _suggestions_job(event, support)
    path.unlink(missing_ok=True)
    _start(path, arguments)
    return redirect(url_for(".codebook", event=event.slug if event else None, min_support=support))


def _preview_job(addition: Addition, event: Event | None) -> tuple[Path, int, list[str]]:
    """The file the preview of ``addition`` at the overlay's revision is kept in, the
    revision, and the command that works it out."""
    revision = overlay_revision(get_session())
    arguments = ["preview"]
    arguments += ["--shield"] if addition.kind == "shield" else []
    arguments += ["--weak"] if addition.weak else []
    arguments += ["--event", event.slug] if event is not None else []
    arguments += ["--", addition.level, addition.language, addition.term]
    return preview_file(_folder(), addition, event, revision), revision, arguments


def _stored(addition: Addition, event: Event | None) -> Preview | None:
    """The preview of ``addition`` worked out at the overlay's revision."""
    path, revision, _arguments = _preview_job(addition, event)
    return stored_preview(path, revision)


def _asked_term(form: TermForm) -> Addition:
    """The term the form asks to preview, or :class:`OverlayRefused`."""
    return parse_addition(
        form.level.data, form.language.data, form.term.data, form.weak.data, form.kind.data
    )


@bp.get("/codebook/preview")
@admin_required
def codebook_preview() -> ResponseReturnValue:
    """Show what adding a term would change before it is added (worked out in the
    background on the first visit; the page shows it when it is ready)."""
    form = TermForm(request.args)
    event = _event(form.event.data)
    error = None
    result = None
    failure = None
    asked = bool(request.args)  # a bare visit shows the empty form, not its errors
    if asked and form.validate():
        try:
            addition = _asked_term(form)
        except OverlayRefused as refusal:
            error = str(refusal)
        else:
            path, revision, arguments = _preview_job(addition, event)
            result, failure = _follow(path, lambda: stored_preview(path, revision), arguments)
    working = asked and error is None and result is None and failure is None and not form.errors
    confirm = None
    if result is not None and not result.refused:
        confirm = AddForm(
            formdata=None,
            level=result.addition.level,
            language=result.addition.language,
            term=result.addition.term,
            kind=result.addition.kind,
            weak="1" if result.addition.weak else "",
            event=event.slug if event else "",
            source=form.source.data or "typed",
        )
    status = 200 if working or failure or result is not None or not asked else 400
    return _page(
        render_template(
            "admin/codebook_preview.html",
            form=form,
            error=error,
            result=result,
            working=working,
            failure=failure,
            again=RemoveForm(),
            progress_every=PREVIEW_EVERY,
            event=event,
            confirm=confirm,
            max_term=MAX_TERM,
        ),
        status,
    )


@bp.post("/codebook/preview")
@admin_required
def codebook_preview_again() -> ResponseReturnValue:
    """Work a preview out again (*Try again* after it could not be worked out)."""
    if not RemoveForm().validate_on_submit():
        abort(400)
    form = TermForm(request.form)
    event = _event(form.event.data)
    if not form.validate():
        abort(400)
    try:
        addition = _asked_term(form)
    except OverlayRefused:
        abort(400)
    path, _revision, arguments = _preview_job(addition, event)
    path.unlink(missing_ok=True)
    _start(path, arguments)
    query = {name: form[name].data for name in ("level", "language", "term", "kind", "source")}
    query |= {"event": event.slug if event else "", "weak": "y" if form.weak.data else None}
    return redirect(url_for(".codebook_preview", **query))


@bp.post("/codebook/add")
@admin_required
def codebook_add() -> ResponseReturnValue:
    """Add a previewed term to the overlay (its preview at the overlay's revision is
    needed: too broad a term is refused)."""
    form = AddForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    event = _event(form.event.data)
    try:
        addition = parse_addition(
            form.level.data,
            form.language.data,
            form.term.data,
            bool(form.weak.data),
            form.kind.data,
        )
        checked = _stored(addition, event)
        if checked is None:
            raise OverlayRefused(
                _("This term's preview is not ready, or the overlay changed since: preview again.")
            )
        row = add_term(db, addition, organiser(), source=form.source.data, checked=checked)
    except OverlayRefused as refusal:
        db.rollback()
        flash(str(refusal), "error")
        return redirect(url_for(".codebook"))
    db.commit()
    flash(
        _(
            "'%(term)s' was added to %(level)s in revision %(revision)d. The next run re-tags "
            "the answers it changes; reviewed tags stay.",
            term=row.term,
            level=labels.LEVELS[row.level],
            revision=row.added_in,
        ),
        "success",
    )
    return redirect(url_for(".codebook"))


@bp.post("/codebook/<int:addition_id>/remove")
@admin_required
def codebook_remove(addition_id: int) -> ResponseReturnValue:
    """Take a term out of the overlay; its history stays."""
    db = get_session()
    row = db.get(CodebookAddition, addition_id)
    if row is None:
        abort(404)
    if not RemoveForm().validate_on_submit():
        abort(400)
    try:
        revision = remove_term(db, row, organiser())
    except OverlayRefused as refusal:
        db.rollback()
        flash(str(refusal), "error")
        return redirect(url_for(".codebook"))
    db.commit()
    flash(
        _("'%(term)s' was removed in revision %(revision)d.", term=row.term, revision=revision),
        "success",
    )
    return redirect(url_for(".codebook"))

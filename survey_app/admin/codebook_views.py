"""The codebook overlay in the console (admins): suggestions, a preview, add and remove.

A preview tags every answer holding the term with the overlay and without it (seconds, and
more for a Chinese term, whose tagger loads its word list anew): the page starts it in the
background (``flask codebook preview ... --store FOLDER``) and shows it once it is written.
"""

from __future__ import annotations

from pathlib import Path

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
from ..background import command_alive, start_command
from ..db import get_session
from ..forms import AppForm
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
    stored_preview,
    suggestions,
)
from .review_forms import LANGUAGE_NAMES

#: Suggestions shown on the page (all are ranked; the best come first).
SHOWN = 100
#: The export folder's subfolder where previews worked out in the background are kept.
PREVIEWS = "codebook-previews"
#: Seconds between two looks of the page's script for a preview being worked out.
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


@bp.get("/codebook")
@admin_required
def codebook() -> ResponseReturnValue:
    """List suggestions from the reviews and the terms of the overlay."""
    db = get_session()
    event = _event(request.args.get("event"))
    support = max(1, request.args.get("min_support", 2, type=int) or 2)
    found = suggestions(db, event, support)
    history = list(
        db.scalars(
            select(CodebookAddition)
            .where(CodebookAddition.removed_in.is_not(None))
            .order_by(CodebookAddition.removed_in.desc())
        )
    )
    return render_template(
        "admin/codebook.html",
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


def _stored(addition: Addition, event: Event | None) -> tuple[Preview | None, Path]:
    """The preview of ``addition`` worked out at the overlay's revision, and its file."""
    revision = overlay_revision(get_session())
    folder = Path(current_app.config["EXPORT_DIR"], PREVIEWS)
    path = preview_file(folder, addition, event, revision)
    return stored_preview(path, revision), path


def _start_preview(addition: Addition, event: Event | None, path: Path) -> None:
    """Work the preview out in the background, unless it is being worked out already."""
    pid_file = path.with_suffix(".pid")
    if command_alive(pid_file, b"codebook", b"preview"):
        return
    arguments = ["codebook", "preview", "--store", str(path)]
    arguments += ["--shield"] if addition.kind == "shield" else []
    arguments += ["--weak"] if addition.weak else []
    arguments += ["--event", event.slug] if event is not None else []
    arguments += ["--", addition.level, addition.language, addition.term]
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    pid = start_command(app, arguments, path.parent / "previews.log")
    pid_file.write_text(str(pid), "ascii")


@bp.get("/codebook/preview")
@admin_required
def codebook_preview() -> ResponseReturnValue:
    """Show what adding a term would change before it is added (worked out in the
    background on the first visit; the page shows it when it is ready)."""
    form = TermForm(request.args)
    event = _event(form.event.data)
    error = None
    result = None
    working = False
    asked = bool(request.args)  # a bare visit shows the empty form, not its errors
    if asked and form.validate():
        try:
            addition = parse_addition(
                form.level.data, form.language.data, form.term.data, form.weak.data, form.kind.data
            )
        except OverlayRefused as refusal:
            error = str(refusal)
        else:
            result, path = _stored(addition, event)
            if result is None:
                path.parent.mkdir(parents=True, exist_ok=True)
                _start_preview(addition, event, path)
                working = True
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
    status = 200 if working or result is not None or not asked else 400
    page = render_template(
        "admin/codebook_preview.html",
        form=form,
        error=error,
        result=result,
        working=working,
        progress_every=PREVIEW_EVERY,
        event=event,
        confirm=confirm,
        max_term=MAX_TERM,
    )
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(html=page)  # the page's script, waiting for the preview
        response.headers["Cache-Control"] = "no-store"
        return response, status
    return page, status


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
        checked, _path = _stored(addition, event)
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

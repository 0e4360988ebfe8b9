"""The codebook overlay in the console (admins): suggestions, a preview, add and remove."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired

from survey_db.models import CodebookAddition, Event
from survey_db.models.overlay import KINDS, SOURCES, active_additions, overlay_revision
from survey_db.models.vocabulary import LANGUAGES, LEVELS

from .. import labels
from ..db import get_session
from ..forms import AppForm
from ..texts import gettext as _
from ..texts import lazy_gettext as _l
from . import bp
from .access import admin_required, organiser
from .overlay import (
    MAX_TERM,
    OverlayRefused,
    add_term,
    parse_addition,
    preview,
    remove_term,
    suggestions,
)
from .review_forms import LANGUAGE_NAMES

#: Suggestions shown on the page (all are ranked; the best come first).
SHOWN = 100
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


@bp.get("/codebook/preview")
@admin_required
def codebook_preview() -> ResponseReturnValue:
    """Show what adding a term would change before it is added."""
    db = get_session()
    form = TermForm(request.args)
    event = _event(form.event.data)
    error = None
    result = None
    asked = bool(request.args)  # a bare visit shows the empty form, not its errors
    if asked and form.validate():
        try:
            addition = parse_addition(
                form.level.data, form.language.data, form.term.data, form.weak.data, form.kind.data
            )
            result = preview(db, addition, event)
        except OverlayRefused as refusal:
            error = str(refusal)
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
    status = 200 if result is not None or not asked else 400
    return render_template(
        "admin/codebook_preview.html",
        form=form,
        error=error,
        result=result,
        event=event,
        confirm=confirm,
        max_term=MAX_TERM,
    ), status


@bp.post("/codebook/add")
@admin_required
def codebook_add() -> ResponseReturnValue:
    """Add a previewed term to the overlay (checked again: too broad a term is refused)."""
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
        row = add_term(
            db,
            addition,
            organiser(),
            source=form.source.data,
            checked=preview(db, addition, event),
        )
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

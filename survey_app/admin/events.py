"""The console's home, an event's settings (collection, agenda file) and its print material."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_db.models import Event, Response

from ..db import begin_write, get_session, reads_first
from ..events import EventFileError, EventSpec, apply_event, series_events_touched, series_refusal
from ..i18n import current_language
from ..qr import public_url, qr_svg, short_code, short_link
from ..texts import gettext as _
from . import audit, bp
from .access import admin_required, event_or_404, organiser, visible_events
from .forms import EventUploadForm, StatusForm


def _response_counts(events: list[Event]) -> dict[int, int]:
    """Active responses per event id (withdrawn, spam and test ones are left out)."""
    if not events:
        return {}
    rows = get_session().execute(
        select(Response.event_id, func.count(Response.id))
        .where(Response.event_id.in_([event.id for event in events]), Response.counts)
        .group_by(Response.event_id)
    )
    return {event_id: count for event_id, count in rows}


def _render_home(upload_form: EventUploadForm | None = None) -> str:
    events = visible_events()
    if upload_form is None and organiser().is_admin:
        upload_form = EventUploadForm()
    return render_template(
        "admin/home.html",
        events=events,
        counts=_response_counts(events),
        upload_form=upload_form,
    )


@bp.route("/")
@login_required
def home() -> ResponseReturnValue:
    """List the organiser's events."""
    return _render_home()


def _record_refused(form: EventUploadForm, event: Event | None = None) -> None:
    """Put a refused event file in the audit log, with the first problem found."""
    problems = [error for errors in form.errors.values() for error in errors]
    upload = form.file.data
    audit.record_apart(
        "upload_failed",
        organiser=organiser(),
        event=event,
        file=getattr(upload, "filename", None) or "",
        problem=str(problems[0]) if problems else "",
    )


def _record_series_change(db: Session, spec: EventSpec, touched: set[int], source: Event) -> None:
    """Note a series' new title or members under every event it touches (and the file's own)."""
    ids = touched | {source.id}
    for member in db.scalars(select(Event).where(Event.id.in_(ids)).order_by(Event.id)):
        audit.record(
            db,
            "series_changed",
            organiser=organiser(),
            event=member,
            series=spec.series["slug"],
            title_en=spec.series["title_en"],
            source=source.slug,
        )


# Both uploads read and check the whole file before the write transaction opens
# (``reads_first``, then ``begin_write``): on SQLite that lock stops every other writer.


@bp.route("/events/upload", methods=["POST"])
@reads_first
@admin_required
def upload_event() -> ResponseReturnValue:
    """Create a new event, as a draft, from an uploaded YAML file."""
    form = EventUploadForm()
    if not form.validate_on_submit() or form.spec is None:
        _record_refused(form)
        return _render_home(form), 400
    db = get_session()
    touched = series_events_touched(db, form.spec)
    begin_write(db)
    changes = apply_event(db, form.spec)
    event = db.scalar(select(Event).where(Event.slug == form.spec.event["slug"]))
    audit.record(db, "event_loaded", organiser=organiser(), event=event, changes=changes)
    if touched:
        _record_series_change(db, form.spec, touched, event)
    db.commit()
    flash(_("The event was created as a draft. Open it for answers when it is ready."))
    return redirect(url_for("admin.event_settings", slug=event.slug))


def _render_settings(
    event: Event, upload_form: EventUploadForm, changes: list[str] | None = None
) -> str:
    return render_template(
        "admin/event_settings.html",
        event=event,
        upload_form=upload_form,
        changes=changes,
    )


@bp.route("/e/<slug>/settings", methods=["GET", "POST"])
@reads_first
@login_required
def event_settings(slug: str) -> ResponseReturnValue:
    """Show collection status and the agenda; a posted YAML file updates the agenda."""
    event = event_or_404(slug)
    form = EventUploadForm(slug=event.slug)
    if not form.validate_on_submit() or form.spec is None:
        if not form.is_submitted():
            return _render_settings(event, form)
        _record_refused(form, event)
        return _render_settings(event, form), 400
    db = get_session()
    touched = series_events_touched(db, form.spec)
    if touched and not organiser().is_admin:
        form.file.errors.append(_("The file was not loaded: %(error)s", error=series_refusal()))
        _record_refused(form, event)
        return _render_settings(event, form), 400
    begin_write(db)
    try:
        changes = apply_event(db, form.spec, may_change_series=organiser().is_admin)
    except EventFileError as error:
        db.rollback()
        form.file.errors.append(_("The file was not loaded: %(error)s", error=str(error)))
        _record_refused(form, event)
        return _render_settings(event, form), 400
    if changes:
        audit.record(db, "event_loaded", organiser=organiser(), event=event, changes=changes)
    if touched:
        _record_series_change(db, form.spec, touched, event)
    db.commit()
    # The list of changes can be long, too long for a flashed message in the cookie, so
    # the page shows it directly; posting the same file again changes nothing.
    return _render_settings(event, EventUploadForm(slug=event.slug), changes)


@bp.route("/e/<slug>/status", methods=["POST"])
@login_required
def event_status(slug: str) -> ResponseReturnValue:
    """Open or close the event's collection."""
    event = event_or_404(slug)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    if event.set_status(form.status.data):
        action = "event_opened" if event.is_open else "event_closed"
        audit.record(db, action, organiser=organiser(), event=event)
        db.commit()
    flash(_("Collection is open.") if event.is_open else _("Collection is closed."))
    return redirect(url_for("admin.event_settings", slug=event.slug))


@bp.route("/e/<slug>/print")
@login_required
def print_material(slug: str) -> ResponseReturnValue:
    """A printable sheet: a QR code and a link per session, the grid and the inputs page.

    A session's card also gives its short address (``/s/<code>``), quick to type for those
    who cannot scan the code.
    """
    event = event_or_404(slug)
    lang = current_language()
    targets: list[tuple[str, str, str | None]] = [
        (
            item.title(lang),
            public_url("attendee.session_feedback", slug=slug, code=item.code),
            public_url("attendee.short_address", short=short_code("session", item.id)),
        )
        for item in event.feedback_sessions()
    ]
    grid = public_url("attendee.feedback_grid", slug=slug)
    targets.append((_("Rate all the sessions"), grid, None))
    targets.append((_("Send policy inputs"), public_url("attendee.policy_inputs", slug=slug), None))
    cards = [
        (title, url, short_link(url), qr_svg(url), typed and short_link(typed))
        for title, url, typed in targets
    ]
    return render_template("admin/print.html", event=event, cards=cards)

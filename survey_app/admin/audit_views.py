"""The audit log, for admins: who did what to which event, newest first."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from survey_db.models import AuditEntry, Event

from ..db import get_session
from ..texts import lazy_gettext as _l
from . import bp
from .access import admin_required
from .pagination import page_number, paginate

#: Labels of the actions the console records; others show their code.
ACTIONS = {
    "login": _l("Signed in"),
    "login_failed": _l("Sign-in failed"),
    "login_throttled": _l("Sign-in refused: too many failures or requests"),
    "logout": _l("Signed out"),
    "event_loaded": _l("Event file loaded"),
    "upload_failed": _l("Event file refused"),
    "series_changed": _l("Series changed"),
    "access_refused": _l("Access refused"),
    "personal_viewed": _l("Name and organisation viewed"),
    "event_opened": _l("Collection opened"),
    "event_closed": _l("Collection closed"),
    "organiser_created": _l("Organiser created"),
    "organiser_disabled": _l("Organiser disabled"),
    "password_reset": _l("Password reset"),
    "tag_now": _l("Tagging started from the console"),
    "download": _l("Workbook downloaded"),
    "download_prepare": _l("Workbook preparation started"),
}
#: Labels of the details an entry keeps; others show their key.
DETAILS = {
    "changes": _l("Changes"),
    "email": _l("Email"),
    "address": _l("Address"),
    "by": _l("By"),
    "admin": _l("Administrator"),
    "events": _l("Events"),
    "problem": _l("Problem"),
    "file": _l("File"),
    "series": _l("Series"),
    "title_en": _l("Title (English)"),
    "source": _l("From the file of"),
    "path": _l("Address asked for"),
    "limit": _l("Limit"),
    "response": _l("Answer"),
    "workbook": _l("Workbook"),
    "filters": _l("Filters"),
    "rows": _l("Rows"),
    "prepared_at": _l("Prepared at"),
    "pid": _l("Process"),
    "lang": _l("Language"),
    "demo": _l("Demo answers included"),
}


@bp.route("/audit")
@admin_required
def audit_log() -> ResponseReturnValue:
    """List audit entries, newest first."""
    db = get_session()
    page = paginate(
        db,
        select(AuditEntry)
        .options(selectinload(AuditEntry.organiser))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()),
        page_number(),
        count=False,
    )
    event_ids = {entry.event_id for entry in page.items if entry.event_id is not None}
    events = (
        {event.id: event for event in db.scalars(select(Event).where(Event.id.in_(event_ids)))}
        if event_ids
        else {}
    )
    return render_template(
        "admin/audit.html", page=page, events=events, actions=ACTIONS, details=DETAILS
    )

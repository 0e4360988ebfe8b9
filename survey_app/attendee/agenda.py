"""Attendee pages that only read: the list of events, an event's agenda (with what is on now
and next) and the short addresses typed from a live screen."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from survey_db.models import AgendaSession, Event, Theme

from ..db import get_session
from ..texts import gettext as _
from . import bp
from .published import event_or_404


@bp.get("/")
def index() -> ResponseReturnValue:
    """List the events that collect answers."""
    events = get_session().scalars(
        select(Event).where(Event.status != "draft").order_by(Event.date.desc())
    )
    return render_template("attendee/index.html", events=list(events))


@bp.get("/s/<short>")
def short_address(short: str) -> ResponseReturnValue:
    """Lead a short address typed from the live screen to its session's or theme's form."""
    found = _SHORT_CODE.fullmatch(short.strip().lower())
    if found is None:
        abort(404, description=_("There is no session at this short address."))
    is_theme, ident = found.group(1) == "t", int(found.group(2))
    model = Theme if is_theme else AgendaSession
    query = select(Event.slug, model.code).join(Event, model.event_id == Event.id)
    query = query.where(model.id == ident, Event.status != "draft")
    if not is_theme:
        query = query.where(AgendaSession.takes_feedback.is_(True))
    row = get_session().execute(query).one_or_none()
    if row is None:
        abort(404, description=_("There is no session at this short address."))
    if is_theme:
        return redirect(url_for(".policy_inputs", slug=row.slug, theme=row.code))
    return redirect(url_for(".session_feedback", slug=row.slug, code=row.code))


#: A short address's code: a session's id, or ``t`` and a theme's (see :func:`..qr.short_code`).
_SHORT_CODE = re.compile(r"(t?)(\d{1,9})")


@bp.get("/e/<slug>/")
def agenda(slug: str) -> ResponseReturnValue:
    """Show the agenda with a feedback link on each session, the one under way marked."""
    event = event_or_404(slug)
    current, upcoming = _now_and_next(event)
    return render_template("attendee/agenda.html", event=event, now=current, after=upcoming)


def now_in(timezone: str) -> datetime:
    """The time now in ``timezone`` (tests set the clock here)."""
    return datetime.now(ZoneInfo(timezone))


def _now_and_next(event: Event) -> tuple[set[int], set[int]]:
    """The agenda items under way and the next to start, by the event's time zone, on its
    day (parallel sessions are under way, or next, together)."""
    now = now_in(event.timezone)
    if now.date() != event.date:
        return set(), set()
    moment = now.time().replace(tzinfo=None)
    current = {item.id for item in event.sessions if item.starts_at <= moment < item.ends_at}
    later = [item for item in event.sessions if item.starts_at > moment]
    first = min((item.starts_at for item in later), default=None)
    return current, {item.id for item in later if item.starts_at == first}

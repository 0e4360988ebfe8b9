"""Load or update an event from a validated :class:`EventSpec`, saying what changed.

The lines that say what changed are in the console's language (English on the command
line); the file's own codes and keys stay as written.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_db.models import AgendaSession, Event, Response, Series, SessionPerson, Theme, utcnow

from ..texts import gettext as _
from .schema import EventFileError, EventSpec, PersonSpec, parse_event_yaml

__all__ = [
    "EventFileError",
    "EventSpec",
    "apply_event",
    "parse_event_yaml",
    "series_events_touched",
    "series_refusal",
]


def series_refusal() -> str:
    """The message for an organiser's file that would change the series."""
    return _(
        "only an admin may rename the series or move an event to another series: "
        "keep the file's series section as it is"
    )


_PERSON_KEYS = ("position", *(spec_field.name for spec_field in fields(PersonSpec)))


def _update(obj: Any, values: dict[str, Any], label: str, changes: list[str]) -> None:
    """Set the attributes that differ and note each one."""
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changes.append(_("%(where)s: %(key)s changed", where=label, key=key))


def _sync_people(item: AgendaSession, people: tuple[PersonSpec, ...], changes: list[str]) -> None:
    """Replace the session's people when the file lists them differently."""
    wanted = [{"position": n, **asdict(person)} for n, person in enumerate(people, 1)]
    current = [{key: getattr(person, key) for key in _PERSON_KEYS} for person in item.people]
    if current == wanted:
        return
    item.people.clear()
    item.people.extend(SessionPerson(**row) for row in wanted)
    changes.append(
        _("session '%(code)s': people changed (%(count)d now)", code=item.code, count=len(wanted))
    )


def _responses_to(db: Session, column: Any, ident: int) -> int:
    return db.scalar(select(func.count()).select_from(Response).where(column == ident)) or 0


def series_events_touched(db: Session, spec: EventSpec) -> set[int]:
    """Ids of the events whose series the file changes, or none if it leaves the series alone.

    A series is shared: renaming it changes every event's workbooks, and moving an event
    between series changes what both series compare. Only admins may do either.
    """
    series = db.scalar(select(Series).where(Series.slug == spec.series["slug"]))
    event = db.scalar(select(Event).where(Event.slug == spec.event["slug"]))
    touched: set[int] = set()
    if series is not None and any(
        getattr(series, key) != value for key, value in spec.series.items()
    ):
        touched |= {member.id for member in series.events}
    if event is not None and (series is None or event.series_id != series.id):
        touched |= {member.id for member in event.series.events}
        touched |= {member.id for member in series.events} if series is not None else set()
    elif event is None and series is not None:
        touched |= {member.id for member in series.events}
    return touched


def apply_event(
    db: Session, spec: EventSpec, *, status: str | None = None, may_change_series: bool = True
) -> list[str]:
    """Create or update the event of ``spec``; return a line per change (empty if none).

    A session or theme that already holds responses is never deleted: the file is refused.
    Without ``may_change_series`` (an organiser who is not an admin) a file that renames
    the series or moves the event to another series is refused. The caller commits.
    """
    if not may_change_series and series_events_touched(db, spec):
        raise EventFileError(series_refusal())
    changes: list[str] = []
    series = db.scalar(select(Series).where(Series.slug == spec.series["slug"]))
    if series is None:
        series = Series(**spec.series)
        db.add(series)
        changes.append(_("series '%(slug)s' created", slug=series.slug))
    else:
        _update(series, spec.series, _("series '%(slug)s'", slug=series.slug), changes)

    event = db.scalar(select(Event).where(Event.slug == spec.event["slug"]))
    if event is None:
        event = Event(series=series, parts=spec.parts, status=status or "draft", **spec.event)
        db.add(event)
        changes.append(_("event '%(slug)s' created", slug=event.slug))
    else:
        label = _("event '%(slug)s'", slug=event.slug)
        if event.series_id != series.id:
            event.series = series
            changes.append(_("%(where)s: series changed", where=label))
        _update(event, {**spec.event, "parts": spec.parts}, label, changes)
        if status is not None and event.set_status(status):
            changes.append(_("%(where)s: status changed to %(status)s", where=label, status=status))

    _sync_sessions(db, event, spec, changes)
    _sync_themes(db, event, spec, changes)
    if changes:
        # Pages rendered once per version of the event (blank forms) look at this.
        event.updated_at = utcnow()
    db.flush()
    return changes


def _sync_sessions(db: Session, event: Event, spec: EventSpec, changes: list[str]) -> None:
    existing = {item.code: item for item in event.sessions}
    wanted = {item.code for item in spec.sessions}
    for code, item in existing.items():
        if code not in wanted:
            if item.id is not None and _responses_to(db, Response.session_id, item.id):
                raise EventFileError(
                    _("session '%(code)s' already holds feedback and cannot be removed", code=code)
                )
            event.sessions.remove(item)
            changes.append(_("session '%(code)s' removed", code=code))
    for position, item_spec in enumerate(spec.sessions, start=1):
        values = {
            "position": position,
            "kind": item_spec.kind,
            "part": item_spec.part,
            "title_en": item_spec.title_en,
            "title_zh": item_spec.title_zh,
            "starts_at": item_spec.starts_at,
            "ends_at": item_spec.ends_at,
            "takes_feedback": item_spec.takes_feedback,
        }
        item = existing.get(item_spec.code)
        if item is None:
            item = AgendaSession(code=item_spec.code, **values)
            event.sessions.append(item)
            _sync_people(item, item_spec.people, [])
            changes.append(_("session '%(code)s' added", code=item_spec.code))
        else:
            _update(item, values, _("session '%(code)s'", code=item_spec.code), changes)
            _sync_people(item, item_spec.people, changes)


def _sync_themes(db: Session, event: Event, spec: EventSpec, changes: list[str]) -> None:
    existing = {item.code: item for item in event.themes}
    wanted = {item.code for item in spec.themes}
    for code, item in existing.items():
        if code not in wanted:
            if item.id is not None and _responses_to(db, Response.theme_id, item.id):
                raise EventFileError(
                    _("theme '%(code)s' already holds inputs and cannot be removed", code=code)
                )
            event.themes.remove(item)
            changes.append(_("theme '%(code)s' removed", code=code))
    for position, theme_spec in enumerate(spec.themes, start=1):
        values = {"position": position, **asdict(theme_spec)}
        item = existing.get(theme_spec.code)
        if item is None:
            event.themes.append(Theme(**values))
            changes.append(_("theme '%(code)s' added", code=theme_spec.code))
        else:
            _update(item, values, _("theme '%(code)s'", code=theme_spec.code), changes)

"""Who may see what: every console view loads its event through here; refusals are audited."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user, login_required
from sqlalchemy import select

from survey_db.models import Event, Organiser, organiser_events

from ..db import get_session
from . import audit

F = TypeVar("F", bound=Callable[..., Any])


def organiser() -> Organiser:
    """The signed-in organiser (views are wrapped in ``login_required``)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


def visible_events() -> list[Event]:
    """Events the signed-in organiser may see: all for an admin, else those given to them."""
    query = select(Event).order_by(Event.date.desc())
    if not organiser().is_admin:
        query = query.join(organiser_events).where(
            organiser_events.c.organiser_id == organiser().id
        )
    return list(get_session().scalars(query))


def event_or_404(slug: str) -> Event:
    """The event, or 404 when it does not exist or is not this organiser's.

    Not 403: an organiser of another event learns nothing about this one.
    """
    event = get_session().scalar(select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    if not organiser().can_see(event):
        audit.record_apart(
            "access_refused", organiser=organiser(), event=event, path=request.full_path
        )
        abort(404)
    return event


def admin_required(view: F) -> F:
    """Only admins; others get 404 like any page they may not see."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not organiser().is_admin:
            audit.record_apart("access_refused", organiser=organiser(), path=request.full_path)
            abort(404)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]

"""The data layer bound to a Flask app: one session per app context.

In a request, :func:`get_session` gives one session per app context; it begins ``IMMEDIATE``
on SQLite for requests that write. The attendee forms read first and take that lock only to
store (:func:`reads_first`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from survey_db.engine import make_engine, session_factory

#: Methods that only read: their requests get a reading session, and the limiter skips them.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

View = TypeVar("View", bound=Callable[..., Any])


def get_engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["survey_db"]["engine"]


def get_session() -> Session:
    """The session of this app context (a writing one for POST requests and CLI commands)."""
    if "db_session" not in g:
        write = not (has_request_context() and request.method in SAFE_METHODS)
        factories = current_app.extensions["survey_db"]
        g.db_session = factories["write" if write else "read"]()
    return g.db_session


def reads_first(view: View) -> View:
    """Give a view that writes a reading session; it calls :func:`begin_write` to store.

    On SQLite only one writer runs at a time. A post that loads its event and validates its
    form inside a write transaction makes every other post wait that long; one that reads
    first holds the lock only while it stores.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "db_session" not in g:
            g.db_session = current_app.extensions["survey_db"]["read"]()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def begin_write(session: Session) -> None:
    """End the session's reading transaction and begin a writing one (IMMEDIATE on SQLite).

    Whatever the caller reads from here on is read under the write lock, so it is current
    and the commit cannot fail for a stale snapshot. Loaded objects stay usable.
    """
    session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


def init_app(app: Flask) -> None:
    """Bind the engine and session factories to the app and close sessions on teardown."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["survey_db"] = {
        "engine": engine,
        "read": session_factory(engine),
        "write": session_factory(engine, write=True),
    }
    app.teardown_appcontext(_close_session)

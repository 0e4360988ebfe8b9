"""Engine and session factory shared by the web app, the pipeline and the exports.

Plain SQLAlchemy 2.0 (not Flask-SQLAlchemy) so that ``pipeline/`` and ``exports/`` can open
a session without an app. In a request, :func:`get_session` gives one session per app
context; it begins ``IMMEDIATE`` on SQLite for requests that write, so concurrent
submissions queue on the busy timeout instead of failing with "database is locked".
The attendee forms read first and take that lock only to store (:func:`reads_first`).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .sqlite_turns import TurnTakingConnection

#: How long a SQLite writer waits for the lock before giving up, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Methods that only read: their requests get a reading session, and the limiter skips them.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

View = TypeVar("View", bound=Callable[..., Any])


def make_engine(
    url: str, *, sqlite_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any
) -> Engine:
    """Create an engine; on SQLite turn on WAL, foreign keys, our own BEGIN and writers' turns."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {}).update(
            {
                "timeout": sqlite_timeout_ms / 1000,
                "check_same_thread": False,
                "factory": TurnTakingConnection,
            }
        )
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, parsed.database, sqlite_timeout_ms)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine, database: str | None, timeout_ms: int) -> None:
    """Apply SQLAlchemy's documented recipe for SQLite transactions (BEGIN emitted by us).

    A transaction begun IMMEDIATE first waits for its turn among our writers
    (:mod:`.sqlite_turns`); reading transactions never wait.
    """
    on_disk = bool(database) and database != ":memory:" and not database.startswith("file:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Turn off pysqlite's own transaction handling; the "begin" event below emits BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if on_disk:
            dbapi_connection.open_turns(database)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode == "DEFERRED":
            conn.exec_driver_sql("BEGIN DEFERRED")
            return
        dbapi_connection = conn.connection.dbapi_connection
        try:
            dbapi_connection.take_turn(timeout_ms / 1000)
        except sqlite3.OperationalError as error:
            # As SQLAlchemy wraps the driver's own "database is locked".
            raise OperationalError(f"BEGIN {mode}", None, error) from None
        try:
            conn.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            dbapi_connection.end_turn()
            raise


def session_factory(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    """Sessions for reading, or for writing (BEGIN IMMEDIATE on SQLite)."""
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if write else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


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


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work outside a request: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


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

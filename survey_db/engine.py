"""Engine and session factories: the bottom of the stack, shared by the web app, the job and
the exports, with no Flask in it.

Plain SQLAlchemy 2.0 (not Flask-SQLAlchemy) so that ``pipeline/`` and ``exports/`` can open a
session without an app. On SQLite a writing session begins ``IMMEDIATE``, so concurrent
submissions queue on the busy timeout instead of failing with "database is locked", and our
writers take turns through a lock file (:mod:`.sqlite_turns`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .sqlite_turns import TurnTakingConnection

#: How long a SQLite writer waits for the lock before giving up, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000


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

"""One pipeline run at a time, with a lock that dies with the process holding it.

On SQLite the lock is an ``fcntl.flock`` on ``<database file>.pipeline.lock``; on PostgreSQL it
is a session advisory lock held on a connection of its own. The kernel drops a flock when
its process ends, and PostgreSQL drops an advisory lock when its session ends, so even
``kill -9`` cannot leave the lock taken. The lock file itself is never deleted: deleting it
would let a second run lock a new file while the first still holds the old one.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

#: Key of the PostgreSQL advisory lock (any fixed 64-bit number that no other code uses).
PG_LOCK_KEY = 0x5D1A_0F0E_ED8A_C601


class PipelineLocked(Exception):
    """Another pipeline run holds the lock; ``started_at`` tells since when, if known."""

    def __init__(self, started_at: datetime | None = None) -> None:
        self.started_at = started_at
        since = f"started {started_at:%Y-%m-%d %H:%M:%S} UTC" if started_at else "start unknown"
        super().__init__(f"another pipeline run is working ({since})")


def lock_path(url: URL) -> Path:
    """The lock file of a SQLite database: beside the file, or in the temp dir if in memory."""
    database = url.database or ""
    if database and database != ":memory:" and "mode=memory" not in str(url):
        return Path(f"{database}.pipeline.lock")
    key = hashlib.sha256(url.render_as_string(hide_password=False).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"survey-pipeline-{key}.lock"


@contextmanager
def pipeline_lock(engine: Engine) -> Iterator[None]:
    """Hold the pipeline lock for the block; raise :class:`PipelineLocked` at once if taken."""
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        with _file_lock(lock_path(engine.url)):
            yield
    elif backend == "postgresql":
        with _advisory_lock(engine):
            yield
    else:
        raise NotImplementedError(f"no pipeline lock for {backend}")


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PipelineLocked() from None
        yield
    finally:
        os.close(descriptor)  # closing the last descriptor releases the flock


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    # AUTOCOMMIT, so the connection holding the lock never sits "idle in transaction".
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        query = text("SELECT pg_try_advisory_lock(:key)")
        if not connection.scalar(query, {"key": PG_LOCK_KEY}):
            raise PipelineLocked()
        try:
            yield
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
            except Exception:
                # A broken session: closing it for good ends the lock with it, and keeps a
                # possibly locked connection out of the pool.
                connection.invalidate()
    finally:
        connection.close()

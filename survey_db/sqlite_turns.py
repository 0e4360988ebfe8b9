"""Writers on one SQLite file take turns through a lock file, so each starts the moment it may.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps 1, 2,
5, 10, 15, 20, 25 ms and more between tries. A writer that would have got in after 3 ms may
sleep 8, and the worker serving it sits idle meanwhile. Before it begins a writing transaction
a connection of ours takes the ``<database>-writers`` file's lock (``flock``) instead, checking
every fraction of a millisecond, and gives it back when the transaction ends. SQLite's own
locking still guards the data; the turns only decide who tries next.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time

#: Longest pause between two looks at a busy lock, in seconds.
_MAX_PAUSE = 0.001


class TurnTakingConnection(sqlite3.Connection):
    """A sqlite3 connection that can hold the writers' turn for one transaction."""

    turn_fd: int | None = None
    has_turn = False

    def open_turns(self, database: str) -> None:
        """Take turns with every other connection of ours on ``database`` (a file path)."""
        self.turn_fd = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT, 0o600)

    def take_turn(self, timeout: float) -> None:
        """Wait until no other connection of ours is writing; raise after ``timeout`` s."""
        if self.turn_fd is None or self.has_turn:
            return
        deadline = time.monotonic() + timeout
        pause = 0.0001
        while True:
            try:
                fcntl.flock(self.turn_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError(
                        f"database is locked: another writer held it for {timeout:g} s"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, _MAX_PAUSE)
            else:
                self.has_turn = True
                return

    def end_turn(self) -> None:
        """Let the next writer in."""
        if self.has_turn:
            self.has_turn = False
            fcntl.flock(self.turn_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()
            if self.turn_fd is not None:
                os.close(self.turn_fd)
                self.turn_fd = None

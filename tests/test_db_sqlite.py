"""SQLite runs with WAL, foreign keys and BEGIN IMMEDIATE, so concurrent writers queue."""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from survey_app.db import begin_write
from survey_db.engine import make_engine, session_factory
from survey_db.models import Base, Series


def test_pragmas(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    engine.dispose()


def test_concurrent_read_modify_write_never_locks(tmp_path: Path):
    """Writers that read first, then write, would fail with DEFERRED; IMMEDIATE queues them."""
    engine = make_engine(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    Base.metadata.create_all(engine)
    writer = session_factory(engine, write=True)
    errors: list[Exception] = []

    def work(number: int) -> None:
        for round_ in range(15):
            try:
                with writer() as session, session.begin():
                    session.scalar(select(func.count()).select_from(Series))
                    session.execute(
                        insert(Series).values(
                            slug=f"s-{number}-{round_}", title_en="t", title_zh="t"
                        )
                    )
            except Exception as error:  # collected and asserted below
                errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM series")).scalar() == 120
    engine.dispose()


def _try_write_lock(path: Path) -> bool:
    """Whether another connection could take the write lock right now (no waiting)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


def test_a_post_reads_without_the_write_lock_and_holds_it_only_to_store(tmp_path: Path):
    """What ``reads_first`` views do: read, then ``begin_write``, store, commit."""
    path = tmp_path / "r.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session:
        session.scalar(select(func.count()).select_from(Series))
        assert _try_write_lock(path), "reading took the write lock"
        begin_write(session)
        assert not _try_write_lock(path), "begin_write did not take the write lock"
        session.add(Series(slug="s", title_en="t", title_zh="t"))
        session.commit()
        assert _try_write_lock(path)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM series")).scalar() == 1
    engine.dispose()


def _turn_is_free(path: Path) -> bool:
    """Whether no connection of ours holds the writers' turn on the database at ``path``."""
    with open(f"{path}-writers", "a+b") as probe:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(probe, fcntl.LOCK_UN)
        return True


def test_writers_take_turns_and_the_next_one_goes_when_the_last_ends(tmp_path: Path):
    path = tmp_path / "t.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    writer = session_factory(engine, write=True)
    began = threading.Event()

    def second_writer() -> None:
        with writer() as session:
            session.connection()  # BEGIN IMMEDIATE: waits for its turn
            began.set()
            session.add(Series(slug="second", title_en="t", title_zh="t"))
            session.commit()

    with session_factory(engine)() as reader:
        reader.scalar(select(func.count()).select_from(Series))
        assert _turn_is_free(path), "a reading transaction took the writers' turn"
    with writer() as first:
        first.add(Series(slug="first", title_en="t", title_zh="t"))
        first.flush()
        assert not _turn_is_free(path)
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert not began.wait(0.3), "the second writer began while the first was writing"
        first.commit()
    assert began.wait(10), "the second writer never had its turn"
    thread.join(10)
    assert _turn_is_free(path)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM series")).scalar() == 2
    engine.dispose()


def test_the_turn_is_given_back_by_rollback_and_by_a_failed_statement(tmp_path: Path):
    path = tmp_path / "g.sqlite3"
    engine = make_engine(f"sqlite:///{path}", sqlite_timeout_ms=200)
    Base.metadata.create_all(engine)
    writer = session_factory(engine, write=True)
    with writer() as session:
        session.connection()
        session.rollback()
        with writer() as other:
            other.connection()  # would time out if the rollback had kept the turn
            other.execute(insert(Series).values(slug="a", title_en="t", title_zh="t"))
            with pytest.raises(IntegrityError):
                other.execute(insert(Series).values(slug="a", title_en="t", title_zh="t"))
            other.rollback()
        session.execute(insert(Series).values(slug="b", title_en="t", title_zh="t"))
        session.commit()
    engine.dispose()


def test_a_writer_that_keeps_the_turn_too_long_gets_database_is_locked(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'l.sqlite3'}", sqlite_timeout_ms=200)
    Base.metadata.create_all(engine)
    writer = session_factory(engine, write=True)
    with writer() as slow, writer() as waiting:
        slow.connection()
        with pytest.raises(OperationalError, match="database is locked"):
            waiting.connection()
        slow.rollback()
        waiting.rollback()
        waiting.connection()  # free again
    engine.dispose()

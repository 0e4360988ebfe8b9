"""SQLite runs with WAL, foreign keys and BEGIN IMMEDIATE, so concurrent writers queue."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlalchemy import func, insert, select, text

from survey_app.db import begin_write, make_engine, session_factory
from survey_app.models import Base, Series


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

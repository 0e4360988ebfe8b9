"""The export command, the nightly workbooks and the atomic write that protects them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

import exports.nightly
from exports.nightly import FINGERPRINT_FILE, write_due_workbooks
from survey_app.db import get_engine, get_session
from survey_db.models import Event

from .test_exports_summary import add_input, add_tag

SLUG = "2020-11-10-social-protection"


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    with app.app_context():
        yield get_session()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """A clock the nightly job reads: each workbook gets a later name."""
    now = [datetime(2026, 11, 27, 1, 0, tzinfo=UTC)]

    def tick() -> datetime:
        now[0] += timedelta(minutes=1)
        return now[0]

    monkeypatch.setattr(exports.nightly, "utcnow", tick)
    return now


def crash_while_saving(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every workbook save write half a file and then fail."""

    def broken_save(self: Workbook, filename: str) -> None:
        Path(filename).write_bytes(b"PK\x03\x04 half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", broken_save)


def test_export_command_writes_the_workbook(
    runner: FlaskCliRunner, event: Event, tmp_path: Path
) -> None:
    output = tmp_path / "out" / "summary.xlsx"
    result = runner.invoke(args=["export", SLUG, "--output", str(output), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert str(output) in result.output
    book = load_workbook(output)
    assert book.sheetnames[0] == "简报"
    assert [p.name for p in output.parent.iterdir()] == ["summary.xlsx"]


def test_export_command_counts_demo_answers_only_when_asked(
    app: Flask, runner: FlaskCliRunner, db: Session, event: Event, tmp_path: Path
) -> None:
    event = db.get(Event, event.id)
    add_input(db, event, "risks", "A real input")
    add_input(db, event, "risks", "A demo input", channel="demo")
    db.commit()
    counted = {}
    for flag in ([], ["--include-demo"]):
        output = tmp_path / f"summary{len(flag)}.xlsx"
        result = runner.invoke(args=["export", SLUG, "-o", str(output), *flag])
        assert result.exit_code == 0, result.output
        book = load_workbook(output)
        counted[bool(flag)] = book.worksheets[0]["B6"].value
        suffix = " (with demo)" if flag else ""
        assert book.sheetnames[:2] == [f"Briefing{suffix}", f"Session ratings{suffix}"]
        assert all(title.endswith(suffix) for title in book.sheetnames)
    assert counted == {False: 1, True: 2}


def test_export_command_refuses_an_unknown_event(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["export", "no-such-event", "--output", str(tmp_path / "x.xlsx")])
    assert result.exit_code != 0
    assert "no event 'no-such-event'" in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_export_command_refuses_an_unknown_language(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["export", SLUG, "-o", str(tmp_path / "x.xlsx"), "--lang", "fr"])
    assert result.exit_code == 2


def test_a_crash_keeps_the_previous_file(
    runner: FlaskCliRunner, event: Event, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "out" / "summary.xlsx"
    assert runner.invoke(args=["export", SLUG, "--output", str(output)]).exit_code == 0
    before = output.read_bytes()
    crash_while_saving(monkeypatch)
    result = runner.invoke(args=["export", SLUG, "--output", str(output)])
    assert result.exit_code != 0
    assert output.read_bytes() == before
    assert [p.name for p in output.parent.iterdir()] == ["summary.xlsx"]
    load_workbook(output)


def workbooks(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("summary-*.xlsx"))


def test_nightly_writes_only_what_changed(
    app: Flask, db: Session, event: Event, tmp_path: Path, clock: list[datetime]
) -> None:
    export_dir = tmp_path / "nightly"
    assert write_due_workbooks(db, export_dir) == 0
    assert not export_dir.exists() or not any(export_dir.iterdir())

    loaded = db.get(Event, event.id)
    response = add_input(db, loaded, "risks", "Lockdown cut income")
    db.commit()
    assert write_due_workbooks(db, export_dir) == 1
    folder = export_dir / SLUG
    assert workbooks(folder) == ["summary-20261127T010100Z.xlsx"]
    fingerprint = json.loads((folder / FINGERPRINT_FILE).read_text("utf-8"))
    assert fingerprint["responses"] == 1
    assert write_due_workbooks(db, export_dir) == 0

    tag = add_tag(db, response, ["containment"])
    db.commit()
    assert write_due_workbooks(get_engine(), export_dir) == 1
    tag.confirm(None)
    db.commit()
    assert write_due_workbooks(db, export_dir) == 1
    assert len(workbooks(folder)) == 3
    for name in workbooks(folder):
        load_workbook(folder / name)


def test_nightly_keeps_the_newest(
    db: Session, event: Event, tmp_path: Path, clock: list[datetime]
) -> None:
    loaded = db.get(Event, event.id)
    for number in range(4):
        add_input(db, loaded, "risks", f"input {number}")
        db.commit()
        assert write_due_workbooks(db, tmp_path, keep=2) == 1
    assert workbooks(tmp_path / SLUG) == [
        "summary-20261127T010300Z.xlsx",
        "summary-20261127T010400Z.xlsx",
    ]
    with pytest.raises(ValueError):
        write_due_workbooks(db, tmp_path, keep=0)


def test_nightly_crash_leaves_the_last_workbook(
    db: Session,
    event: Event,
    tmp_path: Path,
    clock: list[datetime],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded = db.get(Event, event.id)
    add_input(db, loaded, "risks", "first")
    db.commit()
    write_due_workbooks(db, tmp_path)
    folder = tmp_path / SLUG
    [previous] = workbooks(folder)
    content = (folder / previous).read_bytes()
    fingerprint = (folder / FINGERPRINT_FILE).read_text("utf-8")

    add_input(db, loaded, "risks", "second")
    db.commit()
    crash_while_saving(monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        write_due_workbooks(db, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == sorted([previous, FINGERPRINT_FILE])
    assert (folder / previous).read_bytes() == content
    assert (folder / FINGERPRINT_FILE).read_text("utf-8") == fingerprint
    monkeypatch.undo()
    monkeypatch.setattr(exports.nightly, "utcnow", lambda: clock[0] + timedelta(hours=1))
    assert write_due_workbooks(db, tmp_path) == 1

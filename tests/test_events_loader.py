"""The event YAML: the bundled first event, updates that say what changed, and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.events import FIRST_EVENT_FILE, EventFileError, apply_event, parse_event_yaml
from survey_db.models import AgendaSession, AuditEntry, Event, Response, SessionPerson, Theme

FIRST = FIRST_EVENT_FILE.read_text("utf-8")
CODES = [
    "opening",
    "keynotes",
    "break-1",
    "p1-assistance",
    "p1-health",
    "p1-income",
    "break-2",
    "p2-risks",
    "p2-coverage",
    "p2-digital",
    "financing",
    "closure",
]


def test_bundled_event_matches_the_concept_note():
    spec = parse_event_yaml(FIRST)
    assert spec.event["slug"] == "2020-11-10-social-protection"
    assert spec.event["timezone"] == "Asia/Shanghai"
    assert str(spec.event["date"]) == "2020-11-10"
    assert [item.code for item in spec.sessions] == CODES
    assert [item.code for item in spec.sessions if not item.takes_feedback] == [
        "break-1",
        "break-2",
    ]
    assert [theme.code for theme in spec.themes] == ["responses", "risks", "lessons"]
    for item in spec.sessions:
        assert item.title_en and item.title_zh and item.title_en != item.title_zh
    keynotes = next(item for item in spec.sessions if item.code == "keynotes")
    presenters = [p.name for p in keynotes.people if p.role == "presenter"]
    assert presenters == ["Liu Xitang", "Xu Yanjun", "Claire Courteille-Mulder"]
    digital = next(item for item in spec.sessions if item.code == "p2-digital")
    assert [p.name for p in digital.people if p.role == "discussant"] == [
        "Raúl Julián Ruggia Frick",
        "Umer Akhlaq Malik",
    ]
    health = next(item for item in spec.sessions if item.code == "p1-health")
    assert (health.starts_at.isoformat(), health.ends_at.isoformat()) == ("14:20:00", "15:05:00")


def test_seed_is_idempotent_and_opens_the_event(app, runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "session 'p1-health' added" in first.output
    again = runner.invoke(args=["seed"])
    assert again.exit_code == 0
    assert "already up to date" in again.output
    with app.app_context():
        db = get_session()
        event = db.scalar(select(Event))
        assert event.status == "open"
        assert db.scalar(select(func.count()).select_from(AgendaSession)) == 12
        assert db.scalar(select(func.count()).select_from(Theme)) == 3
        assert db.scalar(select(func.count()).select_from(SessionPerson)) > 25


def test_load_reports_what_changed(app, runner, tmp_path: Path, event):
    changed = FIRST.replace('title_en: "Plenary: Closure"', 'title_en: "Plenary: Closing"')
    assert changed != FIRST
    path = tmp_path / "event.yaml"
    path.write_text(changed, "utf-8")
    result = runner.invoke(args=["events", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "session 'closure': title_en changed" in result.output
    assert "1 change(s)" in result.output
    with app.app_context():
        closure = get_session().scalar(select(AgendaSession).where(AgendaSession.code == "closure"))
        assert closure.title_en == "Plenary: Closing"


def test_the_command_line_leaves_its_changes_in_the_audit_log(app, runner, tmp_path: Path, event):
    """What the console records when an organiser loads, opens or closes, the CLI records too."""
    path = tmp_path / "event.yaml"
    path.write_text(FIRST.replace("Plenary: Closure", "Plenary: Closing"), "utf-8")
    assert runner.invoke(args=["events", "load", str(path)]).exit_code == 0
    assert runner.invoke(args=["events", "load", str(path)]).exit_code == 0  # nothing changes
    assert runner.invoke(args=["events", "close", event.slug]).exit_code == 0
    assert runner.invoke(args=["events", "close", event.slug]).exit_code == 0  # already closed
    assert runner.invoke(args=["events", "open", event.slug]).exit_code == 0
    with app.app_context():
        entries = get_session().scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.event_id, e.organiser_id) for e in entries] == [
        ("event_loaded", event.id, None),
        ("event_closed", event.id, None),
        ("event_opened", event.id, None),
    ]
    assert entries[0].detail["by"] == "cli" and entries[0].detail["file"] == "event.yaml"
    assert entries[0].detail["changes"] == ["session 'closure': title_en changed"]


def _broken(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  timezone: Asia/Shanghai", "  timezone: Asia/Nowhere", "unknown time zone"),
        ('  starts_at: "13:00"', '  starts_at: "25:00"', "must be a time like"),
        ("  - code: p1-health", "  - code: P1 Health", "lower-case letters"),
        ("  - code: p1-health", "  - code: p1-assistance", "used twice"),
        ("    kind: plenary", "    kind: keynote", "must be one of"),
        ("series:", "series:\n  colour: blue", "unknown key 'colour'"),
        ("event:", "event: [1, 2]\nold_event:", "must be a mapping"),
        ('  date: "2020-11-10"', '  date: "2020-13-45"', "must be a date"),
        ("themes:", "themes:\n  - code: x\n    title_en: [", "not valid YAML"),
    ],
)
def test_malformed_file_names_line_and_problem(old, new, message):
    with pytest.raises(EventFileError) as caught:
        parse_event_yaml(_broken(FIRST, old, new))
    assert message in str(caught.value)
    assert caught.value.line is not None
    assert str(caught.value).startswith(f"line {caught.value.line}:")


def test_error_line_points_at_the_bad_key():
    text = _broken(FIRST, '  starts_at: "13:00"', '  starts_at: "1pm"')
    line = next(n for n, row in enumerate(text.splitlines(), 1) if '"1pm"' in row)
    with pytest.raises(EventFileError) as caught:
        parse_event_yaml(text)
    assert caught.value.line == line


def test_break_cannot_take_feedback():
    text = FIRST.replace("feedback: false", "feedback: true", 1)
    with pytest.raises(EventFileError, match="a break takes no feedback"):
        parse_event_yaml(text)


def test_malformed_file_through_cli_changes_nothing(app, runner, tmp_path: Path, event):
    path = tmp_path / "bad.yaml"
    path.write_text(FIRST.replace('title_en: "Plenary: Closure"', "title_en: [")[:-1], "utf-8")
    result = runner.invoke(args=["events", "load", str(path)])
    assert result.exit_code != 0
    assert "line " in result.output and "not valid YAML" in result.output
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    result = runner.invoke(args=["events", "load", str(binary)])
    assert result.exit_code != 0 and "not UTF-8" in result.output


def test_session_with_feedback_cannot_be_removed(app, event):
    with app.app_context():
        db = get_session()
        loaded = db.scalar(select(Event))
        item = next(item for item in loaded.sessions if item.code == "closure")
        db.add(Response(event_id=loaded.id, kind="feedback", session_id=item.id, overall=5))
        db.commit()
        lines = FIRST.splitlines()
        start = next(n for n, row in enumerate(lines) if row.strip() == "- code: closure")
        end = next(n for n, row in enumerate(lines) if row.startswith("themes:"))
        text = "\n".join(lines[:start] + lines[end:])
        with pytest.raises(EventFileError, match="already holds feedback"):
            apply_event(db, parse_event_yaml(text))
        db.rollback()
        assert "closure" in set(db.scalars(select(AgendaSession.code)))

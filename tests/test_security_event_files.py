"""Hostile event files: each is refused fast, with a message naming the problem, changing nothing.

Through the settings page (an organiser of the event), the admins' upload and the command
line. The files are built here from the bundled first event, so each differs from a good
file by the one thing it tests. "Fast" is measured in CPU time, which other processes on a
busy machine inflate far less than wall time: under a second for the whole refusal (the
parse itself takes 1 to 200 ms here).
"""

from __future__ import annotations

import html
import io
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.events import FIRST_EVENT_FILE
from survey_db.models import AgendaSession, AuditEntry, Event, Series, SessionPerson, Theme

from .admin_helpers import FIRST_SLUG, PASSWORD, csrf_token, login, make_organiser

#: CPU seconds a refusal may take. Parsing the largest hostile file costs about 0.1 s; a whole
#: request (CSRF, the settings page rendered with the message) took up to 0.52 s on a loaded
#: machine with the suite in two processes. The review's bomb held a worker for a minute.
REFUSAL_CPU_S = 1.0

FIRST = FIRST_EVENT_FILE.read_text("utf-8")
HEAD = FIRST[: FIRST.index("\nparts:")]
SESSION = """  - code: s{n}
    kind: plenary
    title_en: "Session {n}"
    title_zh: "会议 {n}"
    starts_at: "13:00"
    ends_at: "13:10"
"""
PERSON = """      - role: speaker
        name: "Person {n}"
"""
THEME = """  - code: t{n}
    title_en: "Theme {n}"
    title_zh: "主题 {n}"
"""


def _alias_bomb() -> str:
    """The reviewers' 33 KB file: a session with 3,000 aliased people, then 3,000 aliases of it."""
    people = "[&p {role: speaker, name: x}" + ", *p" * 3000 + "]"
    session = (
        "  - &s {code: a, kind: plenary, title_en: a, title_zh: a, "
        f'starts_at: "13:00", ends_at: "13:10", people: {people}}}\n'
    )
    return HEAD + "\nsessions:\n" + session + "  - *s\n" * 3000


def _replace(old: str, new: str) -> str:
    assert old in FIRST
    return FIRST.replace(old, new, 1)


def _many(template: str, count: int) -> str:
    return "".join(template.format(n=n) for n in range(count))


HOSTILE: dict[str, tuple[bytes, str]] = {
    "alias bomb": (_alias_bomb().encode(), "anchors (&s) are not allowed"),
    "alias": (_replace('name: "Luis Frota"', "name: *who").encode(), "aliases (*who)"),
    "merge key": (
        _replace("  - code: opening\n", "  - <<: *base\n    code: opening\n").encode(),
        "aliases (*base)",
    ),
    "anchor": (_replace('name: "Luis Frota"', 'name: &who "Luis Frota"').encode(), "anchors"),
    "python tag": (
        _replace('name: "Luis Frota"', "name: !!python/object/apply:os.system [id]").encode(),
        "tags (tag:yaml.org,2002:python/object/apply:os.system)",
    ),
    "binary tag": (_replace('name: "Luis Frota"', "name: !!binary aGk=").encode(), "tags"),
    "local tag": (_replace("kind: plenary", "kind: !plenary x").encode(), "tags (!plenary)"),
    "deep nesting": (
        _replace("hosts: [ILO, UNICEF, MCA, MOHRSS]", "hosts: " + "[" * 5000 + "]" * 5000).encode(),
        "nesting depth",
    ),
    "deep block nesting": (
        _replace(
            "  hosts: [ILO, UNICEF, MCA, MOHRSS]",
            "  hosts:\n" + "".join("  " * (n + 2) + "- \n" for n in range(40)),
        ).encode(),
        "nesting depth",
    ),
    "huge integer": (_replace("hosts: [ILO,", "hosts: [" + "9" * 5000 + ",").encode(), "number"),
    "duplicate key": (
        _replace(
            '  title_zh: "联合国社会保护政策对话系列"', '  title_zh: "x"\n  title_zh: "y"'
        ).encode(),
        "'title_zh' is given twice",
    ),
    "too many sessions": (
        (HEAD + "\nsessions:\n" + _many(SESSION, 201)).encode(),
        "'sessions' lists 201 items, more than the 200 allowed",
    ),
    "too many people": (
        _replace("    people:\n", "    people:\n" + _many(PERSON, 61)).encode(),
        "'people' lists 64 items, more than the 60 allowed",
    ),
    "too many people in all": (
        (
            HEAD
            + "\nsessions:\n"
            + "".join(SESSION.format(n=n) + "    people:\n" + _many(PERSON, 51) for n in range(20))
        ).encode(),
        "more than 1000 people in all",
    ),
    "too many themes": (
        (FIRST + _many(THEME, 51)).encode(),
        "'themes' lists 54 items, more than the 50 allowed",
    ),
    "two documents": ((FIRST + "\n---\n" + FIRST).encode(), "not valid YAML"),
    "too large": ((FIRST + "#" * 300_000).encode(), "larger than 256 KB"),
    "utf-16": (FIRST.encode("utf-16"), "not UTF-8 text"),
    "latin-1": (FIRST.replace("联合国", "Nações").encode("latin-1", "replace"), "not UTF-8"),
    "nul byte": (_replace('name: "Luis Frota"', 'name: "Luis\x00Frota"').encode(), "NUL"),
    "control character": (
        _replace('name: "Luis Frota"', "name: Luis\x07Frota").encode(),
        "U+0007 is not allowed",
    ),
    "long text": (_replace('name: "Luis Frota"', f'name: "{"x" * 5000}"').encode(), "longer than"),
}


def _state(app) -> list:
    """Everything an event file can change, to compare before and after."""
    with app.app_context():
        db = get_session()
        rows = [
            db.execute(select(table).order_by(table.id)).scalars().all()
            for table in (Series, Event, AgendaSession, SessionPerson, Theme)
        ]
        return [
            [{k: v for k, v in vars(row).items() if not k.startswith("_")} for row in table]
            for table in rows
        ]


def _refusals(app) -> list[AuditEntry]:
    with app.app_context():
        return list(
            get_session().scalars(select(AuditEntry).where(AuditEntry.action == "upload_failed"))
        )


def _post(client, url: str, raw: bytes):
    token = csrf_token(client, url if "settings" in url else "/admin/")
    data = {"csrf_token": token, "file": (io.BytesIO(raw), "event.yaml")}
    started = time.process_time()
    response = client.post(url, data=data, content_type="multipart/form-data")
    return response, time.process_time() - started


@pytest.mark.parametrize("name", list(HOSTILE))
def test_settings_page_refuses_hostile_file_fast(app, organiser_client, name):
    raw, message = HOSTILE[name]
    before = _state(app)
    response, seconds = _post(organiser_client, f"/admin/e/{FIRST_SLUG}/settings", raw)
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    assert seconds < REFUSAL_CPU_S, f"{name}: {seconds:.2f} s"
    assert _state(app) == before
    (refusal,) = _refusals(app)
    assert message in refusal.detail["problem"] and refusal.event_id is not None


@pytest.mark.parametrize("name", ["alias bomb", "deep nesting", "huge integer", "too large"])
def test_admin_upload_refuses_hostile_file_fast(app, client, event, name):
    raw, message = HOSTILE[name]
    make_organiser(app, "admin@example.org", PASSWORD, admin=True)
    login(client, "admin@example.org", PASSWORD)
    before = _state(app)
    response, seconds = _post(client, "/admin/events/upload", raw)
    assert response.status_code == 400 and seconds < REFUSAL_CPU_S
    assert message in html.unescape(response.get_data(as_text=True))
    assert _state(app) == before
    assert len(_refusals(app)) == 1


@pytest.mark.parametrize(
    "name", [n for n in HOSTILE if n not in ("utf-16", "latin-1", "too large")]
)
def test_command_line_refuses_hostile_file_fast(app, runner, event, tmp_path: Path, name):
    raw, message = HOSTILE[name]
    path = tmp_path / "event.yaml"
    path.write_bytes(raw)
    before = _state(app)
    started = time.process_time()
    result = runner.invoke(args=["events", "load", str(path)])
    seconds = time.process_time() - started
    assert result.exit_code != 0 and message in result.output
    assert seconds < REFUSAL_CPU_S, f"{name}: {seconds:.2f} s"
    assert _state(app) == before


def test_file_is_checked_before_the_write_lock_is_taken(app, organiser_client, monkeypatch):
    """While the file is parsed, another writer can still take SQLite's lock at once."""
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite"):
        pytest.skip("the write lock that stalls other writers is SQLite's")
    import survey_app.admin.forms as forms

    parse = forms.parse_event_yaml
    seen: list[str] = []

    def parse_and_try_the_lock(text: str):
        other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append("free")
        except sqlite3.OperationalError as error:
            seen.append(str(error))
        finally:
            other.close()
        return parse(text)

    monkeypatch.setattr(forms, "parse_event_yaml", parse_and_try_the_lock)
    changed = FIRST.replace('title_en: "Plenary: Closure"', 'title_en: "Plenary: Closing"')
    response, _seconds = _post(
        organiser_client, f"/admin/e/{FIRST_SLUG}/settings", changed.encode()
    )
    assert response.status_code == 200 and "title_en changed" in response.get_data(as_text=True)
    assert seen == ["free"]

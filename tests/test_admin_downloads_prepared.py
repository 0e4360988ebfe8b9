"""A large event's workbooks: prepared in the background, then downloaded from their page.

The builds run for real (``flask export`` in a process of its own, as the console starts it);
no request waits for one. The threshold is lowered so that a few answers make an event large.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from survey_app.admin.downloads import LOG_NAME, XLSX
from survey_app.db import get_session
from survey_db.models import AuditEntry, Event

from .admin_helpers import (
    PASSWORD,
    add_response,
    csrf_token,
    login,
    make_organiser,
    sign_in_browser,
    stranger,
)
from .browser_helpers import pages_look_every_second
from .conftest import FIRST_SLUG

CONSOLE = f"/admin/e/{FIRST_SLUG}"
DOWNLOADS = f"{CONSOLE}/downloads"
STATUS = f"{DOWNLOADS}/status"
OURS = "Wage subsidies kept our factory open."
THEIRS = "Secret words of the other dialogue."


@pytest.fixture(autouse=True)
def large(app: Flask, tmp_path: Path) -> Path:
    """Every event with an answer counts as large; an instance folder of the test's own."""
    app.config["DOWNLOAD_BACKGROUND_FROM"] = 0
    folder = tmp_path / "instance"
    folder.mkdir()
    app.instance_path = str(folder)
    return folder


@pytest.fixture
def answers(app: Flask, event: Event) -> None:
    add_response(app, FIRST_SLUG, text=OURS, name="=HYPERLINK(1)", show_name=True)
    add_response(app, FIRST_SLUG, kind="feedback", most_useful=OURS, overall=5)


def prepare(client: FlaskClient, key: str) -> tuple[int, str, float]:
    """Press *Prepare* of one workbook; give the status, where it leads and how long."""
    token = csrf_token(client, DOWNLOADS)
    started = time.monotonic()
    answer = client.post(DOWNLOADS, data={"csrf_token": token, "workbook": key})
    return answer.status_code, answer.headers.get("Location", ""), time.monotonic() - started


def state_of(client: FlaskClient, key: str) -> str:
    """The state the page's script sees for one workbook."""
    html = client.get(STATUS).get_json()["html"]
    found = re.search(rf'id="workbook-{key}".*?data-state="(\w+)"', html, re.DOTALL)
    assert found is not None, html
    return found.group(1)


def wait_until_built(app: Flask, client: FlaskClient, key: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = state_of(client, key)
        if state != "working":
            log = Path(app.instance_path, LOG_NAME)
            assert state == "done", log.read_text() if log.exists() else state
            return
        time.sleep(0.5)
    raise AssertionError(f"{key} was not built in {timeout} s")


def actions(app: Flask) -> list[tuple[str, dict]]:
    with app.app_context():
        entries = get_session().scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.action, entry.detail) for entry in entries if "download" in entry.action]


def texts(data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data))
    return [
        value
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if isinstance(value, str)
    ]


def test_a_download_of_a_large_event_sends_the_organiser_to_prepare_it(
    app: Flask, organiser_client: FlaskClient, answers: None
):
    for url, key in (
        (f"{CONSOLE}/summary.xlsx?language=zh", "summary-zh"),
        (f"{CONSOLE}/summary.xlsx?demo=yes", "summary-demo"),
        (f"{CONSOLE}/responses.xlsx", "raw"),
    ):
        answer = organiser_client.get(url)
        assert answer.status_code == 302 and answer.location.endswith(f"{DOWNLOADS}#workbook-{key}")
    page = organiser_client.get(DOWNLOADS).get_data(as_text=True)
    assert "too many answers to build its workbook while you wait" in page
    assert "This event has 2 answers." in page and page.count("Not prepared yet.") == 5
    assert actions(app) == []  # nothing was built, nothing sent


@pytest.mark.slow
def test_a_prepared_workbook_is_built_in_the_background_and_then_sent(
    app: Flask, organiser_client: FlaskClient, answers: None
):
    add_response(app, FIRST_SLUG, text="Marked as spam", status="spam")
    status, location, seconds = prepare(organiser_client, "summary")
    assert status == 302 and location.endswith(DOWNLOADS) and seconds < 2
    status, _, _ = prepare(organiser_client, "raw")
    assert status == 302
    page = organiser_client.get(DOWNLOADS).get_data(as_text=True)
    assert "The workbook is being prepared." in page
    wait_until_built(app, organiser_client, "summary")
    wait_until_built(app, organiser_client, "raw")

    summary = organiser_client.get(f"{CONSOLE}/prepared.xlsx?workbook=summary")
    assert summary.status_code == 200 and summary.mimetype == XLSX
    assert f"filename={FIRST_SLUG}-summary.xlsx" in summary.headers["Content-Disposition"]
    assert any(OURS in text for text in texts(summary.get_data()))
    raw = organiser_client.get(f"{CONSOLE}/prepared.xlsx?workbook=raw")
    assert f"filename={FIRST_SLUG}-responses.xlsx" in raw.headers["Content-Disposition"]
    found = texts(raw.get_data())
    assert "=HYPERLINK(1)" in found and "Marked as spam" in found  # raw: every status

    done = actions(app)
    assert [action for action, _ in done] == [
        "download_prepare",
        "download_prepare",
        "download",
        "download",
    ]
    assert done[0][1]["workbook"] == "summary" and done[0][1]["pid"] > 0
    assert done[2][1]["workbook"] == "summary" and done[2][1]["lang"] == "en"
    assert done[3][1]["workbook"] == "raw" and done[3][1]["prepared_at"]
    page = organiser_client.get(DOWNLOADS).get_data(as_text=True)
    assert "Prepare again" in page and page.count("Not prepared yet.") == 3

    # The file is the organiser's own: another organiser of the event (an admin) must
    # prepare theirs, and an organiser of another event learns nothing.
    make_organiser(app, "admin@example.org", PASSWORD, admin=True)
    admin = app.test_client()
    login(admin, "admin@example.org", PASSWORD)
    refused = admin.get(f"{CONSOLE}/prepared.xlsx?workbook=summary")
    assert refused.status_code == 302 and refused.location.endswith(DOWNLOADS)
    assert "That workbook is not ready" in admin.get(DOWNLOADS).get_data(as_text=True)
    other = stranger(app)
    for url in (DOWNLOADS, STATUS, f"{CONSOLE}/prepared.xlsx?workbook=summary"):
        assert other.get(url).status_code == 404
    assert len(actions(app)) == 4


def test_a_workbook_not_offered_starts_nothing(
    app: Flask, organiser_client: FlaskClient, answers: None, large: Path
):
    status, location, _ = prepare(organiser_client, "../../etc/passwd")
    assert status == 302 and location.endswith(DOWNLOADS)
    answer = organiser_client.post(DOWNLOADS, data={"workbook": "summary"})  # no CSRF token
    assert answer.status_code == 400
    page = organiser_client.get(DOWNLOADS).get_data(as_text=True)
    assert "The button had expired" in page
    assert not (large / "downloads").exists() and actions(app) == []
    unknown = organiser_client.get(f"{CONSOLE}/prepared.xlsx?workbook=nonsense")
    assert unknown.status_code == 302 and unknown.location.endswith(DOWNLOADS)


def test_the_export_command_writes_its_progress_for_the_page(
    app: Flask, answers: None, tmp_path: Path
):
    output, progress = tmp_path / "raw.xlsx", tmp_path / "raw.json"
    arguments = ["export", FIRST_SLUG, "-o", str(output), "--raw", "--progress", str(progress)]
    result = app.test_cli_runner().invoke(args=arguments)
    assert result.exit_code == 0, result.output
    assert "Wrote the raw responses" in result.output
    assert json.loads(progress.read_text())["done"] is True
    assert OURS in texts(output.read_bytes())


def test_the_export_command_refuses_an_organiser_who_may_not_see_the_event(
    app: Flask, answers: None, tmp_path: Path
):
    other = make_organiser(app, "other@example.org", PASSWORD, events=[])
    arguments = ["export", FIRST_SLUG, "-o", str(tmp_path / "s.xlsx"), "--for-organiser"]
    result = app.test_cli_runner().invoke(args=[*arguments, str(other.id)])
    assert result.exit_code != 0 and "may not see" in result.output
    assert not (tmp_path / "s.xlsx").exists()


@pytest.mark.slow
@pytest.mark.browser
def test_the_page_shows_the_build_and_then_its_file_without_a_reload(
    app: Flask,
    browser,
    live_server: str,
    answers: None,
    event: Event,
    monkeypatch: pytest.MonkeyPatch,
):
    pages_look_every_second(monkeypatch)
    make_organiser(app, "org@example.org", PASSWORD, events=[event])
    page = browser.new_page()
    sign_in_browser(page, live_server, "org@example.org")
    page.goto(f"{live_server}{CONSOLE}/summary.xlsx")
    assert page.url.endswith(f"{DOWNLOADS}#workbook-summary")
    item = page.locator("#workbook-summary")
    item.get_by_role("button", name="Prepare").click()
    page.wait_for_url(f"{live_server}{DOWNLOADS}")
    page.evaluate("window.notReloaded = true")
    link = page.locator("#workbook-summary a", has_text="Download (.xlsx)")
    link.wait_for(timeout=120_000)  # the script swaps the item in when the build is done
    assert page.evaluate("window.notReloaded === true")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"{FIRST_SLUG}-summary.xlsx"
    assert any(OURS in text for text in texts(Path(download.value.path()).read_bytes()))
    page.close()


def test_a_small_event_downloads_at_once_and_its_page_says_so(
    app: Flask, organiser_client: FlaskClient, answers: None
):
    app.config["DOWNLOAD_BACKGROUND_FROM"] = 2
    answer = organiser_client.get(f"{CONSOLE}/summary.xlsx")
    assert answer.status_code == 200 and answer.mimetype == XLSX
    page = organiser_client.get(DOWNLOADS).get_data(as_text=True)
    assert "This event has 2 answers: its workbooks download at once from the Overview." in page
    add_response(app, FIRST_SLUG, text="One more answer makes it large.")
    assert organiser_client.get(f"{CONSOLE}/summary.xlsx").status_code == 302


def test_prepared_files_older_than_a_day_are_removed(
    app: Flask, organiser_client: FlaskClient, answers: None, large: Path
):
    stale = large / "downloads" / "999" / FIRST_SLUG / "raw.xlsx"  # someone else's, long ago
    fresh = large / "downloads" / "999" / FIRST_SLUG / "summary.xlsx"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    fresh.write_bytes(b"new")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(stale, (two_days_ago, two_days_ago))
    assert organiser_client.get(DOWNLOADS).status_code == 200
    assert not stale.exists() and fresh.exists()

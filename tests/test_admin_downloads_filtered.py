"""A long filtered responses list: its workbook prepared in the background, like a large event's.

The build runs for real (``flask export --filtered`` in a process of its own); the threshold
is lowered so that two answers make a list long.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from survey_app.admin.downloads import XLSX
from survey_db.models import Event

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
from .test_admin_downloads_prepared import actions, texts, wait_until_built

CONSOLE = f"/admin/e/{FIRST_SLUG}"
DOWNLOADS = f"{CONSOLE}/downloads"
LIST = f"{CONSOLE}/responses/filtered.xlsx"
OURS = "Wage subsidies kept our factory open."
ALSO_OURS = "Training vouchers for young workers."
NOT_OURS = "Academic words outside the filter."


@pytest.fixture(autouse=True)
def long_from_two(app: Flask, tmp_path: Path) -> Path:
    """A list of two answers or more is long; an instance folder of the test's own."""
    app.config["DOWNLOAD_BACKGROUND_FROM"] = 1
    folder = tmp_path / "instance"
    folder.mkdir()
    app.instance_path = str(folder)
    return folder


@pytest.fixture
def answers(app: Flask, event: Event) -> None:
    add_response(app, FIRST_SLUG, stakeholder="government", text=OURS)
    add_response(app, FIRST_SLUG, stakeholder="government", text=ALSO_OURS, name="=CMD()")
    add_response(app, FIRST_SLUG, stakeholder="academia", text=NOT_OURS)


def rows_of(data: bytes) -> list[int]:
    """The response ids of a responses workbook."""
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(index for index, row in enumerate(rows) if row[0] == "id")
    return [row[0] for row in rows[header + 1 :] if row[0] is not None]


def key_in(location: str) -> str:
    found = re.search(r"#workbook-(filtered-[0-9a-f]{16})$", location)
    assert found is not None, location
    return found.group(1)


def test_a_short_filtered_list_downloads_at_once(
    app: Flask, organiser_client: FlaskClient, answers: None
):
    answer = organiser_client.get(f"{LIST}?stakeholder=academia")
    assert answer.status_code == 200 and answer.mimetype == XLSX
    assert NOT_OURS in texts(answer.get_data())
    assert [action for action, _ in actions(app)] == ["download"]


def test_a_long_filtered_list_sends_the_organiser_to_prepare_it(
    app: Flask, organiser_client: FlaskClient, answers: None
):
    answer = organiser_client.get(f"{LIST}?stakeholder=government&q=+")
    assert answer.status_code == 302
    target = urlsplit(answer.location)
    assert target.path == DOWNLOADS and "list=filtered" in target.query
    key = key_in(answer.location)
    # The same filters, in another order or with blanks, are the same workbook.
    again = organiser_client.get(f"{LIST}?q=&kind=&stakeholder=government")
    assert key_in(again.location) == key
    unfiltered = organiser_client.get(LIST)
    assert key_in(unfiltered.location) != key

    page = organiser_client.get(answer.location).get_data(as_text=True)
    assert "This list has too many answers to build its workbook while you wait" in page
    item = re.search(rf'<li data-live="workbook" id="workbook-{key}">.*?</li>', page, re.DOTALL)
    assert item is not None, page
    assert "The responses list: From: Government" in item.group()
    assert "Not prepared yet." in item.group()
    assert 'name="filters" value="stakeholder=government"' in item.group()
    # The page's script follows the same list.
    status = re.search(r'data-live-url="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert f'id="workbook-{key}"' in organiser_client.get(status).get_json()["html"]
    # A plain visit lists only what was prepared: nothing yet.
    assert "workbook-filtered-" not in organiser_client.get(DOWNLOADS).get_data(as_text=True)
    assert actions(app) == []


@pytest.mark.slow
def test_a_long_filtered_list_is_built_in_the_background_and_then_sent(
    app: Flask, organiser_client: FlaskClient, answers: None
):
    key = key_in(organiser_client.get(f"{LIST}?stakeholder=government").location)
    token = csrf_token(organiser_client, DOWNLOADS)
    answer = organiser_client.post(
        DOWNLOADS,
        data={"csrf_token": token, "workbook": "filtered", "filters": "stakeholder=government"},
    )
    assert answer.status_code == 302 and answer.location.endswith(DOWNLOADS)
    wait_until_built(app, organiser_client, key)
    page = organiser_client.get(DOWNLOADS).get_data(as_text=True)
    assert "The responses list: From: Government" in page  # listed once prepared

    sent = organiser_client.get(f"{CONSOLE}/prepared.xlsx?workbook={key}")
    assert sent.status_code == 200 and sent.mimetype == XLSX
    assert f"filename={FIRST_SLUG}-responses-filtered.xlsx" in sent.headers["Content-Disposition"]
    found = texts(sent.get_data())
    assert OURS in found and ALSO_OURS in found and "=CMD()" in found
    assert NOT_OURS not in found and len(rows_of(sent.get_data())) == 2

    done = actions(app)
    assert [action for action, _ in done] == ["download_prepare", "download"]
    assert done[0][1]["workbook"] == "filtered" and done[0][1]["pid"] > 0
    assert done[0][1]["filters"] == {"stakeholder": "government"}
    assert done[1][1]["filters"] == {"stakeholder": "government"} and done[1][1]["rows"] == 2

    # The file is the organiser's own, as every prepared workbook.
    make_organiser(app, "admin@example.org", PASSWORD, admin=True)
    admin = app.test_client()
    login(admin, "admin@example.org", PASSWORD)
    refused = admin.get(f"{CONSOLE}/prepared.xlsx?workbook={key}")
    assert refused.status_code == 302 and refused.location.endswith(DOWNLOADS)
    assert stranger(app).get(f"{CONSOLE}/prepared.xlsx?workbook={key}").status_code == 404
    assert len(actions(app)) == 2


def test_odd_filters_and_keys_start_nothing_and_break_nothing(
    app: Flask, organiser_client: FlaskClient, answers: None, long_from_two: Path
):
    odd = f"{DOWNLOADS}?list=filtered&slug=other&_anchor=x&level=%00&stakeholder=nobody"
    assert organiser_client.get(odd).status_code == 200
    assert organiser_client.get(odd.replace("/downloads", "/downloads/status")).status_code == 200
    for key in ("filtered-../../etc", "filtered-0123456789abcdef", "filtered"):
        answer = organiser_client.get(f"{CONSOLE}/prepared.xlsx?workbook={key}")
        assert answer.status_code == 302 and answer.location.endswith(DOWNLOADS)
    answer = organiser_client.post(
        DOWNLOADS, data={"workbook": "filtered", "filters": "stakeholder=government"}
    )
    assert answer.status_code == 400  # no CSRF token
    assert not (long_from_two / "downloads").exists() and actions(app) == []


def test_the_export_command_writes_the_filtered_list(app: Flask, answers: None, tmp_path: Path):
    output, progress = tmp_path / "list.xlsx", tmp_path / "list.json"
    arguments = ["export", FIRST_SLUG, "-o", str(output), "--progress", str(progress)]
    result = app.test_cli_runner().invoke(
        args=[*arguments, "--filtered", "stakeholder=academia&q=academic"]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote the 1 responses of the filtered list" in result.output
    assert json.loads(progress.read_text()) == {"rows": 1, "expected": 1, "done": True}
    found = texts(output.read_bytes())
    assert NOT_OURS in found and OURS not in found


def test_the_workbooks_page_is_a_tab_of_the_event(organiser_client: FlaskClient, event: Event):
    tab = f'<a href="{DOWNLOADS}"'
    overview = organiser_client.get(f"{CONSOLE}/").get_data(as_text=True)
    assert f"{tab}>Workbooks</a>" in overview
    page = organiser_client.get(DOWNLOADS).get_data(as_text=True)
    assert f'{tab} aria-current="page">Workbooks</a>' in page


@pytest.mark.slow
@pytest.mark.browser
def test_the_list_link_leads_to_its_prepared_file_in_the_browser(
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
    page.goto(f"{live_server}{CONSOLE}/responses?stakeholder=government")
    page.get_by_role("link", name="Download this list (.xlsx)").click()
    page.wait_for_url(re.compile(r".*/downloads\?.*#workbook-filtered-[0-9a-f]{16}$"))
    item = page.locator("li[id^=workbook-filtered-]")
    assert "The responses list: From: Government" in item.inner_text()
    item.get_by_role("button", name="Prepare").click()
    page.wait_for_url(f"{live_server}{DOWNLOADS}")
    link = page.locator("li[id^=workbook-filtered-] a", has_text="Download (.xlsx)")
    link.wait_for(timeout=120_000)  # the script swaps the item in when the build is done
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"{FIRST_SLUG}-responses-filtered.xlsx"
    found = texts(Path(download.value.path()).read_bytes())
    assert OURS in found and NOT_OURS not in found
    page.close()

"""The console's levels, lists, queue and live figures in Chromium, as an organiser uses them.

At 1280 px every table shows every column; a matrix cell leads to its answers with the filters
shown and removable; the queue accepts with a key and in bulk; Tag now runs the real job and
the page follows it; the overview's figures change in place, focus kept.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from pipeline.runner import run_pipeline
from survey_app.admin import overview
from survey_app.db import get_session
from survey_db.models import Event, ResponseTag

from .admin_helpers import PASSWORD, add_response, make_organiser, sign_in_browser
from .browser_helpers import pages_look_every_second
from .conftest import FIRST_SLUG

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
STIMULUS_TEXT = "Wage subsidies and social insurance contribution waivers kept workers in jobs."
VIRUS_TEXT = "Many workers fell ill with the virus and could not pay for treatment."
ZH_TEXT = "疫情期间很多工人失业了，收入大幅下降。"

#: Tables whose content is wider than their box: at 1280 px a column would be cut off (or
#: only reachable by scrolling the table sideways).
_CUT_TABLES = """() => [...document.querySelectorAll('.table-wrap')]
    .filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1)
    .map((wrap) => wrap.textContent.trim().slice(0, 40) + ': ' + wrap.scrollWidth + ' > '
        + wrap.clientWidth)"""


def console_page(browser: Any, live_server: str, language: str = "") -> Any:
    """A desktop browser page signed in as the event's organiser."""
    page = browser.new_context(viewport=DESKTOP).new_page()
    sign_in_browser(page, live_server, "levels@example.org", language)
    return page


@pytest.fixture
def tagged_event(app: Flask, event: Event) -> dict[str, int]:
    """Answers in both languages, tagged by the real pipeline; an organiser who may see them."""
    make_organiser(app, "levels@example.org", PASSWORD, events=[event], admin=True)
    ids = {
        "stimulus": add_response(app, FIRST_SLUG, text=STIMULUS_TEXT, stakeholder="government"),
        "virus": add_response(app, FIRST_SLUG, text=VIRUS_TEXT, stakeholder="academia"),
        "zh": add_response(app, FIRST_SLUG, text=ZH_TEXT, language="zh"),
        "feedback": add_response(app, FIRST_SLUG, "feedback", improve=VIRUS_TEXT, overall=3),
    }
    run_pipeline(app.extensions["survey_db"]["engine"])
    return ids


@pytest.mark.parametrize("language", ["en", "zh"])
def test_at_1280_px_every_console_table_shows_every_column(
    browser: Any, live_server: str, tagged_event: dict[str, int], language: str
):
    page = console_page(browser, live_server, language)
    console = f"{live_server}/admin/e/{FIRST_SLUG}"
    cut = {}
    for path in (
        "/",
        "/levels",
        "/responses",
        f"/responses/{tagged_event['stimulus']}",
        "/review",
        "/levels?demo=yes",
    ):
        answer = page.goto(console + path)
        assert answer is not None and answer.status == 200, path
        if found := page.evaluate(_CUT_TABLES):
            cut[path] = found
    for path in ("/admin/runs", "/admin/"):
        page.goto(live_server + path)
        if found := page.evaluate(_CUT_TABLES):
            cut[path] = found
    assert not cut


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("zh", 360)])
def test_a_matrix_cell_leads_to_its_answers_with_removable_filters(
    browser: Any, live_server: str, tagged_event: dict[str, int], language: str, width: int
):
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    sign_in_browser(page, live_server, "levels@example.org", language)
    page.goto(f"{live_server}/admin/e/{FIRST_SLUG}/levels")

    def found() -> int:
        return int(re.search(r"\d+", page.locator("#result-count").inner_text()).group())

    cell = page.locator("#by-theme tfoot td.cell").nth(3).locator("a.count")  # stimulus, all
    count = int(cell.inner_text())
    assert count >= 1
    cell.click()
    page.wait_for_url("**/responses?**")
    assert found() == count
    expect(page.locator("ul.chips a")).to_have_count(3)  # counted, kind, level
    expect(page.locator("td.text mark.stimulus").first).to_be_visible()
    page.locator("ul.chips a[data-filter=level]").click()
    expect(page.locator("ul.chips a")).to_have_count(2)
    assert found() == 3
    page.select_option("#f-stakeholder", "academia")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("ul.chips a")).to_have_count(3)
    assert found() == 1
    page.get_by_role("link", name=str(tagged_event["virus"]), exact=True).click()
    back = page.locator("#neighbours a:not([rel])")
    expect(back).to_be_visible()
    assert "stakeholder=academia" in back.get_attribute("href")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_queue_accepts_with_a_key_and_in_bulk_on_a_phone(
    app: Flask, browser: Any, live_server: str, tagged_event: dict[str, int], language: str
):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    page = context.new_page()
    sign_in_browser(page, live_server, "levels@example.org", language)
    page.goto(f"{live_server}/admin/e/{FIRST_SLUG}/review")
    expect(page.locator("#queue-keys")).to_be_visible()  # the script runs
    cards = page.locator("ol.queue li.card")
    before = cards.count()
    assert before == 4
    page.keyboard.press("j")
    first = page.evaluate("document.activeElement.id")
    page.keyboard.press("a")
    page.wait_for_url("**/review#queue")
    expect(cards).to_have_count(before - 1)
    page.locator("ol.queue input[name=ids]").nth(0).check()
    page.locator("ol.queue input[name=ids]").nth(1).check()
    page.locator("#bulk button").click()
    expect(cards).to_have_count(before - 3)
    with app.app_context():
        rows = get_session().execute(select(ResponseTag.response_id, ResponseTag.review_state))
        states = {response_id: state for response_id, state in rows}
    assert states[int(first.removeprefix("r"))] == "confirmed"
    assert sorted(states.values()).count("confirmed") == 3


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("zh", 360)])
def test_tag_now_runs_the_job_and_the_page_follows_it(
    app: Flask,
    browser: Any,
    live_server: str,
    tagged_event: dict[str, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
    width: int,
):
    from playwright.sync_api import expect

    pages_look_every_second(monkeypatch)
    app.instance_path = str(tmp_path)
    new = add_response(app, FIRST_SLUG, text=STIMULUS_TEXT)
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    sign_in_browser(page, live_server, "levels@example.org", language)
    page.goto(f"{live_server}/admin/e/{FIRST_SLUG}/levels")
    page.evaluate("window.notReloaded = true")
    before = int(page.locator("#run-status [data-run]").get_attribute("data-run"))
    page.locator("#tag-now button").click()
    expect(page.locator(".notice").first).to_be_visible()
    page.evaluate("window.notReloaded = true")
    this_run = page.locator(f'#run-status [data-run="{before + 1}"]')
    expect(this_run).to_be_visible(timeout=30_000)
    expect(this_run).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(this_run).to_contain_text("Succeeded" if language == "en" else "成功")
    assert page.evaluate("window.notReloaded") is True  # followed in place, not reloaded
    with app.app_context():
        assert get_session().scalar(select(ResponseTag).where(ResponseTag.response_id == new))


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("zh", 360)])
def test_the_overview_updates_in_place_and_keeps_focus(
    app: Flask,
    browser: Any,
    live_server: str,
    tagged_event: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    language: str,
    width: int,
):
    from playwright.sync_api import expect

    monkeypatch.setattr(overview, "LIVE_EVERY", 2)
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    sign_in_browser(page, live_server, "levels@example.org", language)
    page.goto(f"{live_server}/admin/e/{FIRST_SLUG}/")
    expect(page.locator("#live-note")).to_contain_text(" 2 ")
    opening = page.locator("#session-table tbody tr").first.locator("td").first
    assert opening.inner_text() == "1"
    page.evaluate("window.notReloaded = true")
    queue_link = page.locator("main p > a[href$='/review']")
    queue_link.focus()
    add_response(app, FIRST_SLUG, "feedback", overall=5)
    expect(opening).to_have_text("2", timeout=15_000)
    assert page.evaluate("window.notReloaded") is True
    expect(queue_link).to_be_focused()

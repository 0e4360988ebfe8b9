"""The codebook suggestions in a real browser: the page answers at once, works them out in the
background, and its script shows them when they are ready; without script, a link does."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import survey_app.background as background
from survey_db.models import Event

from .admin_helpers import PASSWORD, STALL, add_response, make_organiser, reviewed, sign_in_browser
from .browser_helpers import pages_look_every_second
from .conftest import FIRST_SLUG

pytestmark = pytest.mark.browser


def test_the_suggestions_appear_when_worked_out_and_can_be_worked_out_again(
    app: Flask, event: Event, live_server: str, browser: Any, monkeypatch: pytest.MonkeyPatch
):
    from playwright.sync_api import expect

    pages_look_every_second(monkeypatch)
    make_organiser(app, "admin@example.org", PASSWORD, admin=True)
    for text in (STALL, "Another stall-out closed three more stalls."):
        add_response(app, FIRST_SLUG, text=text, tags=reviewed([], ["economic_crisis"]))
    page = browser.new_context().new_page()
    sign_in_browser(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/codebook")
    expect(page.locator("#suggestions-working")).to_contain_text("Working out the suggestions")
    expect(page.get_by_role("link", name="Show the suggestions")).to_be_visible()
    address = page.url
    # the script swaps the list in, without a reload
    expect(page.locator("#suggestions")).to_contain_text("stall-out", timeout=180_000)
    assert page.url == address and page.locator("#suggestions-working").count() == 0
    expect(page.locator("#suggestions-worked-out")).to_contain_text("Worked out at")
    page.get_by_role("button", name="Work out again").click()
    expect(page.locator("#suggestions-working")).to_be_visible()
    expect(page.locator("#suggestions")).to_contain_text("stall-out", timeout=180_000)


def test_a_failed_job_is_shown_the_script_stops_asking_and_try_again_works_it_out(
    app: Flask,
    event: Event,
    live_server: str,
    browser: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    from playwright.sync_api import expect

    pages_look_every_second(monkeypatch)
    make_organiser(app, "admin@example.org", PASSWORD, admin=True)
    for text in (STALL, "Another stall-out closed three more stalls."):
        add_response(app, FIRST_SLUG, text=text, tags=reviewed([], ["economic_crisis"]))
    environment = background.job_environment
    broken = {"SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}  # no tables
    monkeypatch.setattr(background, "job_environment", lambda app: environment(app) | broken)
    page = browser.new_context().new_page()
    sign_in_browser(page, live_server, "admin@example.org")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{live_server}/admin/codebook")
    expect(page.locator("#suggestions-working")).to_be_visible()
    failed = page.locator("#suggestions-failed")
    expect(failed).to_contain_text("could not be worked out", timeout=180_000)
    expect(failed.locator("code")).to_contain_text("no such table")
    assert sum(url.split("?")[0].endswith("/admin/codebook") for url in asked) >= 2
    looks = len(asked)
    time.sleep(3)  # more than two of the script's intervals (1 s here)
    assert len(asked) == looks, asked[looks:]  # the script stopped asking
    monkeypatch.setattr(background, "job_environment", environment)  # the next has its database
    page.get_by_role("button", name="Try again").click()
    expect(page.locator("#suggestions-working")).to_be_visible()
    expect(page.locator("#suggestions")).to_contain_text("stall-out", timeout=180_000)


def test_without_script_the_link_shows_the_suggestions(
    app: Flask, event: Event, live_server: str, browser: Any
):
    from playwright.sync_api import expect

    make_organiser(app, "admin@example.org", PASSWORD, admin=True)
    add_response(app, FIRST_SLUG, text=STALL, tags=reviewed([], ["economic_crisis"]))
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in_browser(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/codebook?min_support=1")
    link = page.get_by_role("link", name="Show the suggestions")
    for _look in range(180):
        if page.locator("#suggestions-working").count() == 0:
            break
        page.wait_for_timeout(1000)
        link.click()
    expect(page.locator("#suggestions")).to_contain_text("stall-out")

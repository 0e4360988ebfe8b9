"""The console in a real browser: sign in, filter, correct a tag, download the summary.

Runs headless Chromium (Debian's ``/usr/bin/chromium``) through Playwright's sync API
against the app served by a real server thread. Skipped when Chromium is missing, except in
CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.serving import make_server

from pipeline.runner import run_pipeline
from survey_app.db import get_session
from survey_app.models import Event, ResponseTag

from .admin_helpers import PASSWORD, make_organiser
from .conftest import FIRST_SLUG
from .test_admin_responses import add_response

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STIMULUS_TEXT = "Wage subsidies and social insurance contribution waivers kept workers in jobs."
VIRUS_TEXT = "Many workers fell ill with the virus and could not pay for treatment."

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium_path() -> str:
    """Debian's Chromium; skipped (or failed in CI) when it is not installed."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: install it with `apt-get install chromium`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on 127.0.0.1 by a real server in a background thread; gives its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def test_an_organiser_filters_corrects_a_tag_and_downloads_the_summary(
    app: Flask, event: Event, live_server: str, chromium_path: str, tmp_path: Path
):
    from playwright.sync_api import expect, sync_playwright

    make_organiser(app, "browser@example.org", PASSWORD, events=[event])
    stimulus = add_response(app, FIRST_SLUG, text=STIMULUS_TEXT)
    add_response(app, FIRST_SLUG, text=VIRUS_TEXT)
    run_pipeline(app.extensions["survey_db"]["engine"])
    base = f"{live_server}/admin"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(accept_downloads=True).new_page()
            page.goto(f"{base}/login")
            page.fill("input[name=email]", "browser@example.org")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{base}/e/{FIRST_SLUG}/responses")
            page.select_option("#f-level", "stimulus")
            page.get_by_role("button", name="Filter").click()
            expect(page.locator("#result-count")).to_have_text("1 response found.")
            page.get_by_role("link", name=str(stimulus), exact=True).click()
            expect(page.locator("#review-state")).to_contain_text("not reviewed")
            page.get_by_label("Impact of the containment measures").check()
            page.get_by_role("button", name="Save these tags").click()
            expect(page.locator("#review-state")).to_contain_text("Changed by a person")

            page.goto(f"{base}/e/{FIRST_SLUG}/")
            with page.expect_download() as info:
                page.get_by_role("link", name="Download the summary (.xlsx)").click()
            download = info.value
            assert download.suggested_filename == f"{FIRST_SLUG}-summary.xlsx"
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
        finally:
            browser.close()

    book = load_workbook(saved, read_only=True)
    assert len(book.sheetnames) > 1
    book.close()
    with app.app_context():
        tag = get_session().scalar(select(ResponseTag).where(ResponseTag.response_id == stimulus))
    assert tag.review_state == "changed"
    assert set(tag.levels) == {"stimulus", "containment"}

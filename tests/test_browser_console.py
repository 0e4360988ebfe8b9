"""The console in a real browser: sign in, filter, correct a tag, download the summary.

Runs headless Chromium (conftest's ``browser``) against the app served by a real server
thread (conftest's ``live_server``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from pipeline.runner import run_pipeline
from survey_app.db import get_session
from survey_db.models import Event, ResponseTag

from .admin_helpers import PASSWORD, add_response, make_organiser, sign_in_browser
from .browser_helpers import PHONE_WIDTH, UNBROKEN, cut_or_squeezed, page_width, phone_context
from .conftest import FIRST_SLUG

STIMULUS_TEXT = "Wage subsidies and social insurance contribution waivers kept workers in jobs."
VIRUS_TEXT = "Many workers fell ill with the virus and could not pay for treatment."

pytestmark = pytest.mark.browser


def test_an_organiser_filters_corrects_a_tag_and_downloads_the_summary(
    app: Flask, event: Event, live_server: str, browser: Any, tmp_path: Path
):
    from playwright.sync_api import expect

    make_organiser(app, "browser@example.org", PASSWORD, events=[event])
    stimulus = add_response(app, FIRST_SLUG, text=STIMULUS_TEXT)
    add_response(app, FIRST_SLUG, text=VIRUS_TEXT)
    run_pipeline(app.extensions["survey_db"]["engine"])
    base = f"{live_server}/admin"

    page = browser.new_context(accept_downloads=True).new_page()
    sign_in_browser(page, live_server, "browser@example.org")
    page.goto(f"{base}/e/{FIRST_SLUG}/responses")
    page.select_option("#f-level", "stimulus")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#result-count")).to_have_text("1 response found.")
    page.get_by_role("link", name=str(stimulus), exact=True).click()
    expect(page.locator("#review-state")).to_contain_text("not reviewed")
    page.get_by_label("Impact of the containment measures").check()
    page.get_by_role("button", name="Save these tags").click()
    expect(page.locator("#review-state")).to_contain_text("Changed by a person")
    # The page after the review keeps the list's filters, for its links back and on.
    assert page.url.endswith(f"/responses/{stimulus}?level=stimulus")
    back = page.get_by_role("link", name="Back to the list")
    assert back.get_attribute("href").endswith("/responses?level=stimulus")
    back.click()
    expect(page.locator("#result-count")).to_have_text("1 response found.")

    page.goto(f"{base}/e/{FIRST_SLUG}/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the summary (.xlsx)").click()
    download = info.value
    assert download.suggested_filename == f"{FIRST_SLUG}-summary.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    book = load_workbook(saved, read_only=True)
    assert len(book.sheetnames) > 1
    book.close()
    with app.app_context():
        tag = get_session().scalar(select(ResponseTag).where(ResponseTag.response_id == stimulus))
    assert tag.review_state == "changed"
    assert set(tag.levels) == {"stimulus", "containment"}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_console_page_fits_a_phone(
    app: Flask, event: Event, live_server: str, browser: Any, language: str
):
    """On a phone no console page scrolls sideways, is cut off or squeezed letter by letter."""
    make_organiser(app, "phone@example.org", PASSWORD, events=[event], admin=True)
    response_id = add_response(
        app, FIRST_SLUG, text=f"{STIMULUS_TEXT} {UNBROKEN}", name=UNBROKEN, organisation=UNBROKEN
    )
    add_response(app, FIRST_SLUG, "feedback", improve=f"{VIRUS_TEXT} {UNBROKEN}")
    run_pipeline(app.extensions["survey_db"]["engine"])
    base = f"{live_server}/admin"
    context = phone_context(browser)
    page = context.new_page()
    sign_in_browser(page, live_server, "phone@example.org", language)
    pages = [
        "/",
        f"/e/{FIRST_SLUG}/",
        f"/e/{FIRST_SLUG}/levels",
        f"/e/{FIRST_SLUG}/responses",
        f"/e/{FIRST_SLUG}/responses/{response_id}",
        f"/e/{FIRST_SLUG}/review",
        f"/e/{FIRST_SLUG}/settings",
        f"/e/{FIRST_SLUG}/paper/feedback",
        f"/e/{FIRST_SLUG}/paper/input",
        "/runs",
        "/audit",
    ]
    too_wide, unreadable = {}, {}
    for path in pages:
        answer = page.goto(base + path)
        assert answer is not None and answer.status == 200, path
        width = page_width(page)
        if width > PHONE_WIDTH:
            too_wide[path] = width
        if problems := cut_or_squeezed(page):
            unreadable[path] = problems
    assert not too_wide
    assert not unreadable

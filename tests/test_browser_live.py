"""The live screen in a real browser: figures change in place after an attendee's answer from
another browser, and the arrow keys move through the agenda."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from survey_app.admin import live
from survey_db.models import Event

from .admin_helpers import PASSWORD, make_organiser, sign_in_browser
from .browser_helpers import phone_context
from .conftest import FIRST_SLUG

pytestmark = pytest.mark.browser


def test_live_screen_updates_in_place_after_an_answer_from_another_browser(
    app: Flask, event: Event, live_server: str, browser: Any, monkeypatch: pytest.MonkeyPatch
):
    from playwright.sync_api import expect

    monkeypatch.setattr(live, "LIVE_EVERY", 2)
    make_organiser(app, "screen@example.org", PASSWORD, events=[event])
    projector = browser.new_context(viewport={"width": 1280, "height": 800})
    screen = projector.new_page()
    errors: list[str] = []
    screen.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in_browser(screen, live_server, "screen@example.org")
    screen.goto(f"{live_server}/admin/e/{FIRST_SLUG}/live/p1-health")
    expect(screen.locator('[data-figure="answers"]')).to_have_text("0")
    screen.evaluate("window.notReloaded = true")
    short = screen.locator(".live-address strong").inner_text()

    # An attendee on Zoom types the short address from the screen and answers on a phone.
    phone = phone_context(browser)
    attendee = phone.new_page()
    attendee.goto(f"http://{short}")
    attendee.wait_for_url("**/sessions/p1-health/feedback")
    attendee.locator("#overall-4").click()  # the box showing 5
    attendee.locator("#most_useful").fill("Portable insurance for migrant workers")
    attendee.locator("#quote_ok").check()
    attendee.locator("button[type=submit]").click()
    attendee.wait_for_url("**/thanks")

    expect(screen.locator('[data-figure="answers"]')).to_have_text("1", timeout=10_000)
    expect(screen.locator('[data-rating-count="5"]')).to_have_text("1")
    assert screen.locator('progress[data-rating="5"]').evaluate("bar => bar.value") == 1
    # "Portable" opens the sentence, where a name would be capitalised too: left out.
    expect(screen.locator('[data-figure="terms"] .term')).to_have_text(
        ["insurance", "migrant", "workers"]
    )
    assert screen.evaluate("window.notReloaded") is True
    assert errors == []

    # Right and left arrows move to the next and previous session of the agenda.
    screen.keyboard.press("ArrowRight")
    screen.wait_for_url("**/live/p1-income")
    screen.keyboard.press("ArrowLeft")
    screen.wait_for_url("**/live/p1-health")
    phone.close()
    projector.close()

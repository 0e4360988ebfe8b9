"""A person on a phone, in Chinese, gives feedback on a session in a real browser."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import Response

pytestmark = pytest.mark.browser

SLUG = "2020-11-10-social-protection"
#: A long link in an answer: every page must still fit the phone's width.
UNBROKEN = "https://example.org/" + "a" * 150


def test_phone_in_chinese_submits_session_feedback(app, event, live_server, browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(f"{live_server}/e/{SLUG}/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.locator(f"a[href='/e/{SLUG}/sessions/p1-health/feedback']").click()
    page.wait_for_url("**/sessions/p1-health/feedback")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("#overall-3").click()  # the box showing 4, as a thumb taps it
    page.locator("#most_useful").fill("医保异地结算的经验很有用。")
    page.locator("#improve").fill(UNBROKEN)
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/thanks")
    assert page.locator(".private-link").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator(".private-link").click()  # the amend page shows the answers back
    page.wait_for_load_state()
    assert page.locator("#improve").input_value() == UNBROKEN
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
    context.close()

    with app.app_context():
        [row] = get_session().scalars(select(Response)).all()
        assert (row.overall, row.language, row.most_useful, row.improve) == (
            4,
            "zh",
            "医保异地结算的经验很有用。",
            UNBROKEN,
        )

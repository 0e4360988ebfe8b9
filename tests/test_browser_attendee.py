"""A person on a phone, in Chinese, gives feedback on a session in a real browser."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.db import get_session
from survey_db.models import Response

from .browser_helpers import PHONE_WIDTH, UNBROKEN, page_width, phone_context

pytestmark = pytest.mark.browser

SLUG = "2020-11-10-social-protection"


def test_phone_in_chinese_submits_session_feedback(app, event, live_server, browser):
    context = phone_context(browser, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(f"{live_server}/e/{SLUG}/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page_width(page) <= PHONE_WIDTH

    page.locator(f"a[href='/e/{SLUG}/sessions/p1-health/feedback']").click()
    page.wait_for_url("**/sessions/p1-health/feedback")
    assert page_width(page) <= PHONE_WIDTH
    page.locator("#overall-3").click()  # the box showing 4, as a thumb taps it
    page.locator("#most_useful").fill("医保异地结算的经验很有用。")
    page.locator("#improve").fill(UNBROKEN)
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/thanks")
    assert page.locator(".private-link").count() == 1
    assert page_width(page) <= PHONE_WIDTH
    page.locator(".private-link").click()  # the amend page shows the answers back
    page.wait_for_load_state()
    assert page.locator("#improve").input_value() == UNBROKEN
    assert page_width(page) <= PHONE_WIDTH
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

"""A person on a phone, in Chinese, gives feedback on a session in a real browser."""

from __future__ import annotations

import re

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


def test_phone_fixes_a_form_by_the_error_summary_and_clears_a_rating(
    app, event, live_server, browser
):
    """The summary takes the focus and leads to the field; a rating clears; counts run live."""
    from playwright.sync_api import expect

    page = phone_context(browser).new_page()
    page.goto(f"{live_server}/e/{SLUG}/sessions/p1-health/feedback")
    # A rating tapped by mistake can be cleared.
    clear = page.locator('button[data-clear="relevance"]')
    expect(clear).to_be_hidden()
    page.locator("#relevance-1").click()
    expect(clear).to_be_visible()
    assert clear.bounding_box()["height"] >= 44
    clear.click()
    assert page.locator("input[name=relevance]:checked").count() == 0
    # A long text is counted as it is typed, and never cut.
    long = "x" * 5010
    page.locator("#improve").fill(long)
    expect(page.locator("#improve-count")).to_contain_text("10 characters too many")
    # A name may be shown only with quoting allowed.
    expect(page.locator("#show_name")).to_be_disabled()
    page.locator("#quote_ok").check()
    expect(page.locator("#show_name")).to_be_enabled()
    page.locator("button[type=submit]").click()  # without the required overall rating
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a")).to_have_count(2)
    assert page.locator("#improve").input_value() == long
    summary.locator('a[href="#overall-0"]').click()
    expect(page.locator("#overall-0")).to_be_focused()
    border = page.locator("fieldset.rating.invalid").first.evaluate(
        "node => getComputedStyle(node).borderLeftColor"
    )
    assert border == "rgb(163, 23, 10)"
    page.locator("#overall-4").click()
    page.locator("#improve").fill("Shorter now")
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/thanks"))  # the address keeps the summary's #overall-0
    # The next session and the private link, copied by a button.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("button.copy-link").click()
    expect(page.locator("button.copy-link")).to_have_text("Link copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator(".private-link").get_attribute("href")
    page.locator("a.button", has_text="Rate the next session").click()
    page.wait_for_url("**/sessions/p1-income/feedback")
    page.context.close()


def test_grid_parallel_choice_and_withdraw_with_undo(app, event, live_server, browser):
    """Choosing one parallel session hides the others; a withdrawal asks, then can be undone."""
    from playwright.sync_api import expect

    page = phone_context(browser).new_page()
    page.goto(f"{live_server}/e/{SLUG}/feedback")
    rows = page.locator('[data-group="attended__I"]')
    expect(rows).to_have_count(3)
    page.locator("label", has_text="Social health protection").first.click()
    expect(page.locator('[data-group="attended__I"]:visible')).to_have_count(1)
    page.locator("#overall__p1_health-3").click()
    page.locator("#absent__opening").check()
    expect(page.locator('[aria-labelledby="g-opening"] .grid-answers')).to_be_hidden()
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/thanks")
    page.locator(".private-link").click()
    page.locator("button.danger", has_text="Withdraw").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Withdraw your answer?")
    page.locator("button.danger").click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("You withdrew this answer")
    page.locator("button", has_text="Undo").click()
    page.wait_for_load_state()
    expect(page.locator("button", has_text="Save changes")).to_be_visible()
    page.context.close()
    with app.app_context():
        [row] = get_session().scalars(select(Response)).all()
        assert (row.session.code, row.overall, row.status) == ("p1-health", 4, "active")


def test_phone_agenda_marks_now_and_next_with_large_targets(
    app, event, live_server, browser, monkeypatch
):
    """At 14:30 Beijing time the three parallel sessions are on; every feedback link is 44 px."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from playwright.sync_api import expect

    from survey_app.attendee import agenda

    at = datetime(2020, 11, 10, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(agenda, "now_in", lambda zone: at)
    page = phone_context(browser, locale="zh-CN").new_page()
    page.goto(f"{live_server}/e/{SLUG}/")
    expect(page.locator(".session.now .badge.now")).to_have_count(3)
    expect(page.locator(".session.next")).to_have_count(1)
    expect(page.locator(".session.now").first).to_contain_text("进行中")
    heights = page.locator(".feedback-link").evaluate_all(
        "links => links.map((link) => link.getBoundingClientRect().height)"
    )
    assert len(heights) == 10 and min(heights) >= 44  # every session but the breaks
    assert page_width(page) <= PHONE_WIDTH
    page.context.close()

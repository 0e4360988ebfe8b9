"""The review loop's pages in a real browser: an import from upload to applied reviews, and
every page on a phone in both languages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from survey_app.db import get_session
from survey_db.models import CodebookAddition, Event, ResponseTag

from .admin_helpers import PASSWORD, STALL, add_response, make_organiser, reviewed, sign_in_browser
from .browser_helpers import PHONE_WIDTH, UNBROKEN, cut_or_squeezed, page_width, phone_context
from .conftest import FIRST_SLUG

pytestmark = pytest.mark.browser


def test_an_organiser_imports_coded_reviews_after_seeing_the_summary(
    app: Flask, event: Event, live_server: str, browser: Any, tmp_path: Path
):
    from playwright.sync_api import expect

    make_organiser(app, "coder@example.org", PASSWORD, events=[event])
    ident = add_response(app, FIRST_SLUG, text=STALL, tags={"machine_levels": []})
    coded = tmp_path / "coded.csv"
    coded.write_text(f"response_id,reviewed_levels\n{ident},economic_crisis\n", encoding="utf-8")

    page = browser.new_context().new_page()
    sign_in_browser(page, live_server, "coder@example.org")
    page.goto(f"{live_server}/admin/e/{FIRST_SLUG}/quality")
    page.get_by_role("link", name="Import reviews coded in a spreadsheet").click()
    page.get_by_label("Coded file (.xlsx or .csv)").set_input_files(str(coded))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#import-new")).to_have_text("1 new review")
    with app.app_context():
        tag = get_session().scalar(select(ResponseTag).where(ResponseTag.response_id == ident))
        assert tag.review_state == "machine"
    page.get_by_role("button", name="Apply these reviews").click()
    expect(page.locator("[role=status]").first).to_contain_text("1 review(s) imported.")
    with app.app_context():
        tag = get_session().scalar(select(ResponseTag).where(ResponseTag.response_id == ident))
        assert tag.reviewed_levels == ["economic_crisis"]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_review_loop_pages_fit_a_phone(
    app: Flask, event: Event, live_server: str, browser: Any, language: str
):
    make_organiser(app, "phone@example.org", PASSWORD, events=[event], admin=True)
    for text in (STALL, f"Another stall-out closed three more stalls. {UNBROKEN}"):
        add_response(app, FIRST_SLUG, text=text, tags=reviewed(["virus"], ["economic_crisis"]))
    with app.app_context():
        db = get_session()
        db.add(
            CodebookAddition(level="economic_crisis", language="zh", term="摆摊寒冬", added_in=1)
        )
        db.add(
            CodebookAddition(
                level="virus", language="en", term="long haulers", added_in=2, removed_in=3
            )
        )
        db.commit()
    base = f"{live_server}/admin"
    page = phone_context(browser).new_page()
    sign_in_browser(page, live_server, "phone@example.org", language)
    paths = [
        f"/e/{FIRST_SLUG}/quality",
        f"/e/{FIRST_SLUG}/quality/virus/extra",
        f"/e/{FIRST_SLUG}/review/import",
        "/codebook",
        "/codebook/preview?level=economic_crisis&language=en&term=stall-out",
    ]
    too_wide, unreadable = {}, {}
    for path in paths:
        answer = page.goto(base + path)
        assert answer is not None and answer.status == 200, path
        if (width := page_width(page)) > PHONE_WIDTH:
            too_wide[path] = width
        if problems := cut_or_squeezed(page):
            unreadable[path] = problems
    assert not too_wide
    assert not unreadable

"""The Briefing in the console: the workbook's figures on a page that prints on one A4 sheet."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from exports import build_summary
from survey_app.db import get_session
from survey_app.demo import make_demo_responses
from survey_db.models import Event

from .admin_helpers import PASSWORD, add_response, make_organiser, sign_in_browser
from .conftest import FIRST_SLUG
from .test_workbooks_libreoffice import _tag_everything

PAGE = f"/admin/e/{FIRST_SLUG}/briefing"


def fill(app: Flask, event: Event, demo: int = 40) -> None:
    add_response(app, FIRST_SLUG, "feedback", overall=5, most_useful="Clear and useful")
    add_response(app, FIRST_SLUG, text="Cash transfers reached families.", quote_ok=True)
    add_response(app, FIRST_SLUG, text="Spam here", status="spam")
    with app.app_context():
        db = get_session()
        make_demo_responses(db, db.get(Event, event.id), demo, seed=4)
        db.commit()


def workbook_briefing(app: Flask, event: Event, tmp_path: Path, include_demo: bool) -> dict:
    with app.app_context():
        db = get_session()
        path = build_summary(
            db, db.get(Event, event.id), tmp_path / "b.xlsx", include_demo=include_demo
        )
    ws = load_workbook(path).worksheets[0]
    return {row[0]: row[1] for row in ws.iter_rows(min_row=6, values_only=True) if row[0]}


@pytest.mark.parametrize("include_demo", [False, True], ids=["demo out", "demo in"])
def test_the_page_shows_the_workbooks_figures(
    app: Flask, organiser_client: FlaskClient, event: Event, tmp_path: Path, include_demo: bool
):
    fill(app, event)
    page = organiser_client.get(PAGE + ("?demo=yes" if include_demo else ""))
    assert page.status_code == 200
    body = html.unescape(page.get_data(as_text=True))
    figures = workbook_briefing(app, event, tmp_path, include_demo)
    assert f"Answers counted: {figures['Answers counted']}" in body
    for label in ("Session feedback", "Policy input", "People, approximately", "Spam"):
        assert re.search(rf"<dt>{re.escape(label)}</dt><dd>{figures[label]}</dd>", body), label
    assert ("Demo answers are included." in body) == include_demo
    assert ("40 demo answers are left out." in body) == (not include_demo)
    assert 'href="/static/briefing.css' in body


def test_only_the_events_organisers_see_it(
    app: Flask, client: FlaskClient, stranger_client: FlaskClient, event: Event
):
    assert stranger_client.get(PAGE).status_code == 404
    assert "/admin/login" in app.test_client().get(PAGE).headers["Location"]
    assert stranger_client.get("/admin/e/no-such-event/briefing").status_code == 404


@pytest.mark.browser
@pytest.mark.slow
def test_the_page_prints_on_one_a4_landscape_page(
    app: Flask, event: Event, live_server: str, browser: Any
):
    import pypdf

    make_organiser(app, "print@example.org", PASSWORD, events=[event])
    fill(app, event, demo=3_000)
    _tag_everything(app, event)
    page = browser.new_context().new_page()
    sign_in_browser(page, live_server, "print@example.org")
    page.goto(f"{live_server}{PAGE}?demo=yes")
    pdf = pypdf.PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    assert "Answers counted: 3002" in pdf.pages[0].extract_text()

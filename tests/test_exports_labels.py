"""Level, group and area names are worded once: the console and the workbooks show the same."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from exports import build_summary
from exports.labels import CODES
from survey_app.db import get_session
from survey_db.models import Event
from survey_db.models.vocabulary import AREAS, GROUPS, LEVELS

from .admin_helpers import FIRST_SLUG, add_response


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_review_form_and_the_workbook_use_the_one_wording(
    app: Flask, organiser_client: FlaskClient, event: Event, tmp_path: Path, lang: str
):
    ident = add_response(app, FIRST_SLUG, tags={"machine_levels": ["virus"]})
    organiser_client.get(f"/admin/?lang={lang}")
    page = html.unescape(
        organiser_client.get(f"/admin/e/{FIRST_SLUG}/responses/{ident}").get_data(as_text=True)
    )
    for code in (*LEVELS, *GROUPS, *AREAS):
        assert f">{CODES[lang][code]}<" in page.replace("\n", "").replace("> ", ">"), code
    with app.app_context():
        db = get_session()
        path = build_summary(db, db.get(Event, event.id), tmp_path / "s.xlsx", lang=lang)
    codebook = load_workbook(path).worksheets[-2]
    names = [str(cell.value) for row in codebook.iter_rows() for cell in row if cell.value]
    for code in (*LEVELS, *GROUPS, *AREAS):
        assert f"{CODES['en'][code]}\n{CODES['zh'][code]}" in names, code

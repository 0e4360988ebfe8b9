"""The series: only admins rename it or move events between series; comparisons show only
events the reader may see, never a draft, in downloads and nightly files alike."""

from __future__ import annotations

import html
import io
from pathlib import Path

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from exports.nightly import write_due_workbooks
from survey_app.db import get_engine, get_session
from survey_app.events import apply_event, parse_event_yaml
from survey_db.models import AuditEntry, Event, Series

from .admin_helpers import (
    FIRST_SLUG,
    OTHER_SLUG,
    PASSWORD,
    add_response,
    csrf_token,
    event_yaml,
    login,
    make_organiser,
)

FIRST_TITLE = '  title_en: "Social Protection at the time of COVID-19'
DRAFT_SLUG = "2021-09-01-draft-dialogue"
SETTINGS = f"/admin/e/{FIRST_SLUG}/settings"
SERIES_TITLE = 'title_en: "UN Policy Dialogues on Social Protection"'


def _add(app: Flask, slug: str, title: str, status: str) -> None:
    text = event_yaml(slug).replace(FIRST_TITLE, f'  title_en: "{title}', 1)
    with app.app_context():
        db = get_session()
        apply_event(db, parse_event_yaml(text), status=status)
        db.commit()


def _series(app: Flask) -> list[tuple[str, str, list[str]]]:
    with app.app_context():
        return [
            (item.slug, item.title_en, [member.slug for member in item.events])
            for item in get_session().scalars(select(Series).order_by(Series.id))
        ]


def _upload(client, text: str):
    data = {
        "csrf_token": csrf_token(client, SETTINGS),
        "file": (io.BytesIO(text.encode()), "e.yaml"),
    }
    return client.post(SETTINGS, data=data, content_type="multipart/form-data")


def _texts(raw: bytes) -> str:
    book = load_workbook(io.BytesIO(raw))
    return "\n".join(
        value
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if isinstance(value, str)
    )


def test_organiser_may_not_rename_the_series_or_move_the_event(app, client, event):
    _add(app, OTHER_SLUG, "Other open dialogue", "open")
    make_organiser(app, "org@example.org", PASSWORD, events=[FIRST_SLUG])
    login(client, "org@example.org", PASSWORD)
    before = _series(app)
    renamed = event_yaml().replace(SERIES_TITLE, 'title_en: "Renamed for everyone"')
    moved = event_yaml().replace(
        "  slug: un-policy-dialogues-social-protection", "  slug: someone-elses-series"
    )
    for text in (renamed, moved):
        response = _upload(client, text)
        assert response.status_code == 400
        assert "only an admin may rename the series" in html.unescape(response.get_data(True))
    assert _series(app) == before
    with app.app_context():
        refusals = get_session().scalars(
            select(AuditEntry).where(AuditEntry.action == "upload_failed")
        )
        assert ["only an admin" in entry.detail["problem"] for entry in refusals] == [True, True]


def test_admin_renames_the_series_and_every_event_records_it(app, client, event):
    _add(app, OTHER_SLUG, "Other open dialogue", "open")
    make_organiser(app, "admin@example.org", PASSWORD, admin=True)
    login(client, "admin@example.org", PASSWORD)
    response = _upload(client, event_yaml().replace(SERIES_TITLE, 'title_en: "New series name"'))
    assert response.status_code == 200
    assert _series(app)[0][1] == "New series name"
    with app.app_context():
        db = get_session()
        noted = db.scalars(select(AuditEntry).where(AuditEntry.action == "series_changed"))
        slugs = {db.get(Event, entry.event_id).slug for entry in noted}
    assert slugs == {FIRST_SLUG, OTHER_SLUG}


def test_comparisons_show_only_what_the_reader_may_see_and_never_a_draft(
    app: Flask, client, event, tmp_path: Path
):
    _add(app, OTHER_SLUG, "Other open dialogue", "open")
    _add(app, DRAFT_SLUG, "Secret draft dialogue", "draft")
    for slug in (FIRST_SLUG, OTHER_SLUG, DRAFT_SLUG):
        add_response(app, slug, kind="feedback", overall=5)
    make_organiser(app, "org@example.org", PASSWORD, events=[FIRST_SLUG])
    make_organiser(app, "both@example.org", PASSWORD, events=[FIRST_SLUG, OTHER_SLUG])
    make_organiser(app, "admin@example.org", PASSWORD, admin=True)

    def summary(email: str) -> str:
        reader = app.test_client()
        login(reader, email, PASSWORD)
        response = reader.get(f"/admin/e/{FIRST_SLUG}/summary.xlsx")
        assert response.status_code == 200
        return _texts(response.get_data())

    limited, both, admin = (summary(f"{who}@example.org") for who in ("org", "both", "admin"))
    assert "Other open dialogue" not in limited and "Secret draft" not in limited
    assert "Other open dialogue" in both and "Secret draft" not in both
    assert "Other open dialogue" in admin and "Secret draft" not in admin

    # The nightly file of the first event is read by org and both: what both of them may see.
    with app.app_context():
        write_due_workbooks(get_engine(), tmp_path)
    (nightly,) = (tmp_path / FIRST_SLUG).glob("summary-*.xlsx")
    shown = _texts(nightly.read_bytes())
    assert "Other open dialogue" not in shown and "Secret draft" not in shown
    (other_nightly,) = (tmp_path / OTHER_SLUG).glob("summary-*.xlsx")
    shown = _texts(other_nightly.read_bytes())
    assert "Other open dialogue" in shown and "Social Protection at the time" in shown
    assert "Secret draft" not in shown

    # Someone given only the other event reads its nightly file too: it is written again.
    make_organiser(app, "new@example.org", PASSWORD, events=[OTHER_SLUG])
    with app.app_context():
        assert write_due_workbooks(get_engine(), tmp_path) == 1
    newest = sorted((tmp_path / OTHER_SLUG).glob("summary-*.xlsx"))[-1]
    assert "Social Protection at the time" not in _texts(newest.read_bytes())

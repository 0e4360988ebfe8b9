"""Workbook downloads: organisers of the event only, its rows only, audited."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from openpyxl.workbook import Workbook
from sqlalchemy import func, select

from exports.nightly import write_due_workbooks
from exports.raw import HEADERS, LEFT_OUT
from pipeline.lock import pipeline_lock
from survey_app.admin.downloads import XLSX
from survey_app.db import get_session
from survey_db.models import AuditEntry, Event, PipelineRun, Response, ResponseTag

from .admin_helpers import OTHER_SLUG, add_event, add_response, stranger
from .conftest import FIRST_SLUG

SUMMARY = f"/admin/e/{FIRST_SLUG}/summary.xlsx"
NIGHTLY = f"/admin/e/{FIRST_SLUG}/nightly.xlsx"
RAW = f"/admin/e/{FIRST_SLUG}/responses.xlsx"
OURS = "Wage subsidies kept our factory open."
THEIRS = "Secret words of the other dialogue."


@pytest.fixture
def two_events(app: Flask, event: Event) -> None:
    """Responses in the first event and in another one."""
    add_event(app, OTHER_SLUG)
    add_response(app, FIRST_SLUG, text=OURS, name="=HYPERLINK(1)", show_name=True)
    add_response(app, FIRST_SLUG, kind="feedback", most_useful=OURS, overall=5)
    add_response(app, OTHER_SLUG, text=THEIRS, name="Other person")


def workbook(response) -> Workbook:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == XLSX
    return load_workbook(io.BytesIO(response.get_data()))


def texts(book: Workbook) -> Iterator[str]:
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            yield from (value for value in row if isinstance(value, str))


def download_actions(app: Flask) -> list[dict]:
    with app.app_context():
        query = select(AuditEntry).where(AuditEntry.action == "download").order_by(AuditEntry.id)
        return [entry.detail for entry in get_session().scalars(query)]


@pytest.mark.parametrize("url", [SUMMARY, NIGHTLY, RAW])
def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, event: Event, url: str):
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


@pytest.mark.parametrize("url", [SUMMARY, NIGHTLY, RAW])
def test_organisers_of_other_events_get_404(app: Flask, event: Event, url: str):
    assert stranger(app).get(url).status_code == 404


def test_summary_never_tags_and_holds_this_events_rows_only(
    app: Flask, organiser_client: FlaskClient, two_events: None
):
    response = organiser_client.get(SUMMARY)
    disposition = response.headers["Content-Disposition"]
    assert f"filename={FIRST_SLUG}-summary.xlsx" in disposition
    found = list(texts(workbook(response)))
    assert any(OURS in text for text in found)
    assert not any(THEIRS in text or "Other person" in text for text in found)
    with app.app_context():
        db = get_session()
        assert db.scalar(select(PipelineRun)) is None  # no request runs the tagger
        assert db.scalar(select(func.count(ResponseTag.id))) == 0
    assert download_actions(app) == [{"workbook": "summary", "lang": "en", "demo": False}]


def test_summary_in_chinese(app: Flask, organiser_client: FlaskClient, two_events: None):
    english = workbook(organiser_client.get(SUMMARY)).sheetnames
    chinese = workbook(organiser_client.get(SUMMARY + "?language=zh")).sheetnames
    assert english != chinese and any("\u4e00" <= char <= "\u9fff" for char in chinese[0])
    # The workbook's language is not the console's: the next page is still in English.
    page = organiser_client.get(f"/admin/e/{FIRST_SLUG}/").get_data(as_text=True)
    assert "Download the summary (.xlsx)" in page
    assert "summary.xlsx?language=zh" in page


def test_summary_is_sent_at_once_while_a_run_holds_the_lock(
    app: Flask, organiser_client: FlaskClient, two_events: None
):
    with pipeline_lock(app.extensions["survey_db"]["engine"]):
        response = organiser_client.get(SUMMARY)
    assert response.status_code == 200
    assert any(OURS in text for text in texts(workbook(response)))


def test_nightly_is_404_until_the_job_wrote_one(
    app: Flask, organiser_client: FlaskClient, two_events: None
):
    missing = organiser_client.get(NIGHTLY)
    assert missing.status_code == 404
    assert "has not written a workbook for this event yet" in missing.get_data(as_text=True)
    written = write_due_workbooks(app.extensions["survey_db"]["engine"], app.config["EXPORT_DIR"])
    assert written == 2
    found = list(texts(workbook(organiser_client.get(NIGHTLY))))
    assert any(OURS in text for text in found)
    assert not any(THEIRS in text for text in found)
    assert download_actions(app)[-1]["workbook"] == "nightly"


def test_raw_workbook_holds_every_response_of_this_event_as_safe_text(
    app: Flask, organiser_client: FlaskClient, two_events: None
):
    add_response(app, FIRST_SLUG, text="Marked as spam", status="spam")
    book = workbook(organiser_client.get(RAW))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(n for n, row in enumerate(rows) if row[:2] == ("id", "kind"))
    header = rows[header_at]
    data = [dict(zip(header, row, strict=True)) for row in rows[header_at + 1 :]]
    assert len(data) == 3
    assert {row["status"] for row in data} == {"active", "spam"}
    assert not any(THEIRS in text or "Other person" in text for text in texts(book))
    [named] = [row for row in data if row["name"]]
    assert named["name"] == "=HYPERLINK(1)"
    cell = next(cell for row in sheet.iter_rows() for cell in row if cell.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"
    assert download_actions(app) == [{"workbook": "raw"}]


def test_raw_workbook_leaves_out_only_the_columns_it_names() -> None:
    """A column added to responses or tags is exported unless it is left out on purpose."""
    columns = {
        "responses": set(Response.__table__.columns.keys()),
        "response_tags": set(ResponseTag.__table__.columns.keys()),
    }
    exported = set(HEADERS) - {"session", "theme"}
    for table, names in columns.items():
        assert LEFT_OUT[table] <= names, table
        assert names - LEFT_OUT[table] <= exported, table
    assert exported <= columns["responses"] | columns["response_tags"]
    assert len(HEADERS) == len(set(HEADERS))


def test_summary_leaves_demo_answers_out_unless_asked(
    app: Flask, organiser_client: FlaskClient, two_events: None
):
    demo_text = "A synthetic answer about wage subsidies."
    add_response(app, FIRST_SLUG, text=demo_text, channel="demo")
    plain = list(texts(workbook(organiser_client.get(SUMMARY))))
    assert not any(demo_text in text for text in plain)
    assert not any("(with demo)" in text for text in plain)
    response = organiser_client.get(SUMMARY + "?demo=yes")
    assert "summary-with-demo.xlsx" in response.headers["Content-Disposition"]
    with_demo = list(texts(workbook(response)))
    assert any(demo_text in text for text in with_demo)
    assert any("(with demo)" in text for text in with_demo)
    assert download_actions(app)[-1] == {"workbook": "summary", "lang": "en", "demo": True}

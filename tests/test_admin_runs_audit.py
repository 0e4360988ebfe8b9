"""The pipeline's run log page and the admins' audit log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app.admin import audit
from survey_app.db import get_session
from survey_db.models import Event, PipelineRun, utcnow

from .admin_helpers import PASSWORD, login, make_organiser

STALE = "No run has succeeded for more than 26 hours"
NEVER = "No run has ever succeeded"


@pytest.fixture
def organiser_client(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as an organiser with no event."""
    make_organiser(app, "ana@example.org", PASSWORD)
    assert login(client, "ana@example.org", PASSWORD).status_code == 302
    return client


@pytest.fixture
def admin_client(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as an admin."""
    make_organiser(app, "root@example.org", PASSWORD, admin=True)
    assert login(client, "root@example.org", PASSWORD).status_code == 302
    return client


def add_run(app: Flask, hours_ago: float, status: str = "succeeded", **values: object) -> None:
    started = utcnow() - timedelta(hours=hours_ago)
    with app.app_context():
        db = get_session()
        db.add(
            PipelineRun(
                started_at=started,
                finished_at=started + timedelta(seconds=90),
                status=status,
                tagger_version="tagger-1",
                **values,
            )
        )
        db.commit()


@pytest.mark.parametrize("url", ["/admin/runs", "/admin/audit"])
def test_anonymous_is_sent_to_sign_in(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/admin/login")


def test_runs_warn_when_none_ever_succeeded(app: Flask, organiser_client: FlaskClient) -> None:
    add_run(app, 1, status="failed", error="tagger crashed")
    page = organiser_client.get("/admin/runs").get_data(as_text=True)
    assert NEVER in page
    assert "tagger crashed" in page


@pytest.mark.parametrize(("hours_ago", "warned"), [(27, True), (25, False), (1, False)])
def test_runs_warn_after_26_hours(
    app: Flask, organiser_client: FlaskClient, hours_ago: float, warned: bool
) -> None:
    add_run(app, hours_ago)
    add_run(app, 0.5, status="failed", error="disk full")
    page = organiser_client.get("/admin/runs").get_data(as_text=True)
    assert (STALE in page) == warned
    assert NEVER not in page


def test_runs_show_counts_and_duration(app: Flask, organiser_client: FlaskClient) -> None:
    add_run(
        app,
        2,
        mode="full",
        trigger="download",
        selected=41,
        tagged=37,
        unchanged=4,
        reviewed_kept=3,
        workbooks=2,
    )
    page = organiser_client.get("/admin/runs").get_data(as_text=True)
    row = re.search(r'<tr class="run succeeded">(.*?)</tr>', page, flags=re.S).group(1)
    cells = [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
    assert cells[1:] == [
        "90.0 s",
        "Succeeded",
        "Full",
        "Summary download",
        "<code>tagger-1</code>",
        "41",
        "37",
        "4",
        "3",
        "2",
        "",
    ]


def test_runs_are_paginated_newest_first(app: Flask, organiser_client: FlaskClient) -> None:
    for number in range(51):
        add_run(app, 100 - number, selected=number)
    first = organiser_client.get("/admin/runs").get_data(as_text=True)
    assert first.count('<tr class="run') == 50
    assert "page=2" in first
    second = organiser_client.get("/admin/runs?page=2").get_data(as_text=True)
    assert second.count('<tr class="run') == 1
    assert re.search(r'<td class="num">0</td>', second)


def test_audit_log_is_for_admins_only(organiser_client: FlaskClient) -> None:
    assert organiser_client.get("/admin/audit").status_code == 404
    assert "/admin/audit" not in organiser_client.get("/admin/runs").get_data(as_text=True)


def test_audit_log_lists_newest_first_with_event(
    app: Flask, admin_client: FlaskClient, event: Event
) -> None:
    with app.app_context():
        db = get_session()
        audit.record(db, "event_closed", event=db.get(Event, event.id))
        db.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert page.index("Collection closed") < page.index("Signed in")
    assert event.slug in page
    assert "root@example.org" in page


def test_audit_log_is_paginated(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        db = get_session()
        for number in range(60):
            audit.record(db, "download", file=f"f{number}.xlsx")
        db.commit()
    first = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "f59.xlsx" in first and "f10.xlsx" in first and "f9.xlsx" not in first
    second = admin_client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "f9.xlsx" in second and "Signed in" in second


def test_audit_log_words_the_downloads_and_their_filters(
    app: Flask, admin_client: FlaskClient, event: Event
) -> None:
    with app.app_context():
        db = get_session()
        here = db.get(Event, event.id)
        filters = {"stakeholder": "government", "q": "wage"}
        audit.record(db, "download_prepare", event=here, workbook="filtered", filters=filters)
        audit.record(db, "download", event=here, workbook="filtered", filters=filters, rows=2)
        db.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert page.index("Workbook downloaded") < page.index("Workbook preparation started")
    assert "q=wage, stakeholder=government" in page and "{'" not in page
    assert re.search(r'class="key">Rows</span>\s*2<', page)

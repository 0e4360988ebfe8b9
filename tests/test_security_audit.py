"""The audit log records refusals too: refused event files, refused cross-event requests,
throttled sign-ins, and every showing of a response's name and organisation."""

from __future__ import annotations

import io

from flask import Flask
from sqlalchemy import select

from survey_app import create_app
from survey_app.admin import auth
from survey_app.db import get_session
from survey_app.extensions import limiter
from survey_db.models import AuditEntry, Base

from .admin_helpers import (
    FIRST_SLUG,
    OTHER_SLUG,
    PASSWORD,
    add_response,
    csrf_token,
    login,
    make_organiser,
)


def _entries(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context():
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list(get_session().scalars(query))


def test_refused_cross_event_requests_are_recorded(app, event, stranger_client):
    for url in (f"/admin/e/{FIRST_SLUG}/", f"/admin/e/{FIRST_SLUG}/responses", "/admin/audit"):
        assert stranger_client.get(url).status_code == 404
    token = csrf_token(stranger_client, f"/admin/e/{OTHER_SLUG}/settings")
    posted = stranger_client.post(
        f"/admin/e/{FIRST_SLUG}/status", data={"csrf_token": token, "status": "closed"}
    )
    assert posted.status_code == 404
    assert stranger_client.get("/admin/e/no-such-event/").status_code == 404
    refused = _entries(app, "access_refused")
    assert [entry.detail["path"] for entry in refused] == [
        f"/admin/e/{FIRST_SLUG}/?",
        f"/admin/e/{FIRST_SLUG}/responses?",
        "/admin/audit?",
        f"/admin/e/{FIRST_SLUG}/status?",
    ]
    assert {entry.event_id for entry in refused} == {event.id, None}
    assert all(entry.organiser_id is not None for entry in refused)


def test_refused_event_file_is_recorded(app, organiser_client):
    url = f"/admin/e/{FIRST_SLUG}/settings"
    data = {
        "csrf_token": csrf_token(organiser_client, url),
        "file": (io.BytesIO(b"a: &x 1"), "x.yaml"),
    }
    assert (
        organiser_client.post(url, data=data, content_type="multipart/form-data").status_code == 400
    )
    [entry] = _entries(app, "upload_failed")
    assert entry.detail["file"] == "x.yaml" and "anchors (&x)" in entry.detail["problem"]


def test_throttled_sign_ins_are_recorded(app, client, event):
    make_organiser(app, "ana@example.org", PASSWORD)
    for _n in range(auth.PAIR_FAILURES + 1):
        login(client, "ana@example.org", "not the password")
    [entry] = _entries(app, "login_throttled")
    assert entry.detail == {"email": "ana@example.org", "address": "127.0.0.1"}


def test_showing_a_name_is_recorded(app, organiser_client):
    named = add_response(app, FIRST_SLUG, name="Li Wei", organisation="MOHRSS")
    anonymous = add_response(app, FIRST_SLUG)
    for ident in (named, anonymous, named):
        page = organiser_client.get(f"/admin/e/{FIRST_SLUG}/responses/{ident}")
        assert page.status_code == 200
    assert "Li Wei" in page.get_data(as_text=True)
    viewed = _entries(app, "personal_viewed")
    assert [entry.detail["response"] for entry in viewed] == [named, named]


def test_the_audit_log_names_the_new_entries(app, client, event, stranger_client):
    stranger_client.get(f"/admin/e/{FIRST_SLUG}/")
    make_organiser(app, "admin@example.org", PASSWORD, admin=True)
    login(client, "admin@example.org", PASSWORD)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Access refused" in page and "Address asked for" in page


def test_the_limiters_refusals_are_recorded(app: Flask, database_url: str):
    limited = create_app({**app.config, "RATELIMIT_ENABLED": True})
    with limited.app_context():
        limiter.reset()
        if database_url.startswith("sqlite"):
            Base.metadata.create_all(limited.extensions["survey_db"]["engine"])
    client = limited.test_client()
    token = csrf_token(client)
    codes = [
        client.post("/admin/login", data={"email": "", "password": "", "csrf_token": token})
        for _n in range(21)
    ]
    assert [response.status_code for response in codes][-2:] == [200, 429]
    [entry] = _entries(limited, "login_throttled")
    assert entry.detail == {"address": "127.0.0.1", "limit": "20 per 1 minute"}
    limited.extensions["survey_db"]["engine"].dispose()


def test_an_answer_of_another_event_asked_for_by_id_is_recorded(app, event, stranger_client):
    theirs = add_response(app, FIRST_SLUG, text="Not for the other event's organisers.")
    url = f"/admin/e/{OTHER_SLUG}/responses/{theirs}"
    assert stranger_client.get(url).status_code == 404
    assert stranger_client.get(f"/admin/e/{OTHER_SLUG}/responses/999999").status_code == 404
    refused = _entries(app, "access_refused")
    assert [entry.detail["path"] for entry in refused] == [f"{url}?"]

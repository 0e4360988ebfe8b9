"""Every registered route, as anonymous, an organiser of another event, and the event's own.

The routes come from the app's URL map, so a new route cannot be forgotten: the test fails
until the route's expected access is written down here.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from exports.nightly import write_due_workbooks
from survey_app.attendee.operations import edit_token
from survey_app.db import get_session
from survey_app.events import FIRST_EVENT_FILE, apply_event, parse_event_yaml
from survey_db.models import Response

from .admin_helpers import PASSWORD, login, make_organiser
from .form_helpers import fresh_form

SLUG = "2020-11-10-social-protection"
OTHER = "2021-05-20-second-dialogue"

#: Who may use each endpoint: "public", "signed_in" (any organiser), "event" (organisers of
#: the event in the URL, and admins), "admin" (admins only), or "sign_in" (the sign-in page).
ACCESS = {
    "static": "public",
    "health.healthz": "public",
    "attendee.index": "public",
    "attendee.agenda": "public",
    "attendee.session_feedback": "public",
    "attendee.feedback_grid": "public",
    "attendee.policy_inputs": "public",
    "attendee.thanks": "public",
    "attendee.amend": "public",
    "attendee.withdraw": "public",
    "attendee.restore": "public",
    "attendee.short_address": "public",
    "admin.login": "sign_in",
    "admin.logout": "signed_in",
    "admin.home": "signed_in",
    "admin.runs": "signed_in",
    "admin.audit_log": "admin",
    "admin.upload_event": "admin",
    "admin.codebook": "admin",
    "admin.codebook_add": "admin",
    "admin.codebook_preview": "admin",
    "admin.codebook_preview_again": "admin",
    "admin.codebook_remove": "admin",
    "admin.codebook_suggest_again": "admin",
    "admin.event_overview": "event",
    "admin.event_settings": "event",
    "admin.event_status": "event",
    "admin.print_material": "event",
    "admin.responses": "event",
    "admin.response_detail": "event",
    "admin.review_queue": "event",
    "admin.review_response": "event",
    "admin.paper_feedback": "event",
    "admin.paper_input": "event",
    "admin.download_summary": "event",
    "admin.download_nightly": "event",
    "admin.download_raw": "event",
    "admin.download_filtered": "event",
    "admin.downloads": "event",
    "admin.downloads_status": "event",
    "admin.prepare_download": "event",
    "admin.download_prepared": "event",
    "admin.briefing_page": "event",
    "admin.levels": "event",
    "admin.overview_live": "event",
    "admin.run_status": "event",
    "admin.tag_now": "event",
    "admin.accept_selected": "event",
    "admin.tagging_quality": "event",
    "admin.disagreements": "event",
    "admin.review_import": "event",
    "admin.review_import_apply": "event",
    "admin.live_first": "event",
    "admin.live_session": "event",
    "admin.live_session_json": "event",
    "admin.live_theme": "event",
    "admin.live_theme_json": "event",
}


def test_every_route_has_a_declared_access_rule(app: Flask):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ACCESS), "declare the access of new routes in ACCESS"


@pytest.fixture
def world(app: Flask, client, event):
    """Two events, an answer in the first, and three organisers."""
    other = FIRST_EVENT_FILE.read_text("utf-8").replace(SLUG, OTHER)
    with app.app_context():
        db = get_session()
        apply_event(db, parse_event_yaml(other), status="open")
        db.commit()
    form = fresh_form(client, f"/e/{SLUG}/sessions/opening/feedback")
    client.post(f"/e/{SLUG}/sessions/opening/feedback", data={**form, "overall": "4"})
    with app.app_context():
        response = get_session().scalars(select(Response)).one()
        token = edit_token(app.config["SECRET_KEY"], response.submission_key)
        response_id = response.id
    with app.app_context():
        assert write_due_workbooks(get_session(), app.config["EXPORT_DIR"]) >= 1
    make_organiser(app, "own@example.org", PASSWORD, events=[SLUG])
    make_organiser(app, "other@example.org", PASSWORD, events=[OTHER])
    make_organiser(app, "admin@example.org", PASSWORD, admin=True)
    values = {
        "slug": SLUG,
        "code": "opening",
        "token": token,
        "response_id": response_id,
        "filename": "style.css",
        "theme": "risks",
        "short": "1",
        "level": "virus",
        "kind": "extra",
        "addition_id": 1,
    }
    return values


def urls(app: Flask, values: dict) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route and method."""
    found = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            arguments = {name: values[name] for name in rule.arguments}
            url = url_for(rule.endpoint, **arguments)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, url))
    return found


def call(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={})


def as_role(app: Flask, role: str):
    client = app.test_client()
    if role != "anonymous":
        response = login(client, f"{role}@example.org", PASSWORD)
        assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.mark.parametrize("role", ["anonymous", "other", "own", "admin"])
def test_who_gets_what(app: Flask, world, role):
    client = as_role(app, role)
    for endpoint, method, url in urls(app, world):
        if endpoint == "admin.logout":
            continue  # would end this client's session; covered by the console's own tests
        rule = ACCESS[endpoint]
        status = call(client, method, url).status_code
        where = f"{role} {method} {url} -> {status}"
        if rule in ("public", "sign_in"):
            assert status not in (401, 403, 404, 500) or (method == "POST" and status == 400), where
            continue
        if role == "anonymous":
            expected = 302 if method == "GET" else 400
            assert status == expected, where
            continue
        allowed = (
            rule == "signed_in"
            or (rule == "admin" and role == "admin")
            or (rule == "event" and role in ("own", "admin"))
        )
        if not allowed:
            assert status == 404 or (method == "POST" and status == 400), where
        elif method == "GET":
            assert status in (200, 302), where
        else:
            assert status == 400, where  # a POST without a CSRF token is refused


def test_anonymous_console_get_redirects_to_sign_in(app: Flask, world):
    client = app.test_client()
    for endpoint, method, url in urls(app, world):
        if ACCESS[endpoint] in ("signed_in", "event", "admin") and method == "GET":
            response = client.get(url)
            assert response.status_code == 302, url
            assert "/admin/login" in response.location, url


def test_posts_without_csrf_are_refused_for_the_event_organiser(app: Flask, world):
    client = as_role(app, "own")
    for endpoint, method, url in urls(app, world):
        if method != "POST" or endpoint == "admin.logout":
            continue
        response = client.post(url, data={})
        assert response.status_code in (400, 404), f"{endpoint} {url}"
        if ACCESS[endpoint] == "event" or ACCESS[endpoint].startswith("public"):
            assert response.status_code == 400, f"{endpoint} {url}"
    with app.app_context():
        assert get_session().scalars(select(Response)).one().status == "active"

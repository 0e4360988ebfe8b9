"""Signing in and out of the console: messages, redirects, CSRF, throttling and rehashing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from survey_app import create_app
from survey_app.admin import auth
from survey_app.db import get_session
from survey_app.extensions import limiter
from survey_db.models import AuditEntry, Base, Organiser
from survey_db.models.accounts import SignInCount

from .admin_helpers import PASSWORD, csrf_token, login, logout, make_organiser

WRONG = "The email or the password is not right."
THROTTLED = "Too many failed sign-ins."


def actions(app: Flask) -> list[tuple[str, dict]]:
    """Audit entries as ``(action, detail)``, oldest first."""
    with app.app_context():
        entries = get_session().scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.action, entry.detail) for entry in entries]


def test_csrf_protection_is_on_in_tests(app: Flask) -> None:
    assert app.config.get("WTF_CSRF_ENABLED", True) is True


def test_login_page_has_the_form(client: FlaskClient) -> None:
    page = client.get("/admin/login").get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page and 'name="csrf_token"' in page


def test_sign_in_goes_home_and_is_audited(app: Flask, client: FlaskClient) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    response = login(client, "  Ana@Example.ORG ", PASSWORD)
    assert response.status_code == 302
    assert response.location == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert actions(app) == [("login", {"email": "ana@example.org", "address": "127.0.0.1"})]


@pytest.mark.parametrize(
    ("email", "password"),
    [("ana@example.org", "not the password"), ("nobody@example.org", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_failed_sign_in_says_the_same_thing(
    app: Flask, client: FlaskClient, email: str, password: str
) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    response = login(client, email, password)
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert actions(app) == [("login_failed", {"email": email, "address": "127.0.0.1"})]


def test_unknown_email_spends_a_verification(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    spent: list[str] = []
    monkeypatch.setattr(auth, "verify_nobody", spent.append)
    login(client, "nobody@example.org", PASSWORD)
    assert spent == [PASSWORD]


def test_disabled_account_cannot_sign_in(app: Flask, client: FlaskClient) -> None:
    account = make_organiser(app, "ana@example.org", PASSWORD)
    with app.app_context():
        db = get_session()
        db.execute(update(Organiser).where(Organiser.id == account.id).values(enabled=False))
        db.commit()
    assert WRONG in login(client, "ana@example.org", PASSWORD).get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_anonymous_is_sent_to_sign_in_and_back(app: Flask, client: FlaskClient) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    response = client.get("/admin/runs")
    assert response.status_code == 302
    assert response.location.startswith("/admin/login?next=")
    assert login(client, "ana@example.org", PASSWORD, next_url="/admin/runs").location == (
        "/admin/runs"
    )


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"],
)
def test_next_outside_the_site_is_ignored(app: Flask, client: FlaskClient, target: str) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    assert login(client, "ana@example.org", PASSWORD, next_url=target).location == "/admin/"


def test_sign_in_without_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    response = client.post("/admin/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_sign_out_needs_a_post_with_token(app: Flask, client: FlaskClient) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    login(client, "ana@example.org", PASSWORD)
    assert client.get("/admin/logout").status_code == 405
    assert client.post("/admin/logout").status_code == 400
    assert client.get("/admin/").status_code == 200
    response = logout(client)
    assert response.location == "/admin/login"
    assert "You have signed out." in client.get("/admin/login").get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert [action for action, _detail in actions(app)] == ["login", "logout"]


def fail(client: FlaskClient, email: str, times: int) -> None:
    for _n in range(times):
        assert login(client, email, "not the password").status_code == 200


def age_audit_entries(app: Flask, by: timedelta) -> None:
    with app.app_context():
        db = get_session()
        for entry in db.scalars(select(AuditEntry)):
            entry.at -= by
        for count in db.scalars(select(SignInCount)):
            count.window_started -= by
        db.commit()


def test_five_failures_lock_the_email(app: Flask, client: FlaskClient) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    make_organiser(app, "ben@example.org", PASSWORD)
    fail(client, "ana@example.org", 5)
    response = login(client, "ana@example.org", PASSWORD)
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert actions(app)[-1] == (
        "login_throttled",
        {"email": "ana@example.org", "address": "127.0.0.1"},
    )
    assert login(client, "ben@example.org", PASSWORD).status_code == 302


def test_lock_ends_after_the_window(app: Flask, client: FlaskClient) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    fail(client, "ana@example.org", 5)
    age_audit_entries(app, auth.THROTTLE_WINDOW + timedelta(seconds=1))
    assert login(client, "ana@example.org", PASSWORD).status_code == 302


def test_success_starts_the_count_afresh(app: Flask, client: FlaskClient) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    fail(client, "ana@example.org", 4)
    assert login(client, "ana@example.org", PASSWORD).status_code == 302
    logout(client)
    fail(client, "ana@example.org", 1)
    assert login(client, "ana@example.org", PASSWORD).status_code == 302


def test_many_failures_from_one_address_lock_it(app: Flask, client: FlaskClient) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    for number in range(auth.ADDRESS_FAILURES):
        fail(client, f"guess{number}@example.org", 1)
    assert login(client, "ana@example.org", PASSWORD).status_code == 429


def test_limiter_refuses_a_flood_of_posts(app: Flask, database_url: str) -> None:
    limited = create_app({**app.config, "RATELIMIT_ENABLED": True})
    with limited.app_context():
        limiter.reset()
        if database_url.startswith("sqlite"):
            Base.metadata.create_all(limited.extensions["survey_db"]["engine"])
    client = limited.test_client()
    token = csrf_token(client)
    codes = [
        client.post(
            "/admin/login", data={"email": "", "password": "", "csrf_token": token}
        ).status_code
        for _n in range(21)
    ]
    assert codes[:20] == [200] * 20
    assert codes[20] == 429
    assert client.get("/admin/login").status_code == 200
    limited.extensions["survey_db"]["engine"].dispose()


def test_old_hash_is_replaced_on_sign_in(app: Flask, client: FlaskClient) -> None:
    account = make_organiser(app, "ana@example.org", PASSWORD)
    old = PasswordHasher(time_cost=2, memory_cost=8, parallelism=1).hash(PASSWORD)
    with app.app_context():
        db = get_session()
        db.execute(update(Organiser).where(Organiser.id == account.id).values(password_hash=old))
        db.commit()
    assert login(client, "ana@example.org", PASSWORD).status_code == 302
    with app.app_context():
        new = get_session().get(Organiser, account.id).password_hash
    assert new != old
    assert new.startswith("$argon2id$")

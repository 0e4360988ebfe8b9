"""Console sessions end on the server side: signing out, a password reset and disabling end
every session of the account; a session also ends when idle and after its lifetime."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .admin_helpers import PASSWORD, login, logout, make_organiser

HOME = "/admin/"


def _signed_in(app: Flask) -> FlaskClient:
    reader = app.test_client()
    response = login(reader, "org@example.org", PASSWORD)
    assert response.status_code == 302
    assert reader.get(HOME).status_code == 200
    return reader


def _copy_of_cookie(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a saved copy of ``client``'s session cookie."""
    saved = client.get_cookie("session")
    assert saved is not None
    thief = app.test_client()
    thief.set_cookie("session", saved.value)
    return thief


@pytest.fixture
def account(app: Flask, event):
    return make_organiser(app, "org@example.org", PASSWORD, events=[event])


def test_a_saved_cookie_no_longer_opens_the_console_after_signing_out(app, account):
    client = _signed_in(app)
    elsewhere = _signed_in(app)
    saved = _copy_of_cookie(app, client)
    assert saved.get(HOME).status_code == 200
    assert logout(client).status_code == 302
    for other in (saved, elsewhere, client):
        response = other.get(HOME)
        assert response.status_code == 302 and "/admin/login" in response.location


@pytest.mark.parametrize("command", ["reset-password", "disable"])
def test_password_reset_and_disabling_end_every_session(app, account, runner, command):
    client = _signed_in(app)
    saved = _copy_of_cookie(app, client)
    result = runner.invoke(
        args=["organisers", command, "org@example.org"], input="another password\n"
    )
    assert result.exit_code == 0, result.output
    assert client.get(HOME).status_code == 302
    assert saved.get(HOME).status_code == 302


@pytest.mark.parametrize(
    "stamp, limit, then",
    [("seen_at", 3600, 3605), ("signed_in_at", 12 * 3600, 10)],
    ids=["idle an hour", "signed in twelve hours ago"],
)
def test_sessions_end_when_idle_and_after_their_lifetime(app, account, stamp, limit, then):
    client = _signed_in(app)
    with client.session_transaction() as session:
        session[stamp] -= limit - 5
    assert client.get(HOME).status_code == 200, "just inside the limit"
    with client.session_transaction() as session:
        session[stamp] -= then
    response = client.get(HOME)
    assert response.status_code == 302 and "/admin/login" in response.location


def test_a_visit_keeps_an_active_session_going(app, account):
    client = _signed_in(app)
    with client.session_transaction() as session:
        session["seen_at"] -= 50 * 60
        session["signed_in_at"] -= 50 * 60
    assert client.get(HOME).status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] -= 20 * 60
    assert client.get(HOME).status_code == 200, "the last visit was 20 minutes ago"

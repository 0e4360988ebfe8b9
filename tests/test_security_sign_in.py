"""Sign-in throttling: guessing stays slow, yet the owner from an address that has not failed
still signs in; attempts are counted atomically, so simultaneous guesses cannot slip past."""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from survey_app.admin import auth
from survey_app.db import get_session
from survey_db.models import AuditEntry
from survey_db.models.accounts import SignInCount

from .admin_helpers import PASSWORD, csrf_token, make_organiser

EMAIL = "ana@example.org"


def _attempt(client, password: str, address: str) -> int:
    data = {"email": EMAIL, "password": password, "csrf_token": csrf_token(client)}
    environ = {"REMOTE_ADDR": address}
    return client.post("/admin/login", data=data, environ_base=environ).status_code


def _count(app: Flask, action: str) -> int:
    with app.app_context():
        query = select(func.count(AuditEntry.id)).where(AuditEntry.action == action)
        return get_session().scalar(query)


def test_guessing_from_elsewhere_does_not_lock_the_owner_out(app: Flask):
    make_organiser(app, EMAIL, PASSWORD)
    attacker = app.test_client()
    codes = [_attempt(attacker, "guess", "203.0.113.9") for _n in range(auth.PAIR_FAILURES)]
    assert codes == [200] * auth.PAIR_FAILURES
    assert _attempt(attacker, "guess", "203.0.113.9") == 429
    assert _attempt(attacker, PASSWORD, "203.0.113.9") == 429, "the guesser stays stopped"
    # The owner, from an address that has not failed, signs in.
    assert _attempt(app.test_client(), PASSWORD, "198.51.100.7") == 302
    # An attacker moving to another address gets one try there once the account has failed.
    for _n in range(auth.ACCOUNT_FAILURES):
        _attempt(attacker, "guess", "203.0.113.9")
    moved = app.test_client()
    assert _attempt(moved, "guess", "203.0.113.10") == 200
    assert _attempt(moved, "guess", "203.0.113.10") == 429
    assert _count(app, "login_failed") == auth.PAIR_FAILURES + 1


def test_simultaneous_guesses_check_no_more_passwords_than_the_limit(app: Flask):
    make_organiser(app, EMAIL, PASSWORD)
    clients = [app.test_client() for _n in range(15)]
    tokens = [csrf_token(client) for client in clients]
    start = threading.Barrier(len(clients))
    codes: list[int] = []

    def guess(client, token: str) -> None:
        start.wait()
        data = {"email": EMAIL, "password": "guess", "csrf_token": token}
        response = client.post("/admin/login", data=data)
        codes.append(response.status_code)

    threads = [
        threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [200] * auth.PAIR_FAILURES + [429] * (15 - auth.PAIR_FAILURES)
    assert _count(app, "login_failed") == auth.PAIR_FAILURES
    assert _count(app, "login_throttled") == 15 - auth.PAIR_FAILURES


def test_counts_keep_only_the_last_window_and_any_address(app: Flask):
    make_organiser(app, EMAIL, PASSWORD)
    client = app.test_client()
    assert _attempt(client, "guess", "2001:db8::" + "f" * 400) == 200
    assert _attempt(client, "guess", "203.0.113.9") == 200
    with app.app_context():
        db = get_session()
        for count in db.scalars(select(SignInCount)):
            count.window_started -= auth.THROTTLE_WINDOW + timedelta(seconds=1)
        db.commit()
    assert _attempt(client, "guess", "203.0.113.9") == 200
    with app.app_context():
        kept = get_session().scalars(select(SignInCount.key).order_by(SignInCount.key)).all()
    assert kept == [f"account {EMAIL}", "address 203.0.113.9", f"pair {EMAIL} 203.0.113.9"]

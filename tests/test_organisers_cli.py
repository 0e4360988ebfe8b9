"""``flask organisers ...``: accounts, passwords from stdin only, sessions ended on reset."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from survey_app.cli.organisers import organisers_cli
from survey_app.db import get_session
from survey_app.passwords import verify_password
from survey_db.models import AuditEntry, Event, Organiser

from .admin_helpers import FIRST_SLUG, PASSWORD, login, make_organiser

NEW_PASSWORD = "another long passphrase"


@pytest.fixture(autouse=True)
def fast_hashes(app: Flask) -> None:
    """Cheap argon2 parameters: the default ones take half a second a hash."""
    app.config["PASSWORD_HASH_PROFILE"] = "fast"


def organiser(app: Flask, email: str) -> Organiser | None:
    with app.app_context():
        db = get_session()
        found = db.scalar(select(Organiser).where(Organiser.email == email))
        if found is not None:
            found.events  # noqa: B018 - load before the session closes
            db.expunge_all()
        return found


def test_create_reads_the_password_from_stdin(
    app: Flask, runner: FlaskCliRunner, event: Event
) -> None:
    result = runner.invoke(
        args=["organisers", "create", "Ana@Example.org", "--event", FIRST_SLUG],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    account = organiser(app, "ana@example.org")
    assert account is not None and not account.is_admin and account.enabled
    assert account.password_hash.startswith("$argon2id$")
    with app.app_context():
        assert verify_password(account.password_hash, PASSWORD)
    assert [item.slug for item in account.events] == [FIRST_SLUG]
    assert PASSWORD not in result.output


def test_create_admin(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["organisers", "create", "root@example.org", "--admin"], input=PASSWORD
    )
    assert result.exit_code == 0, result.output
    assert organiser(app, "root@example.org").is_admin


def test_no_password_option_exists() -> None:
    for command in organisers_cli.commands.values():
        assert not any("password" in name for param in command.params for name in param.opts)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["ana@example.org"], "too short\n", "at least 12 characters"),
        (["ana@example.org", "--event", "no-such-event"], PASSWORD, "no event 'no-such-event'"),
        (["not-an-email"], PASSWORD, "is not an email address"),
        (["ana@example.org", "--password", PASSWORD], "", "No such option"),
    ],
    ids=["short", "unknown-event", "bad-email", "password-option"],
)
def test_create_refuses(
    app: Flask, runner: FlaskCliRunner, args: list[str], stdin: str, message: str
) -> None:
    result = runner.invoke(args=["organisers", "create", *args], input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert organiser(app, "ana@example.org") is None


def test_create_refuses_a_duplicate(app: Flask, runner: FlaskCliRunner) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    result = runner.invoke(args=["organisers", "create", "ANA@example.org"], input=PASSWORD)
    assert result.exit_code != 0
    assert "exists already" in result.output


def test_reset_password_ends_sessions(app: Flask, runner: FlaskCliRunner) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    client = app.test_client()
    assert login(client, "ana@example.org", PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200
    result = runner.invoke(
        args=["organisers", "reset-password", "Ana@example.org"], input=NEW_PASSWORD
    )
    assert result.exit_code == 0, result.output
    assert client.get("/admin/").status_code == 302
    fresh = app.test_client()
    assert login(fresh, "ana@example.org", PASSWORD).status_code == 200
    assert login(fresh, "ana@example.org", NEW_PASSWORD).status_code == 302


def test_reset_password_refuses_a_short_one(app: Flask, runner: FlaskCliRunner) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    result = runner.invoke(args=["organisers", "reset-password", "ana@example.org"], input="short")
    assert result.exit_code != 0
    assert login(app.test_client(), "ana@example.org", PASSWORD).status_code == 302


def test_disable_ends_sessions_and_sign_in(app: Flask, runner: FlaskCliRunner) -> None:
    make_organiser(app, "ana@example.org", PASSWORD)
    client = app.test_client()
    login(client, "ana@example.org", PASSWORD)
    result = runner.invoke(args=["organisers", "disable", "ana@example.org"])
    assert result.exit_code == 0, result.output
    assert client.get("/admin/").status_code == 302
    assert login(app.test_client(), "ana@example.org", PASSWORD).status_code == 200
    with app.app_context():
        actions = list(get_session().scalars(select(AuditEntry.action)))
    assert "organiser_disabled" in actions


@pytest.mark.parametrize("command", ["disable", "reset-password"])
def test_unknown_organiser(runner: FlaskCliRunner, command: str) -> None:
    result = runner.invoke(args=["organisers", command, "nobody@example.org"], input=PASSWORD)
    assert result.exit_code != 0
    assert "no organiser 'nobody@example.org'" in result.output


def test_list(app: Flask, runner: FlaskCliRunner, event: Event) -> None:
    make_organiser(app, "ana@example.org", PASSWORD, events=[FIRST_SLUG])
    make_organiser(app, "root@example.org", PASSWORD, admin=True)
    result = runner.invoke(args=["organisers", "list"])
    assert result.output.splitlines() == [
        f"ana@example.org\torganiser\t{FIRST_SLUG}",
        "root@example.org\tadmin\t-",
    ]

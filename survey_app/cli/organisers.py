"""``flask organisers ...``: create, list, disable accounts and reset their passwords.

Passwords are read from a hidden prompt, or from standard input when it is not a terminal;
never from the command line, where ``ps`` and the shell history would keep them.
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from survey_db.models import Event, Organiser

from ..admin import audit
from ..admin.forms import normalise_email
from ..db import get_session
from ..passwords import MAX_LENGTH, MIN_LENGTH, hash_password


def _read_password() -> str:
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_LENGTH:
        raise click.ClickException(f"the password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise click.ClickException(f"the password must have at most {MAX_LENGTH} characters")
    return password


def _organiser_or_fail(email: str) -> Organiser:
    email = normalise_email(email)
    account = get_session().scalar(select(Organiser).where(Organiser.email == email))
    if account is None:
        raise click.ClickException(f"no organiser '{email}'")
    return account


@click.group("organisers", cls=AppGroup)
def organisers_cli() -> None:
    """Manage the accounts of the organisers' console."""


@organisers_cli.command("create")
@click.argument("email")
@click.option("--event", "slugs", multiple=True, help="Slug of an event they may see (repeat).")
@click.option("--admin", is_flag=True, help="May see every event and the audit log.")
def create(email: str, slugs: tuple[str, ...], admin: bool) -> None:
    """Create an organiser; the password is asked for (or read from standard input)."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or any(char.isspace() for char in email):
        raise click.ClickException(f"'{email}' is not an email address")
    db = get_session()
    if db.scalar(select(Organiser.id).where(Organiser.email == email)) is not None:
        raise click.ClickException(f"an organiser '{email}' exists already")
    events = list(db.scalars(select(Event).where(Event.slug.in_(slugs))))
    unknown = sorted(set(slugs) - {event.slug for event in events})
    if unknown:
        raise click.ClickException("no event " + ", ".join(f"'{slug}'" for slug in unknown))
    account = Organiser(
        email=email, password_hash=hash_password(_read_password()), is_admin=admin, events=events
    )
    db.add(account)
    db.flush()
    audit.record(db, "organiser_created", organiser=account, by="cli", admin=admin, events=slugs)
    db.commit()
    role = "admin" if admin else "organiser"
    click.echo(f"Created {role} '{email}'" + (f" for {', '.join(slugs)}." if slugs else "."))


@organisers_cli.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Stop an organiser from signing in, and end their sessions."""
    account = _organiser_or_fail(email)
    account.enabled = False
    account.session_generation += 1
    db = get_session()
    audit.record(db, "organiser_disabled", organiser=account, by="cli")
    db.commit()
    click.echo(f"Disabled '{account.email}'; their sessions have ended.")


@organisers_cli.command("reset-password")
@click.argument("email")
def reset_password(email: str) -> None:
    """Set a new password and end the organiser's sessions."""
    account = _organiser_or_fail(email)
    account.password_hash = hash_password(_read_password())
    account.session_generation += 1
    db = get_session()
    audit.record(db, "password_reset", organiser=account, by="cli")
    db.commit()
    click.echo(f"New password set for '{account.email}'; their sessions have ended.")


@organisers_cli.command("list")
def list_organisers() -> None:
    """List the organisers, their role and their events."""
    for account in get_session().scalars(select(Organiser).order_by(Organiser.email)):
        role = "admin" if account.is_admin else "organiser"
        state = "" if account.enabled else " (disabled)"
        slugs = ", ".join(sorted(event.slug for event in account.events)) or "-"
        click.echo(f"{account.email}\t{role}{state}\t{slugs}")

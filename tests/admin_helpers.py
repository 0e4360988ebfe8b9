"""Helpers for the console's tests: organisers, events and responses in the database, signing
in and CSRF tokens."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from survey_app.db import get_session
from survey_app.events import FIRST_EVENT_FILE, apply_event, parse_event_yaml
from survey_app.passwords import hash_password
from survey_db.models import Event, Organiser, Response, ResponseTag, utcnow

FIRST_SLUG = "2020-11-10-social-protection"

#: A password long enough for the console, for tests that need any.
PASSWORD = "correct horse battery"

_TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_organiser(
    app: Flask,
    email: str,
    password: str,
    events: list[Event | str] | None = None,
    admin: bool = False,
) -> Organiser:
    """Create an organiser given ``events`` (objects or slugs); returns it detached.

    Switches the app to cheap password hashes first: the default argon2 parameters take
    about half a second a hash, which adds up over a suite.
    """
    app.config["PASSWORD_HASH_PROFILE"] = "fast"
    with app.app_context():
        db = get_session()
        slugs = [item if isinstance(item, str) else item.slug for item in events or []]
        own = list(db.scalars(select(Event).where(Event.slug.in_(slugs)))) if slugs else []
        account = Organiser(
            email=email.lower(), password_hash=hash_password(password), is_admin=admin, events=own
        )
        db.add(account)
        db.commit()
        db.refresh(account)
        db.expunge(account)
        return account


def csrf_token(client: FlaskClient, url: str = "/admin/login") -> str:
    """The CSRF token from the hidden input of the form at ``url``."""
    page = client.get(url).get_data(as_text=True)
    found = _TOKEN_RE.search(page)
    assert found is not None, f"no csrf_token input at {url}"
    return found.group(1)


def login(client: FlaskClient, email: str, password: str, next_url: str = "") -> TestResponse:
    """Sign in through the login form, as a browser would."""
    url = "/admin/login" + (f"?next={next_url}" if next_url else "")
    token = csrf_token(client)
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


def sign_in_browser(page: Any, live_server: str, email: str, language: str = "") -> None:
    """Sign ``email`` in on a Playwright ``page`` (in ``language`` if given), as a person does."""
    page.goto(f"{live_server}/admin/login" + (f"?lang={language}" if language else ""))
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server}/admin/")


def logout(client: FlaskClient) -> TestResponse:
    """Sign out through the console's sign-out form."""
    token = csrf_token(client, "/admin/runs")
    return client.post("/admin/logout", data={"csrf_token": token})


def event_yaml(slug: str = FIRST_SLUG) -> str:
    """The bundled first event's YAML, with its slug changed to ``slug``."""
    text = FIRST_EVENT_FILE.read_text("utf-8")
    return text.replace(f"  slug: {FIRST_SLUG}\n", f"  slug: {slug}\n", 1)


def add_event(app: Flask, slug: str, status: str = "open") -> Event:
    """Load a copy of the first event under another slug; returns it detached."""
    with app.app_context():
        db = get_session()
        apply_event(db, parse_event_yaml(event_yaml(slug)), status=status)
        db.commit()
        event = db.scalars(select(Event).where(Event.slug == slug)).one()
        db.expunge(event)
        return event


OTHER_SLUG = "2021-05-20-other-dialogue"


#: An answer whose machine levels reviewers corrected in the codebook and review tests.
STALL = "Our night market vendors were hit hard by the stall-out this spring."


def reviewed(machine: list[str], person: list[str]) -> dict:
    """The tag row of an answer a person reviewed: the machine said ``machine``, the person
    ``person``."""
    return {
        "machine_levels": machine,
        "review_state": "changed",
        "reviewed_levels": person,
        "reviewed_groups": [],
        "reviewed_areas": [],
    }


def add_response(
    app: Flask, slug: str, kind: str = "input", tags: dict[str, Any] | None = None, **values: Any
) -> int:
    """Store one response in the event ``slug`` (first session or theme), with optional tags."""
    with app.app_context():
        db = get_session()
        event = db.scalar(select(Event).where(Event.slug == slug))
        if kind == "feedback":
            values = {"session_id": event.feedback_sessions()[0].id, "overall": 4, **values}
        else:
            values = {"theme_id": event.themes[0].id, "text": "A policy input.", **values}
        response = Response(event_id=event.id, kind=kind, **values)
        db.add(response)
        db.flush()
        if tags is not None:
            db.add(
                ResponseTag(
                    response_id=response.id,
                    tagged_version=response.version or 1,
                    tagger_version="test",
                    tagged_at=utcnow(),
                    **{"certainty": 0.5, "machine_scores": {}, "machine_evidence": {}, **tags},
                )
            )
        db.commit()
        return response.id


def signed_in(app: Flask, client: FlaskClient, event: Event) -> FlaskClient:
    """``client`` signed in as an organiser of the first event only."""
    make_organiser(app, "org@example.org", PASSWORD, events=[event])
    login(client, "org@example.org", PASSWORD)
    return client


def stranger(app: Flask) -> FlaskClient:
    """A client signed in as an organiser of another event only."""
    add_event(app, OTHER_SLUG)
    make_organiser(app, "stranger@example.org", PASSWORD, events=[OTHER_SLUG])
    other = app.test_client()
    login(other, "stranger@example.org", PASSWORD)
    return other

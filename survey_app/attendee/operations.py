"""Storing, amending and withdrawing answers: plain functions, no request in sight."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import AgendaSession, Event, Response, Theme
from ..models.vocabulary import FEEDBACK_TEXT_FIELDS, RATING_FIELDS

#: The form fields copied onto a response, by kind.
RESPONDENT_FIELDS = ("stakeholder", "name", "organisation", "quote_ok", "show_name")
FEEDBACK_FIELDS = (*RATING_FIELDS, *FEEDBACK_TEXT_FIELDS, "attendance", *RESPONDENT_FIELDS)
INPUT_FIELDS = ("text", "groups", "areas", *RESPONDENT_FIELDS)
CHOICE_FIELDS = ("attendance", "stakeholder")


def new_submission_key() -> str:
    """A one-time key for a freshly rendered form."""
    return secrets.token_urlsafe(24)


def edit_token(secret_key: str, submission_key: str) -> str:
    """The private amend link's token, derived from the form's key.

    Deriving it (rather than storing it) lets a repeated post show the same link again,
    while the database keeps only its hash.
    """
    digest = hmac.new(secret_key.encode(), b"amend:" + submission_key.encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


def token_hash(token: str) -> str:
    """What the database keeps of an amend token."""
    return hashlib.sha256(token.encode()).hexdigest()


def clean_answers(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The answer fields of a validated form: blank text and choices become None."""
    answers: dict[str, Any] = {}
    for field in fields:
        value = data.get(field)
        if value == "" or (field in CHOICE_FIELDS and not (value or "").strip()):
            # WTForms' Optional() lets a blank choice through as given.
            value = None
        if field in ("quote_ok", "show_name"):
            value = bool(value)
        if field in ("groups", "areas"):
            value = sorted(set(value or []))
        answers[field] = value
    return answers


@dataclass(frozen=True)
class Stored:
    """A stored response and its amend token; ``created`` is False for a repeated post."""

    response: Response
    token: str
    created: bool


def find_by_key(db: Session, submission_key: str) -> Response | None:
    """The response stored under a form's one-time key, if any."""
    return db.scalar(select(Response).where(Response.submission_key == submission_key))


def find_by_token(db: Session, event: Event, token: str) -> Response | None:
    """The response whose private link carries ``token``, within ``event``."""
    return db.scalar(
        select(Response).where(
            Response.edit_token_hash == token_hash(token), Response.event_id == event.id
        )
    )


def store_response(
    db: Session,
    secret_key: str,
    submission_key: str,
    values: dict[str, Any],
) -> Stored:
    """Store a response once per submission key; a repeat returns the first one.

    The caller commits. A concurrent duplicate that slips past the look-up hits the unique
    key and is answered with the stored one, so a double click never stores two.
    """
    token = edit_token(secret_key, submission_key)
    existing = find_by_key(db, submission_key)
    if existing is not None:
        return Stored(existing, token, created=False)
    response = Response(submission_key=submission_key, edit_token_hash=token_hash(token), **values)
    try:
        with db.begin_nested():
            db.add(response)
    except IntegrityError:
        existing = find_by_key(db, submission_key)
        if existing is None:
            raise
        return Stored(existing, token, created=False)
    return Stored(response, token, created=True)


def response_values(
    target: AgendaSession | Theme, answers: dict[str, Any], language: str, channel: str
) -> dict[str, Any]:
    """Column values of a new response: feedback on a session, or an input on a theme."""
    if isinstance(target, AgendaSession):
        kind = {"kind": "feedback", "session_id": target.id}
    else:
        kind = {"kind": "input", "theme_id": target.id}
    return {
        "event_id": target.event_id,
        **kind,
        "language": language,
        "channel": channel,
        **answers,
    }


def amend(response: Response, answers: dict[str, Any]) -> bool:
    """Apply changed answers, keeping the previous version; False when nothing changed."""
    changed = {
        field: value for field, value in answers.items() if getattr(response, field) != value
    }
    if not changed:
        return False
    response.amend(changed)
    return True


def siblings(db: Session, response: Response) -> list[Response]:
    """The responses sent with the same grid form (one per session rated)."""
    key = response.submission_key or ""
    if ":" not in key:
        return [response]
    prefix = key.split(":", 1)[0] + ":"
    query = (
        select(Response)
        .where(
            Response.event_id == response.event_id,
            Response.submission_key.startswith(prefix, autoescape=True),
        )
        .order_by(Response.id)
    )
    return list(db.scalars(query))

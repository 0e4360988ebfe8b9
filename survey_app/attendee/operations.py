"""Storing, amending and withdrawing answers: plain functions, no request in sight."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey_db.models import AgendaSession, Event, Response, ResponseVersion, Theme, utcnow
from survey_db.models.vocabulary import FEEDBACK_TEXT_FIELDS, RATING_FIELDS

#: The form fields copied onto a response, by kind.
RESPONDENT_FIELDS = ("stakeholder", "name", "organisation", "quote_ok", "show_name")
FEEDBACK_FIELDS = (*RATING_FIELDS, *FEEDBACK_TEXT_FIELDS, "attendance", *RESPONDENT_FIELDS)
INPUT_FIELDS = ("text", "groups", "areas", *RESPONDENT_FIELDS)
CHOICE_FIELDS = ("attendance", "stakeholder")


def new_submission_key() -> str:
    """A one-time key for a freshly rendered form."""
    return secrets.token_urlsafe(24)


#: What :func:`new_submission_key` makes (32 URL-safe characters), with room to spare.
_SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def is_submission_key(value: str | None) -> bool:
    """Whether ``value`` could be a key we made; anything else (a NUL byte) is not stored."""
    return value is not None and _SUBMISSION_KEY.fullmatch(value) is not None


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
    if "show_name" in answers:
        # A name may appear only beside words that may be quoted: never a name on its own.
        answers["show_name"] = answers["show_name"] and bool(answers.get("quote_ok"))
    return answers


# Statements of every submission, built once: building one costs about as much as running it.
_BY_TOKEN = select(Response).where(
    Response.edit_token_hash == bindparam("token_hash"), Response.event_id == bindparam("event_id")
)
_ID_BY_KEY = select(Response.id).where(Response.submission_key == bindparam("key"))
#: Core inserts into the table: the values come as parameters, so the statement stays the same.
_INSERT = {
    name: insert(Response.__table__).on_conflict_do_nothing().returning(Response.id)
    for name, insert in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))
}


@dataclass(frozen=True)
class Stored:
    """A stored response's id and amend token; ``created`` is False for a repeated post."""

    response_id: int
    token: str
    created: bool


def find_by_token(db: Session, event: Event, token: str) -> Response | None:
    """The response whose private link carries ``token``, within ``event``."""
    return db.scalar(_BY_TOKEN, {"token_hash": token_hash(token), "event_id": event.id})


def store_response(
    db: Session,
    secret_key: str,
    submission_key: str,
    values: dict[str, Any],
) -> Stored:
    """Store a response once per submission key; a repeat returns the first one.

    The caller commits. One ``INSERT ... ON CONFLICT DO NOTHING``: a repeated post, even one
    sent at the same moment as the first, meets the unique key and stores nothing, so a double
    click never stores two. (The ORM's unit of work would cost a look-up and a savepoint more.)
    """
    token = edit_token(secret_key, submission_key)
    statement = _INSERT[db.get_bind().dialect.name]
    row = {"submission_key": submission_key, "edit_token_hash": token_hash(token), **values}
    new_id = db.scalar(statement, row)
    if new_id is not None:
        return Stored(new_id, token, created=True)
    existing = db.scalar(_ID_BY_KEY, {"key": submission_key})
    if existing is None:  # the conflict was on something else: say so, store nothing
        raise IntegrityError(str(statement), None, ValueError("not stored: a unique key clash"))
    return Stored(existing, token, created=False)


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


def restore(response: Response) -> None:
    """Undo the attendee's own withdrawal: counted again, the withdrawn state kept as a version.

    Only a withdrawal is undone here: spam and test marks are the organisers' to lift.
    """
    if response.status != "withdrawn":
        raise ValueError("only a withdrawn response can be restored")
    response.versions.append(ResponseVersion(number=response.version, data=response.snapshot()))
    response.status = "active"
    response.version += 1
    response.updated_at = utcnow()

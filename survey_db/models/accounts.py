"""Organisers' accounts, the events they may see, sign-in counts and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .events import Event

organiser_events = Table(
    "organiser_events",
    Base.metadata,
    Column("organiser_id", ForeignKey("organisers.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
)


class Organiser(UserMixin, Base):
    """Someone who runs events and reads the answers."""

    __tablename__ = "organisers"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Sign-in name, stored lower-case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Argon2id hash of the password.
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Admins see every event and the audit log.
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: A disabled account cannot sign in.
    enabled: Mapped[bool] = mapped_column(default=True)
    #: Bumped on password reset or disabling, which ends existing sessions.
    session_generation: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    events: Mapped[list[Event]] = relationship(secondary=organiser_events)

    @property
    def is_active(self) -> bool:  # Flask-Login's name
        """Disabled accounts are not active."""
        return self.enabled

    def get_id(self) -> str:
        """Session id: changes when the password is reset, logging out other sessions."""
        return f"{self.id}:{self.session_generation}"

    def visible_event_ids(self) -> set[int] | None:
        """Ids of the events this organiser may see, or None for an admin (every event)."""
        return None if self.is_admin else {own.id for own in self.events}

    def can_see(self, event: Event) -> bool:
        """Admins see all events, an organiser only those given to them."""
        return self.is_admin or any(own.id == event.id for own in self.events)


class AuditEntry(Base):
    """Who did what and when: sign-ins, reviews, downloads and event changes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: The organiser, if known (a failed sign-in may name no account).
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id"))
    #: Short action code, e.g. ``login``, ``login_failed``, ``review``, ``download``.
    action: Mapped[str] = mapped_column(String(40), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    #: Details of the action (ids, counts; never passwords).
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    organiser: Mapped[Organiser | None] = relationship()


class SignInCount(Base):
    """Sign-in attempts counted under one key over a fixed window, for throttling.

    Counted atomically (one ``INSERT ... ON CONFLICT DO UPDATE`` per key) before the
    password is checked, so simultaneous attempts cannot all slip under the limit.
    """

    __tablename__ = "sign_in_counts"

    #: What is counted: ``pair <email> <address>``, ``address <address>`` or ``account <email>``.
    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    #: Start of the current window; an attempt after the window starts a new one.
    window_started: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Attempts in the window that did not sign in (a successful one is taken back).
    attempts: Mapped[int] = mapped_column(default=0)

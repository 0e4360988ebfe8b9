"""A series of dialogues, its events, their agenda and their themes."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .vocabulary import EVENT_STATUSES, PERSON_ROLES, SESSION_KINDS, sql_in


class Series(Base):
    """A series of policy dialogues; the workbooks compare its events side by side."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code used in YAML files and URLs.
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    #: Title in English.
    title_en: Mapped[str] = mapped_column(String(300))
    #: Title in Simplified Chinese.
    title_zh: Mapped[str] = mapped_column(String(300))

    events: Mapped[list[Event]] = relationship(back_populates="series", order_by="Event.date")


class Event(Base):
    """One policy dialogue: its agenda sessions take feedback, its themes take policy inputs."""

    __tablename__ = "events"
    __table_args__ = (CheckConstraint(sql_in("status", EVENT_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The series this event belongs to.
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), index=True)
    #: Stable code used in URLs, e.g. ``2020-11-10-social-protection``.
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    #: Title in English and in Simplified Chinese.
    title_en: Mapped[str] = mapped_column(String(300))
    title_zh: Mapped[str] = mapped_column(String(300))
    #: Subtitle (the kind of meeting) in both languages.
    subtitle_en: Mapped[str] = mapped_column(String(300), default="")
    subtitle_zh: Mapped[str] = mapped_column(String(300), default="")
    #: Day of the event, and its start and end in the event's own time zone.
    date: Mapped[date]
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    #: IANA time zone of the agenda's times, e.g. ``Asia/Shanghai``.
    timezone: Mapped[str] = mapped_column(String(64))
    #: Where it happens, in both languages.
    venue_en: Mapped[str] = mapped_column(String(300), default="")
    venue_zh: Mapped[str] = mapped_column(String(300), default="")
    #: Hosting and partner organisations, as written on the concept note.
    hosts: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Titles of the agenda's parts (e.g. panel discussions Part I and II), keyed by part code.
    parts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: ``draft`` (not yet collecting), ``open`` (collecting) or ``closed``.
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    series: Mapped[Series] = relationship(back_populates="events")
    sessions: Mapped[list[AgendaSession]] = relationship(
        back_populates="event", order_by="AgendaSession.position", cascade="all, delete-orphan"
    )
    themes: Mapped[list[Theme]] = relationship(
        back_populates="event", order_by="Theme.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        """Whether attendees may submit or amend answers now."""
        return self.status == "open"

    def set_status(self, status: str) -> bool:
        """Open or close collection; returns whether anything changed."""
        if status not in EVENT_STATUSES:
            raise ValueError(f"unknown event status {status!r}")
        changed = self.status != status
        self.status = status
        return changed

    def title(self, locale: str) -> str:
        """The title in ``locale`` (Chinese or English)."""
        return self.title_zh if locale == "zh" else self.title_en

    def feedback_sessions(self) -> list[AgendaSession]:
        """Agenda sessions that take feedback (not the breaks)."""
        return [item for item in self.sessions if item.takes_feedback]


class AgendaSession(Base):
    """An item of the agenda: a plenary, a parallel session or a break."""

    __tablename__ = "agenda_sessions"
    __table_args__ = (
        UniqueConstraint("event_id", "code"),
        CheckConstraint(sql_in("kind", SESSION_KINDS), name="kind"),
        CheckConstraint("kind <> 'break' OR NOT takes_feedback", name="breaks_take_no_feedback"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Stable code within the event, e.g. ``p1-health``; used in URLs and QR codes.
    code: Mapped[str] = mapped_column(String(50))
    #: Order on the agenda.
    position: Mapped[int]
    #: ``plenary``, ``parallel`` or ``break``.
    kind: Mapped[str] = mapped_column(String(10))
    #: Part of the agenda the session belongs to (a key of ``Event.parts``), if any.
    part: Mapped[str | None] = mapped_column(String(20))
    title_en: Mapped[str] = mapped_column(String(300))
    title_zh: Mapped[str] = mapped_column(String(300))
    #: Start and end, in the event's time zone.
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    #: Whether attendees may give feedback on it (breaks take none).
    takes_feedback: Mapped[bool] = mapped_column(default=True)

    event: Mapped[Event] = relationship(back_populates="sessions")
    people: Mapped[list[SessionPerson]] = relationship(
        back_populates="session", order_by="SessionPerson.position", cascade="all, delete-orphan"
    )

    def title(self, locale: str) -> str:
        """The title in ``locale``."""
        return self.title_zh if locale == "zh" else self.title_en


class SessionPerson(Base):
    """Someone with a role in an agenda session (host, moderator, presenter, ...)."""

    __tablename__ = "session_people"
    __table_args__ = (CheckConstraint(sql_in("role", PERSON_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_sessions.id", ondelete="CASCADE"), index=True
    )
    #: Order within the session.
    position: Mapped[int]
    #: One of ``PERSON_ROLES``.
    role: Mapped[str] = mapped_column(String(20))
    #: Name as the concept note spells it.
    name: Mapped[str] = mapped_column(String(200))
    #: Position and organisation, in both languages.
    affiliation_en: Mapped[str] = mapped_column(String(400), default="")
    affiliation_zh: Mapped[str] = mapped_column(String(400), default="")
    #: Title of the person's presentation, if any, in both languages.
    talk_en: Mapped[str] = mapped_column(String(400), default="")
    talk_zh: Mapped[str] = mapped_column(String(400), default="")
    #: The person's slot, when the agenda gives one.
    starts_at: Mapped[time | None]
    ends_at: Mapped[time | None]

    session: Mapped[AgendaSession] = relationship(back_populates="people")


class Theme(Base):
    """A theme of the dialogue on which attendees send policy inputs."""

    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Stable code within the event: ``responses``, ``risks`` or ``lessons`` for the first one.
    code: Mapped[str] = mapped_column(String(50))
    position: Mapped[int]
    title_en: Mapped[str] = mapped_column(String(300))
    title_zh: Mapped[str] = mapped_column(String(300))
    #: What the theme covers, from the concept note, in both languages.
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="themes")

    def title(self, locale: str) -> str:
        """The title in ``locale``."""
        return self.title_zh if locale == "zh" else self.title_en

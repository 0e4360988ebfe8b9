"""What attendees submit: session feedback and policy inputs, with their earlier versions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .events import AgendaSession, Event, Theme
from .vocabulary import (
    ATTENDANCE,
    CHANNELS,
    FEEDBACK_TEXT_FIELDS,
    LANGUAGES,
    RATING_FIELDS,
    RESPONSE_KINDS,
    RESPONSE_STATUSES,
    STAKEHOLDERS,
    sql_in,
)

if TYPE_CHECKING:
    from .tags import ResponseTag

#: The answer fields an attendee can amend; a version snapshot holds exactly these.
ANSWER_FIELDS = (
    *RATING_FIELDS,
    *FEEDBACK_TEXT_FIELDS,
    "text",
    "theme_code",
    "groups",
    "areas",
    "attendance",
    "stakeholder",
    "name",
    "organisation",
    "quote_ok",
    "show_name",
    "language",
)

#: The answer has text the tagger reads: the condition of the console's partial index, in the
#: very words of :data:`survey_db.counting.HAS_TEXT` (the rule's home), so that the database
#: matches the two and answers "counted answers with text" from the index alone.
HAS_TEXT_SQL = " OR ".join(
    f"coalesce({name}, '') != ''" for name in (*FEEDBACK_TEXT_FIELDS, "text")
)


def _rating(name: str) -> CheckConstraint:
    return CheckConstraint(f"{name} IS NULL OR {name} BETWEEN 1 AND 5", name=f"{name}_range")


class Response(Base):
    """One attendee's answer: feedback on one session, or one policy input on a theme."""

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(sql_in("kind", RESPONSE_KINDS), name="kind"),
        CheckConstraint(sql_in("channel", CHANNELS), name="channel"),
        CheckConstraint(sql_in("status", RESPONSE_STATUSES), name="status"),
        CheckConstraint(sql_in("language", LANGUAGES), name="language"),
        CheckConstraint(
            "attendance IS NULL OR " + sql_in("attendance", ATTENDANCE), name="attendance"
        ),
        CheckConstraint(
            "stakeholder IS NULL OR " + sql_in("stakeholder", STAKEHOLDERS), name="stakeholder"
        ),
        CheckConstraint(
            "kind <> 'feedback' OR (session_id IS NOT NULL AND overall IS NOT NULL)",
            name="feedback_complete",
        ),
        CheckConstraint(
            "kind <> 'input' OR (theme_id IS NOT NULL AND text IS NOT NULL)",
            name="input_complete",
        ),
        *(_rating(name) for name in RATING_FIELDS),
        Index("ix_responses_event_kind", "event_id", "kind"),
        # The console (migration 0005): its lists page by id within an event, and its counts
        # and rating distributions read these indexes alone, not the wide rows with their
        # texts; a scan of an event's rows walks them in id order (the kind comes first in
        # the second index so that SQLite does not fetch rows through it in random order).
        Index("ix_responses_event_id", "event_id", "id", "status", "channel"),
        Index(
            "ix_responses_console_counts",
            "kind",
            "event_id",
            "session_id",
            "theme_id",
            "status",
            "channel",
            *RATING_FIELDS,
        ),
        # The console (migration 0009): the levels matrix and the review queue take the active
        # answers with text of an event; this index holds only those, with what the matrix
        # groups by, so neither reads the wide rows to test for text.
        Index(
            "ix_responses_with_text",
            "event_id",
            "status",
            "kind",
            "session_id",
            "theme_id",
            "channel",
            sqlite_where=text(HAS_TEXT_SQL),
            postgresql_where=text(HAS_TEXT_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: ``feedback`` on an agenda session, or a policy ``input`` on a theme.
    kind: Mapped[str] = mapped_column(String(10))
    #: The session rated (feedback only).
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_sessions.id", ondelete="RESTRICT"), index=True
    )
    #: The theme addressed (policy inputs only).
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("themes.id", ondelete="RESTRICT"), index=True
    )
    #: Ratings from 1 (poor) to 5 (excellent); only ``overall`` is required.
    overall: Mapped[int | None] = mapped_column(SmallInteger)
    relevance: Mapped[int | None] = mapped_column(SmallInteger)
    speakers: Mapped[int | None] = mapped_column(SmallInteger)
    discussion_time: Mapped[int | None] = mapped_column(SmallInteger)
    #: Audio, video and interpretation.
    technical: Mapped[int | None] = mapped_column(SmallInteger)
    #: Free-text answers of session feedback.
    most_useful: Mapped[str | None] = mapped_column(Text)
    improve: Mapped[str | None] = mapped_column(Text)
    next_topics: Mapped[str | None] = mapped_column(Text)
    #: The policy input itself.
    text: Mapped[str | None] = mapped_column(Text)
    #: Groups and social protection areas the attendee chose (policy inputs).
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: ``in_person`` or ``online``, if given.
    attendance: Mapped[str | None] = mapped_column(String(20))
    #: The respondent's kind of organisation, if given.
    stakeholder: Mapped[str | None] = mapped_column(String(20))
    #: Optional; shown in summaries only when ``show_name`` is true.
    name: Mapped[str | None] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    #: The respondent may be quoted anonymously.
    quote_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The respondent's name may appear with their words in the summaries.
    show_name: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Language of the form the attendee answered in (``en`` or ``zh``).
    language: Mapped[str] = mapped_column(String(5), default="en")
    #: ``web``, ``paper`` (keyed in by an organiser) or ``demo`` (synthetic).
    channel: Mapped[str] = mapped_column(String(10), default="web")
    #: ``active``, ``withdrawn`` by the attendee, or marked ``spam``/``test`` by an organiser.
    status: Mapped[str] = mapped_column(String(10), default="active")
    #: One-time key of the rendered form: a second post of the same form stores nothing new.
    submission_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    #: SHA-256 of the private amend link's token (the token itself is never stored).
    edit_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Bumped on every amendment; the pipeline re-tags when it moves.
    version: Mapped[int] = mapped_column(default=1)
    #: Organiser who keyed in a paper form, or changed the status.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id"))
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id"))
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    event: Mapped[Event] = relationship()
    session: Mapped[AgendaSession | None] = relationship()
    theme: Mapped[Theme | None] = relationship()
    tag: Mapped[ResponseTag | None] = relationship(back_populates="response")
    versions: Mapped[list[ResponseVersion]] = relationship(
        back_populates="response", order_by="ResponseVersion.number", cascade="all, delete-orphan"
    )

    @property
    def theme_code(self) -> str | None:
        """Code of the theme (policy inputs), for snapshots and forms."""
        return self.theme.code if self.theme is not None else None

    @hybrid_property
    def counts(self) -> bool:
        """Whether the figures count this response (not withdrawn, spam or test); in a query,
        ``Response.counts`` is the same condition in SQL."""
        return self.status == "active"

    def texts(self) -> dict[str, str]:
        """The free texts the pipeline tags, by field name, leaving out blank ones."""
        fields = FEEDBACK_TEXT_FIELDS if self.kind == "feedback" else ("text",)
        return {field: value for field in fields if (value := getattr(self, field))}

    def snapshot(self) -> dict[str, Any]:
        """The answer as it stands, for the version history."""
        return {field: getattr(self, field) for field in ANSWER_FIELDS if hasattr(self, field)}

    def amend(self, answers: dict[str, Any]) -> None:
        """Keep the current answer as a version, then apply ``answers``."""
        if self.status != "active":
            raise ValueError("only an active response can be amended")
        self.versions.append(ResponseVersion(number=self.version, data=self.snapshot()))
        for field, value in answers.items():
            setattr(self, field, value)
        self.version += 1
        self.updated_at = utcnow()

    def withdraw(self) -> None:
        """Withdraw the answer; it is kept as a version but no longer counted."""
        if self.status != "active":
            raise ValueError("only an active response can be withdrawn")
        self.versions.append(ResponseVersion(number=self.version, data=self.snapshot()))
        self.status = "withdrawn"
        self.version += 1
        self.updated_at = utcnow()


class ResponseVersion(Base):
    """An earlier state of a response, kept when the attendee amends or withdraws it."""

    __tablename__ = "response_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    #: The response's version number this snapshot held.
    number: Mapped[int]
    #: The answer fields as they were (see ``ANSWER_FIELDS``).
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: When it was replaced.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship(back_populates="versions")

"""The codebook overlay: level indicators and shields admins add from the reviews, kept in
the database.

The bundled ``pipeline/codebook.yaml`` is the codebook; the overlay adds terms to it without
a deploy: indicators of a level, and shields (phrases that hold a level's indicator but are
no sign of it, as the codebook's ``shields``). Every addition and removal bumps the
overlay's revision, and a removed term keeps its row (who removed it, when, in which
revision), so the overlay as it stood at any revision can be read back. The tagger's version
includes the active terms, so the next run re-tags whatever they change (reviewed tags stay,
as always).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, UTCDateTime, utcnow
from .vocabulary import LANGUAGES, LEVELS, sql_in

#: Where a term came from: a suggestion accepted, or typed by an admin.
SOURCES = ("suggestion", "typed")
#: What a term does: indicates its level, or shields the words inside it from being read as
#: its level (a shield wins over the shorter indicators it holds and counts for nothing).
KINDS = ("indicator", "shield")


class CodebookAddition(Base):
    """One term added to a level's indicators (or a shield against it); active until removed."""

    __tablename__ = "codebook_additions"
    __table_args__ = (
        CheckConstraint(sql_in("level", LEVELS), name="level"),
        CheckConstraint(sql_in("language", LANGUAGES), name="language"),
        CheckConstraint(sql_in("source", SOURCES), name="source"),
        CheckConstraint(sql_in("kind", KINDS), name="kind"),
        CheckConstraint("kind = 'indicator' OR NOT weak", name="shield_not_weak"),
        CheckConstraint("removed_in IS NULL OR removed_in > added_in", name="removed_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The impact level the term indicates (a shield: the level it stops).
    level: Mapped[str] = mapped_column(String(20))
    #: ``en`` or ``zh``: the texts it is matched in.
    language: Mapped[str] = mapped_column(String(5))
    #: Written like a codebook indicator (English stemmed, ``*`` a gap of up to four words).
    term: Mapped[str] = mapped_column(String(200))
    #: A weak term counts for less than a level's threshold alone (see codebook.yaml).
    weak: Mapped[bool] = mapped_column(Boolean, default=False)
    #: ``indicator`` or ``shield`` (see :data:`KINDS`).
    kind: Mapped[str] = mapped_column(String(10), default="indicator", server_default="indicator")
    #: ``suggestion`` (accepted from the suggestions) or ``typed`` by an admin.
    source: Mapped[str] = mapped_column(String(12), default="typed")
    #: Overlay revision in which the term was added, and in which it was removed (if it was).
    added_in: Mapped[int]
    removed_in: Mapped[int | None] = mapped_column(index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisers.id", ondelete="SET NULL")
    )
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisers.id", ondelete="SET NULL")
    )

    @property
    def active(self) -> bool:
        """Whether the tagger uses the term now."""
        return self.removed_in is None

    def remove(self, revision: int, organiser_id: int | None) -> None:
        """Take the term out of the overlay in ``revision``; its row stays as history."""
        if not self.active:
            raise ValueError("this term was already removed")
        self.removed_in = revision
        self.removed_at = utcnow()
        self.removed_by_id = organiser_id


def overlay_revision(db: Session) -> int:
    """The overlay's current revision: 0 before any change, then one more per change."""
    added, removed = db.execute(
        select(func.max(CodebookAddition.added_in), func.max(CodebookAddition.removed_in))
    ).one()
    return max(added or 0, removed or 0)


def active_additions(db: Session) -> list[CodebookAddition]:
    """The terms in use now, by level, language and term."""
    return list(
        db.scalars(
            select(CodebookAddition)
            .where(CodebookAddition.removed_in.is_(None))
            .order_by(
                CodebookAddition.kind,
                CodebookAddition.level,
                CodebookAddition.language,
                CodebookAddition.term,
            )
        )
    )


def active_terms(db: Session) -> list[tuple[str, str, str, bool, str]]:
    """(level, language, term, weak, kind) of the terms in use: what the tagger needs, as plain
    data."""
    return [(row.level, row.language, row.term, row.weak, row.kind) for row in active_additions(db)]

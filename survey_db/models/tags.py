"""The pipeline's tags on a response and an organiser's review of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, inspect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .responses import Response
from .vocabulary import REVIEW_STATES, sql_in

#: A list of level codes. PostgreSQL stores it as ``jsonb``, which (unlike ``json``) a B-tree
#: index can hold: the console's tag index carries the levels (migration 0009).
LEVEL_LIST = JSON().with_variant(JSONB(), "postgresql")


class ResponseTag(Base):
    """Impact levels, groups and areas of one response: the machine's and, if any, a person's.

    The nightly job writes only the ``machine_*`` columns, so it never overwrites a review;
    :attr:`levels`, :attr:`groups` and :attr:`areas` give what counts, by the one rule of
    :mod:`survey_db.counting`.
    """

    __tablename__ = "response_tags"
    __table_args__ = (CheckConstraint(sql_in("review_state", REVIEW_STATES), name="review_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), unique=True
    )
    #: The response version that was tagged; the job re-tags when the response moves on.
    tagged_version: Mapped[int]
    #: Codebook version of the tagger that made the machine tags.
    tagger_version: Mapped[str] = mapped_column(String(64), index=True)
    #: The machine's levels, scores (level -> confidence) and evidence (level -> words).
    machine_levels: Mapped[list[str]] = mapped_column(LEVEL_LIST, default=list)
    machine_scores: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    machine_evidence: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    machine_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    machine_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Per text field: its own levels, evidence, sentiment and language.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Mean polarity of the texts in [-1, 1], or None when no text could be scored.
    sentiment: Mapped[float | None] = mapped_column(Float)
    #: Language of the text(s), detected by the tagger.
    text_language: Mapped[str | None] = mapped_column(String(5))
    #: How sure the machine is, 0 to 1; the review queue shows the least certain first.
    certainty: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    tagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: ``machine`` (no review), ``confirmed`` or ``changed`` by an organiser.
    review_state: Mapped[str] = mapped_column(String(10), default="machine", index=True)
    reviewed_levels: Mapped[list[str] | None] = mapped_column(LEVEL_LIST)
    reviewed_groups: Mapped[list[str] | None] = mapped_column(JSON)
    reviewed_areas: Mapped[list[str] | None] = mapped_column(JSON)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    response: Mapped[Response] = relationship(back_populates="tag")

    @property
    def reviewed(self) -> bool:
        """Whether a person confirmed or changed the tags."""
        from ..counting import is_reviewed

        return is_reviewed(self.review_state)

    # The figures' rule lives in survey_db.counting (imported here late: it imports this
    # module); these properties only ask it, so the console shows what the figures count.
    @property
    def levels(self) -> list[str]:
        """The levels that count (see :func:`survey_db.counting.levels_of`)."""
        from ..counting import levels_of

        return levels_of(self.review_state, self.machine_levels, self.reviewed_levels)

    @property
    def groups(self) -> list[str]:
        """The groups that count: the attendee's with the reviewed ones, else the machine's."""
        from ..counting import codes_of

        chosen = self._chosen("groups")
        return codes_of(self.review_state, chosen, self.machine_groups, self.reviewed_groups)

    @property
    def areas(self) -> list[str]:
        """The areas that count: the attendee's with the reviewed ones, else the machine's."""
        from ..counting import codes_of

        chosen = self._chosen("areas")
        return codes_of(self.review_state, chosen, self.machine_areas, self.reviewed_areas)

    def confirm(self, organiser_id: int | None) -> None:
        """Accept the machine's tags as they are; the attendee's groups and areas stay."""
        self._review(
            "confirmed",
            organiser_id,
            self.machine_levels,
            self._with_chosen(self.machine_groups, "groups"),
            self._with_chosen(self.machine_areas, "areas"),
        )

    def change(
        self, organiser_id: int | None, levels: list[str], groups: list[str], areas: list[str]
    ) -> None:
        """Set the tags by hand; ``confirmed`` when they equal the machine's.

        The attendee's own groups and areas always count, so they are kept in the review
        and do not make a review differ from the machine's.
        """
        groups = self._with_chosen(groups, "groups")
        areas = self._with_chosen(areas, "areas")
        same = (
            set(levels) == set(self.machine_levels)
            and set(groups) == set(self._with_chosen(self.machine_groups, "groups"))
            and set(areas) == set(self._with_chosen(self.machine_areas, "areas"))
        )
        self._review("confirmed" if same else "changed", organiser_id, levels, groups, areas)

    def _chosen(self, field: str) -> list[str]:
        """The groups or areas the attendee ticked, where the response can be read.

        A tag row read in a session that has ended cannot load its response; a review
        stores the ticked codes with its own (see :meth:`confirm`), so only an unreviewed
        detached row shows fewer codes than the figures count.
        """
        state = inspect(self)
        if "response" in state.unloaded and state.session is None:
            return []
        return list(getattr(self.response, field, None) or ()) if self.response else []

    def _with_chosen(self, codes: list[str] | None, field: str) -> list[str]:
        """``codes`` together with the groups or areas the attendee ticked."""
        return sorted(set(codes or ()) | set(self._chosen(field)))

    def _review(
        self,
        state: str,
        organiser_id: int | None,
        levels: list[str],
        groups: list[str],
        areas: list[str],
    ) -> None:
        self.review_state = state
        self.reviewed_levels = sorted(levels)
        self.reviewed_groups = sorted(groups)
        self.reviewed_areas = sorted(areas)
        self.reviewed_by_id = organiser_id
        self.reviewed_at = utcnow()


# The console (migration 0009). The levels matrix joins each answer's tag row for its state and
# levels, and the review queue's count for its state and certainty: all read from this index,
# not from the wide rows with their scores, evidence and per-field tags.
Index(
    "ix_response_tags_console",
    ResponseTag.response_id,
    ResponseTag.review_state,
    ResponseTag.certainty,
    ResponseTag.machine_levels,
    ResponseTag.reviewed_levels,
)
#: The review queue walks the unreviewed tags least certain first, a page at a time.
Index(
    "ix_response_tags_queue",
    ResponseTag.review_state,
    ResponseTag.certainty,
    ResponseTag.response_id,
)

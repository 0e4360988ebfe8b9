"""The run log of the nightly pipeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

RUN_STATUSES = ("running", "succeeded", "failed")


class PipelineRun(Base):
    """One run of the tagging job, written when it starts and again when it ends or fails."""

    __tablename__ = "pipeline_runs"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'succeeded', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: ``running``, ``succeeded`` or ``failed``.
    status: Mapped[str] = mapped_column(String(10), default="running")
    #: ``incremental`` or ``full``.
    mode: Mapped[str] = mapped_column(String(12), default="incremental")
    #: What started it: ``cli`` (cron or by hand), ``console`` (an organiser's *Tag now*), or
    #: ``download`` (older runs: downloads once brought the tags up to date).
    trigger: Mapped[str] = mapped_column(String(12), default="cli")
    #: The one event the run tagged, or None for every event (the nightly job).
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    tagger_version: Mapped[str] = mapped_column(String(64))
    #: Responses found needing tags, tagged, and left alone because nothing changed.
    selected: Mapped[int] = mapped_column(default=0)
    tagged: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    #: Responses whose review kept the machine from changing the tags that count.
    reviewed_kept: Mapped[int] = mapped_column(default=0)
    #: Workbooks written by the run.
    workbooks: Mapped[int] = mapped_column(default=0)
    #: What went wrong, for a failed run.
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def duration_seconds(self) -> float | None:
        """Wall time of the run, once it ended."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

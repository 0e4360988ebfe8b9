"""The words each answer adds to its session's live screen, kept so that each is cut once."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class LiveTerms(Base):
    """One answer's words for the live screen (``survey_app/admin/live_terms.py``).

    Cutting a comment (jieba's part-of-speech tagger for Chinese) costs about a third of a
    millisecond, a long one ten times that: the live screen's poll cuts each answer version
    once and keeps its words here, for every web worker and across restarts. The attendee's
    post does not write this table (its path must stay quick). Whether the words are shown
    (status, quoting allowed) is read from the response at each poll, never from here.
    """

    __tablename__ = "live_terms"

    #: The answer; its row goes with it.
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    #: The response version whose texts were cut; another version is cut again.
    version: Mapped[int]
    #: Digest of the names taken out before cutting (the answer's own, the speakers').
    names_key: Mapped[str] = mapped_column(String(16))
    #: Words worth showing, and words seen only with a capital inside a sentence.
    words: Mapped[list[str]] = mapped_column(JSON)
    capitals: Mapped[list[str]] = mapped_column(JSON)

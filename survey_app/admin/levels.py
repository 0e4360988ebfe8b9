"""The impact matrix on the web: the four levels by session and by theme.

Counts and shares are of counted answers *with text* (a rating alone says nothing of a
level), by the one counting rule of :mod:`survey_db.counting`, so the page and the workbook
give the same figures. Reviewed and machine-only tags are counted apart. One aggregate query
over indexes of the event's answers (migration 0009): fast enough for 100,000 of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from survey_db import counting
from survey_db.models import Event, Response, ResponseTag
from survey_db.models.vocabulary import LEVELS

from ..db import get_session
from ..i18n import current_language
from . import bp
from .access import event_or_404
from .tag_now import run_context


@dataclass
class Cell:
    """Answers of one row carrying one level: reviewed by a person, and machine-only."""

    reviewed: int = 0
    machine: int = 0

    @property
    def total(self) -> int:
        """All answers of the row carrying the level."""
        return self.reviewed + self.machine


@dataclass
class LevelRow:
    """One session or theme (or the total of them): its answers with text and their levels."""

    code: str
    title: str
    #: Counted answers with text; of them, those tagged (by machine or person) and reviewed.
    with_text: int = 0
    tagged: int = 0
    reviewed: int = 0
    cells: dict[str, Cell] = field(default_factory=lambda: {code: Cell() for code in LEVELS})

    def share(self, level: str) -> float | None:
        """Share of the tagged answers carrying ``level`` (None when none is tagged)."""
        return self.cells[level].total / self.tagged if self.tagged else None

    def add(self, other: LevelRow) -> None:
        """Add ``other``'s counts to this row (for the totals)."""
        self.with_text += other.with_text
        self.tagged += other.tagged
        self.reviewed += other.reviewed
        for code, cell in other.cells.items():
            self.cells[code].reviewed += cell.reviewed
            self.cells[code].machine += cell.machine


@dataclass
class LevelMatrix:
    """The matrix by session (feedback) and by theme (policy inputs), with their totals."""

    sessions: list[LevelRow]
    themes: list[LevelRow]
    session_total: LevelRow
    theme_total: LevelRow
    #: Active demo answers with text the figures leave out (0 when they are included).
    demo_left_out: int


def level_matrix(db: Session, event: Event, lang: str, include_demo: bool = False) -> LevelMatrix:
    """Count the levels of ``event``'s counted answers with text, by session and by theme.

    One aggregate query by the one rule's SQL form: per row and channel, the answers with
    text, those tagged and reviewed, and per level those carrying it by a person's review and
    by the machine alone. It reads two indexes (the answers with text, their tags' states and
    levels), not the rows; the rule's Python form then says which channels count.
    """
    reviewed = counting.REVIEWED
    per_level = [
        func.count().filter(and_(state, counting.has_level(code)))
        for code in LEVELS
        for state in (reviewed, counting.MACHINE_ONLY)
    ]
    key = (Response.kind, Response.session_id, Response.theme_id, Response.channel)
    query = (
        select(
            *key,
            func.count(),
            func.count().filter(counting.TAGGED),
            func.count().filter(reviewed),
            *per_level,
        )
        .outerjoin(ResponseTag, counting.TAG_OF_ANSWER)
        .where(Response.event_id == event.id, counting.counted(True), counting.HAS_TEXT)
        .group_by(*key)
    )
    found: dict[tuple[str, int | None], LevelRow] = {}
    demo = 0
    for kind, session_id, theme_id, channel, with_text, tagged, by_person, *cells in db.execute(
        query
    ):
        if not counting.counts("active", channel, include_demo):
            demo += with_text
            continue
        row = found.setdefault(
            (kind, session_id if kind == "feedback" else theme_id), LevelRow("", "")
        )
        row.add(
            LevelRow(
                "",
                "",
                with_text,
                tagged,
                by_person,
                {
                    code: Cell(*cells[2 * index : 2 * index + 2])
                    for index, code in enumerate(LEVELS)
                },
            )
        )

    def named(code: str, title: str, counted: LevelRow | None) -> LevelRow:
        return replace(counted, code=code, title=title) if counted else LevelRow(code, title)

    sessions = [
        named(item.code, item.title(lang), found.get(("feedback", item.id)))
        for item in event.feedback_sessions()
    ]
    themes = [
        named(item.code, item.title(lang), found.get(("input", item.id))) for item in event.themes
    ]
    totals = LevelRow("", ""), LevelRow("", "")
    for rows, total in ((sessions, totals[0]), (themes, totals[1])):
        for item in rows:
            total.add(item)
    return LevelMatrix(sessions, themes, totals[0], totals[1], demo)


@bp.get("/e/<slug>/levels")
@login_required
def levels(slug: str) -> ResponseReturnValue:
    """Show the four impact levels by session and by theme, each cell linked to its answers."""
    event = event_or_404(slug)
    include_demo = request.args.get("demo") == "yes"
    matrix = level_matrix(get_session(), event, current_language(), include_demo)
    return render_template(
        "admin/levels.html",
        event=event,
        active="admin.levels",
        matrix=matrix,
        include_demo=include_demo,
        counted="demo" if include_demo else "yes",
        list_url=url_for(".responses", slug=slug),
        **run_context(event),
    )

"""The raw responses of one event as a workbook: every status, one row each.

``exports/`` offers the summary only, so this module builds the raw sheet with the summary's
own book and sheet writers: every cell still goes through :class:`exports.cells.CellMaker`
(formula-safe text, illegal characters, the cell cap, datetimes in the event's time zone),
and openpyxl stays inside ``exports/``. No Flask here: the view only sends the file.
Names and organisations are included (organisers see them in the console), with the
respondent's consent columns beside them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from survey_db import counting
from survey_db.models import AgendaSession, Event, Response, ResponseTag, Theme

from .atomic import replacing
from .summary import TITLE_ROWS, Book, Sheet

#: Rows fetched per round trip: memory stays flat for 100,000 responses.
CHUNK = 2_000
_RESPONSE_COLUMNS = (
    "id",
    "kind",
    "status",
    "channel",
    "language",
    "created_at",
    "updated_at",
    "status_changed_at",
    "version",
    "overall",
    "relevance",
    "speakers",
    "discussion_time",
    "technical",
    "most_useful",
    "improve",
    "next_topics",
    "text",
    "groups",
    "areas",
    "attendance",
    "stakeholder",
    "name",
    "organisation",
    "quote_ok",
    "show_name",
)
_TAG_COLUMNS = (
    "response_id",
    "review_state",
    "machine_levels",
    "reviewed_levels",
    "machine_groups",
    "reviewed_groups",
    "machine_areas",
    "reviewed_areas",
    "certainty",
    "sentiment",
    "text_language",
    "tagger_version",
    "tagged_version",
    "tagged_at",
    "reviewed_at",
)
#: Columns of the two tables not exported, and why: ids (sessions and themes show as their
#: codes), the amend link's secrets, organisers' ids, and the tagger's internals (scores,
#: evidence, per-field results), which the console shows. A new column must go in one or
#: the other list (a test checks).
LEFT_OUT = {
    "responses": frozenset(
        {
            "event_id",
            "session_id",
            "theme_id",
            "submission_key",
            "edit_token_hash",
            "entered_by_id",
            "status_changed_by_id",
        }
    ),
    "response_tags": frozenset(
        {"id", "machine_scores", "machine_evidence", "fields", "reviewed_by_id"}
    ),
}
#: Header of every column, in order: the database's own names (a raw export).
HEADERS = (*_RESPONSE_COLUMNS[:2], "session", "theme", *_RESPONSE_COLUMNS[2:], *_TAG_COLUMNS)
_TEXT_COLUMNS = {"most_useful", "improve", "next_topics", "text", "name", "organisation"}
#: ``reviewed_levels`` is written for editing in a spreadsheet and importing back
#: (``review import``): level codes joined by this separator, ``NO_LEVEL`` for a review that
#: kept no level, and empty where nobody reviewed.
LEVEL_SEPARATOR = ";"
NO_LEVEL = "none"
_REVIEWED_LEVELS_AT = HEADERS.index("reviewed_levels")
_STATE_AT = HEADERS.index("review_state")


def reviewed_levels_cell(state: str | None, levels: list[str] | None) -> str | None:
    """The ``reviewed_levels`` cell: codes joined by ``;``, ``none``, or empty (no review)."""
    if not counting.is_reviewed(state):
        return None
    return LEVEL_SEPARATOR.join(sorted(levels or ())) or NO_LEVEL


def raw_rows(db: Session, event: Event) -> Iterator[tuple[Any, ...]]:
    """Every response of ``event`` (any status) with its session, theme and tags, by id."""
    session, theme = aliased(AgendaSession), aliased(Theme)
    query = (
        select(
            *(getattr(Response, name) for name in _RESPONSE_COLUMNS[:2]),
            session.code,
            theme.code,
            *(getattr(Response, name) for name in _RESPONSE_COLUMNS[2:]),
            # response_id from the response itself, so untagged answers carry it too
            *(
                Response.id if name == "response_id" else getattr(ResponseTag, name)
                for name in _TAG_COLUMNS
            ),
        )
        .outerjoin(session, session.id == Response.session_id)
        .outerjoin(theme, theme.id == Response.theme_id)
        .outerjoin(ResponseTag, ResponseTag.response_id == Response.id)
        .where(Response.event_id == event.id)
        .order_by(Response.id)
        .execution_options(yield_per=CHUNK)
    )
    for row in db.execute(query):
        values = list(row)
        values[_REVIEWED_LEVELS_AT] = reviewed_levels_cell(
            values[_STATE_AT], values[_REVIEWED_LEVELS_AT]
        )
        yield tuple(values)


def write_responses(book: Book, rows: Iterable[tuple[Any, ...]]) -> None:
    """The *Responses* sheet of ``book``: ``rows`` under :data:`HEADERS`, texts wide and wrapped.

    The raw workbook and the filtered list both write it, so a column reads alike in both.
    """
    widths = [40 if name in _TEXT_COLUMNS else 14 for name in HEADERS]
    styles = ["text" if name in _TEXT_COLUMNS else "plain" for name in HEADERS]
    sheet = Sheet(book, "Responses", widths, f"B{TITLE_ROWS + 2}")
    sheet.table("Responses", HEADERS, rows, styles)


def build_raw(
    db: Session, event: Event, path: str | Path, *, pace: Callable[[], None] | None = None
) -> Path:
    """Write the raw workbook of ``event`` to ``path`` atomically and return the path.

    ``pace``, if given, is called after every row (a background build reports progress in it).
    """
    book = Book(db, event, "en", pace)
    write_responses(book, raw_rows(db, event))
    target = Path(path)
    with replacing(target) as temporary:
        book.workbook.save(temporary)
    return target

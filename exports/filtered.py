"""The console's filtered list of responses as a workbook: the raw export's rows, fewer of them.

The console decides which responses (its filters are SQL over the views' query string); this
module only writes them, with the raw workbook's columns, cells and book. The rows are those
of :func:`exports.raw.raw_rows`, streamed in id order and kept when their id is chosen, so
both workbooks always show a response alike.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from survey_db.models import Event

from .atomic import replacing
from .raw import HEADERS, raw_rows, write_responses
from .summary import Book


def filtered_rows(db: Session, event: Event, ids: Collection[int]) -> Iterator[tuple[Any, ...]]:
    """The raw rows of the responses of ``event`` whose id is in ``ids``, by id."""
    position = HEADERS.index("id")
    return (row for row in raw_rows(db, event) if row[position] in ids)


def build_filtered(
    db: Session,
    event: Event,
    ids: Collection[int],
    path: str | Path,
    *,
    pace: Callable[[], None] | None = None,
) -> Path:
    """Write the chosen responses of ``event`` to ``path`` atomically and return the path.

    ``pace``, if given, is called after every row written (a background build reports
    progress in it).
    """
    book = Book(db, event, "en", pace)
    write_responses(book, filtered_rows(db, event, ids))
    target = Path(path)
    with replacing(target) as temporary:
        book.workbook.save(temporary)
    return target

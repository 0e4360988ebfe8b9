"""The console's one way to cut a list into pages: the page number a URL asks for, and a page.

Lists that show "page N of M" count their rows; logs read newest first only need to know
whether an older page exists, which costs one row more instead of a count. The review queue,
ordered by more than an index's order of ids, pages by keys instead (:func:`place`): a page
starts after (or ends before) a given answer, so a deep page costs what the first does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar

from flask import abort, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..texts import gettext as _

T = TypeVar("T")

#: Rows per page of every console list.
PER_PAGE = 50
#: Highest page number a URL may ask for: five million rows at 50 a page. A larger one is
#: a typo or a probe (and past 2**63 rows SQLite cannot even skip that far).
MAX_PAGE = 100_000
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows: its number, and what the pager needs to link its neighbours."""

    items: list[T]
    number: int
    has_next: bool
    #: Rows in the whole list, when counted.
    total: int | None = None
    per_page: int = PER_PAGE

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one); uncounted, as far as is known.

        A page found by its key may start off the multiples of ``per_page``; the pages then
        go on beyond the count's last one.
        """
        if self.total is None:
            return self.number + int(self.has_next)
        return max(1, ceil(self.total / self.per_page), self.number + int(self.has_next))


def page_number() -> int:
    """The ``page`` query parameter; missing or not a number means the first page.

    A number beyond :data:`MAX_PAGE` is a page that cannot exist: a 404 that says so,
    rather than an offset the database cannot hold.
    """
    raw = request.args.get("page", "").strip()
    if not _DIGITS.fullmatch(raw):
        return 1
    if len(raw) > len(str(MAX_PAGE)) or int(raw) > MAX_PAGE:
        abort(
            404,
            description=_(
                "There is no page %(number)s: a list has at most %(limit)d pages.",
                number=raw[:30] + ("…" if len(raw) > 30 else ""),
                limit=MAX_PAGE,
            ),
        )
    return max(1, int(raw))


def place() -> dict[str, int]:
    """Where a list paged by keys stands: ``after`` or ``before`` an answer's id, or its start.

    Its links and forms carry it on, so that an action taken on the page returns to it. Not
    a number, or too long for one: the start.
    """
    for name in ("after", "before"):
        raw = request.args.get(name, "").strip()
        if _DIGITS.fullmatch(raw) and len(raw) < 19:
            return {name: int(raw)}
    return {}


def paginate(
    db: Session, query: Select[Any], number: int, *, per_page: int = PER_PAGE, count: bool = True
) -> Page[Any]:
    """Page ``number`` (from 1) of ``query``'s first column, ``per_page`` rows a page.

    With ``count`` the list's rows are counted and a number past the last page shows the
    last page; without, the page is fetched with one row more to tell whether another follows.
    """
    number = min(max(1, number), MAX_PAGE)
    total = None
    if count:
        total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        number = min(number, max(1, ceil(total / per_page)))
    rows = list(db.scalars(query.limit(per_page + 1).offset((number - 1) * per_page)))
    return Page(rows[:per_page], number, len(rows) > per_page, total, per_page)

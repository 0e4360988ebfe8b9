"""The workbook being written and its sheets: title block, tables, page setup, row heights.

Every sheet is set up to print as a person expects: A4, fitted to the page width, its first
table's header repeated on every page, and each row as tall as its wrapped text (LibreOffice
does not grow a row for wrapped text in a file it opens, so the text would run over the next
row). Row heights are estimated from the text's display width (a Chinese character counts
double), cheaply enough for 100,000 rows.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from sqlalchemy.orm import Session

from pipeline.runner import overlay_in
from survey_db.models import Event, utcnow

from . import data
from .cells import CellMaker, safe_sheet_title
from .labels import Labels

#: Rows above each sheet's first table: title, date, generated at, tagger version, blank.
TITLE_ROWS = 5
_TABLE_STYLE = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
#: Height of one line of 11-point text, in points; Excel's cap on a row's height.
LINE_POINTS = 15.0
MAX_ROW_POINTS = 409.0
#: Looks whose text wraps, so their rows need a height.
_WRAPPED = frozenset({"text", "header"})
#: A4 in openpyxl's paper codes.
PAPER_A4 = 9


def display_width(text: str) -> float:
    """Column units ``text`` takes in 11-point Calibri (or LibreOffice's Carlito).

    A column unit is the width of a digit; average English text is a little narrower (about
    1.05 characters a unit, capitals and spaces included) and a CJK character wider (about 2.1
    units). A CJK character is three
    bytes in UTF-8, so counting bytes tells them apart without a loop over the characters.
    """
    chars = len(text)
    wide = (len(text.encode("utf-8")) - chars) / 2
    return (chars - wide) / 1.05 + wide * 2.1


def lines_needed(text: str, width: float) -> int:
    """Lines a wrapped ``text`` takes in a column ``width`` units wide.

    A short text is wrapped word by word as a spreadsheet does (a word never splits unless
    it alone is too wide); a long one is estimated with a tenth of each line lost to breaks.
    """
    per_line = max(1.0, width - 1.0)
    lines = 0
    for part in text.split("\n"):
        if len(part) > 3 * per_line:
            lines += math.ceil(display_width(part) / (per_line * 0.9))
            continue
        used, count = 0.0, 1
        for word in part.split(" "):
            size = display_width(word)
            if used and used + 0.5 + size > per_line:
                count += 1
                used = 0.0
            used += (0.5 if used else 0.0) + size
            count += max(0, math.ceil(used / per_line) - 1)
            used = used - per_line * max(0, math.ceil(used / per_line) - 1)
        lines += count
    return max(1, lines)


class Sheet:
    """One write-only worksheet that knows its current row and writes tables."""

    def __init__(
        self,
        book: Book,
        title: str,
        widths: Sequence[float],
        freeze: str,
        *,
        landscape: bool = True,
        fit_height: bool = False,
    ) -> None:
        self.book = book
        taken = [ws.title for ws in book.workbook.worksheets]
        self.ws = book.workbook.create_sheet(safe_sheet_title(title + book.title_suffix, taken))
        # Column widths, in digits; wrapped rows grow to fit their text in them. Column B holds
        # the title block's dates, which show as ### in less than 16.
        self.widths = list(widths)
        if len(self.widths) > 1:
            self.widths[1] = max(self.widths[1], 16)
        for index, width in enumerate(self.widths, 1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.ws.freeze_panes = freeze
        setup = self.ws.page_setup
        setup.orientation = "landscape" if landscape else "portrait"
        setup.paperSize = PAPER_A4
        setup.fitToWidth = 1
        setup.fitToHeight = 1 if fit_height else 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        margins = self.ws.page_margins
        margins.left = margins.right = 0.4
        margins.top = margins.bottom = 0.6
        # The sheet's name above each page and the page number below, as a reader files them.
        self.ws.oddHeader.center.text = "&A"
        self.ws.oddFooter.center.text = "&P / &N"
        self.ws.print_title_rows = "1:1"  # the event's title, until a table's header replaces it
        self.row = 0
        self._header_repeated = False
        self.append([book.facts.title + book.title_suffix], ["title"])
        for label, value in book.title_block:
            self.append([label, value], ["label", "plain"])
        self.append([])

    def append(self, values: Sequence[Any], styles: Sequence[str] = ()) -> None:
        """Write one row; ``styles`` name each cell's look (plain by default)."""
        cells = self.book.cells
        looks = list(styles) + ["plain"] * (len(values) - len(styles))
        lines = 1
        for index, (value, look) in enumerate(zip(values, looks, strict=True)):
            if look in _WRAPPED and type(value) is str and index < len(self.widths):
                # bold headers take about a tenth more room
                width = self.widths[index] / (1.1 if look == "header" else 1.0)
                lines = max(lines, lines_needed(value, width))
        if lines > 1:
            self.ws.row_dimensions[self.row + 1].height = min(MAX_ROW_POINTS, lines * LINE_POINTS)
        self.ws.append(
            [cells(self.ws, value, look) for value, look in zip(values, looks, strict=True)]
        )
        self.row += 1
        if lines > 1:  # written out already: keep memory flat on long sheets
            del self.ws.row_dimensions[self.row]
        if self.book.pace is not None:
            self.book.pace()

    def heading(self, text: str) -> None:
        """A bold line introducing the next table."""
        self.append([text], ["label"])

    def note(self, text: str) -> None:
        """A line of explanation, wrapped over the sheet's first column."""
        self.append([text], ["text"])

    def repeat_header(self, row: int) -> None:
        """Print ``row`` (a table's header) at the top of every page."""
        self.ws.print_title_rows = f"{row}:{row}"

    def print_columns(self, last: int) -> None:
        """Print only columns A to ``last`` (the rest is for analysts on screen)."""
        self.ws.print_area = f"A1:{get_column_letter(last)}{max(self.row, 1)}"

    def table(
        self,
        name: str,
        headers: Sequence[str],
        rows: Iterable[Sequence[Any]],
        styles: Sequence[str],
        repeat: bool | None = None,
    ) -> tuple[int, int]:
        """Stream ``rows`` under ``headers`` as an Excel table; return its first and last data row.

        Excel wants a table to hold at least one data row, so an empty one gets a blank row.
        The header repeated on every printed page is the first table's, or the one of the
        table written with ``repeat=True`` (``False``: never this one's).
        """
        self.append(list(headers), ["header"] * len(headers))
        if repeat or (repeat is None and not self._header_repeated):
            self.repeat_header(self.row)
            self._header_repeated = True
        first = self.row + 1
        for values in rows:
            self.append(values, styles)
        if self.row < first:
            self.append([None] * len(headers))
        ref = f"A{first - 1}:{get_column_letter(len(headers))}{self.row}"
        columns = [TableColumn(id=n, name=str(text)) for n, text in enumerate(headers, 1)]
        table = Table(
            displayName=name,
            ref=ref,
            autoFilter=AutoFilter(ref=ref),
            tableColumns=columns,
            tableStyleInfo=_TABLE_STYLE,
        )
        with warnings.catch_warnings():
            # openpyxl warns that write-only tables need their columns named by hand: done above.
            warnings.simplefilter("ignore", UserWarning)
            self.ws.add_table(table)
        return first, self.row


class Book:
    """The workbook being built, with the one cell maker and the shared title block."""

    def __init__(
        self,
        db: Session,
        event: Event,
        lang: str,
        pace: Callable[[], None] | None = None,
        *,
        include_demo: bool = False,
        base_url: str = "",
    ) -> None:
        self.db = db
        self.event = event
        self.pace = pace
        self.labels = Labels(lang)
        self.scope = data.Scope(event, include_demo)
        self.facts = data.event_facts(db, self.scope, lang)
        self.cells = CellMaker(event.timezone)
        self.workbook = Workbook(write_only=True)
        #: The version the next run tags with: the codebook's, and the overlay's if it has terms.
        self.tagger_version = overlay_in(db)[1]
        #: Where a response's id links to in the console, or "" for no links.
        self.base_url = base_url.rstrip("/")
        text = self.labels
        #: Added to every sheet's title when demo answers are counted.
        self.title_suffix = text["with_demo_suffix"] if include_demo else ""
        found = ", ".join(self.facts.tagger_versions) or text["none_yet"]
        self.title_block: list[tuple[str, Any]] = [
            (text["date"], self.facts.date),
            (text["generated_at"], utcnow()),
            (
                text["tagger_version"],
                text["tagger_versions_line"].format(found=found, current=self.tagger_version),
            ),
        ]

    def discard(self) -> None:
        """Finish the sheets of a workbook that will not be saved.

        Open write-only sheets hold a generator on a temporary file; closed here they end
        cleanly instead of failing later in the garbage collector.
        """
        for ws in self.workbook.worksheets:
            if not ws.closed:
                ws.close()

    def sheet(
        self,
        key: str,
        widths: Sequence[float],
        freeze: str | None = None,
        *,
        landscape: bool = True,
        fit_height: bool = False,
    ) -> Sheet:
        """A new sheet titled in the workbook's language, frozen below its first header."""
        return Sheet(
            self,
            self.labels[key],
            widths,
            freeze or f"A{TITLE_ROWS + 2}",
            landscape=landscape,
            fit_height=fit_height,
        )

    def response_link(self, response_id: int) -> str | None:
        """The console's page of one answer, when the public address is known."""
        if not self.base_url:
            return None
        return f"{self.base_url}/admin/e/{self.event.slug}/responses/{response_id}"

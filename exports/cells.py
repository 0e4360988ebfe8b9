"""The one place where a value becomes a worksheet cell.

Every sheet of every workbook sends its values through :meth:`CellMaker.__call__`, so the
rules that keep a workbook safe to open hold everywhere: text is always a string cell (never a
formula, an error or a number), a value Excel would read as a formula when someone edits the
cell carries the quote prefix, characters XML cannot hold are replaced visibly and counted, long
text is cut with a marker, and datetimes are shown naive in the event's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl.cell import Cell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

#: Excel's limit on the characters in one cell.
MAX_CELL_CHARS = 32_767
#: First characters (after leading blanks) that make Excel or a CSV reader start a formula.
FORMULA_STARTS = frozenset("=+-@＝＋－＠")
#: Leading characters that hide a formula start from a careless check.
LEADING_CONTROL = frozenset("\t\r\n")
#: Characters not allowed in a sheet title.
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_NEWLINES = re.compile(r"\r\n?")
#: What XML 1.0 cannot hold: openpyxl's control characters, and the noncharacters its pattern
#: misses. Searched once per text; most texts hold none and are not copied.
_UNSAFE_XML = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ufffe\uffff]")
#: The first character after leading blanks.
_FIRST_VISIBLE = re.compile(r"\s*(\S)")
#: First visible characters of error codes, booleans and numbers (signs are formula starts).
_VALUE_STARTS = frozenset("#.0123456789tTfF")
_NUMBER_LIKE = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?%?\s*")
_BOOLEAN_LIKE = frozenset({"TRUE", "FALSE"})

#: Named looks a sheet may ask for; each also has a quote-prefixed twin for unsafe text.
STYLES: dict[str, dict[str, Any]] = {
    "plain": {},
    "top": {"alignment": Alignment(vertical="top")},
    "text": {"alignment": Alignment(wrap_text=True, vertical="top")},
    "header": {
        "font": Font(bold=True),
        "fill": PatternFill("solid", fgColor="DDEBF7"),
        "alignment": Alignment(wrap_text=True, vertical="top"),
    },
    "title": {"font": Font(bold=True, size=14)},
    "label": {"font": Font(bold=True)},
    "datetime": {"number_format": "yyyy-mm-dd hh:mm"},
    "date": {"number_format": "yyyy-mm-dd"},
    "percent": {"number_format": "0.0%", "alignment": Alignment(vertical="top")},
    "decimal": {"number_format": "0.00", "alignment": Alignment(vertical="top")},
    "link": {
        "font": Font(color="0563C1", underline="single"),
        "alignment": Alignment(vertical="top"),
    },
    "flag": {"alignment": Alignment(horizontal="center")},
}


def safe_sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """A sheet title Excel accepts: no ``[]:*?/\\``, at most 31 characters, unique."""
    base = _TITLE_FORBIDDEN.sub("-", title).strip("' ") or "Sheet"
    base = base[:31]
    used = {name.lower() for name in taken}
    candidate, number = base, 1
    while candidate.lower() in used:
        number += 1
        suffix = f" ({number})"
        candidate = base[: 31 - len(suffix)] + suffix
    return candidate


def needs_quote_prefix(text: str) -> bool:
    """Whether Excel would turn ``text`` into a formula, error, number or boolean on editing."""
    if not text:
        return False
    first = text[0]
    if first in LEADING_CONTROL:
        return True
    if first.isspace():
        found = _FIRST_VISIBLE.match(text)
        if found is None:
            return False
        first = found.group(1)
    if first in FORMULA_STARTS:
        return True
    if first not in _VALUE_STARTS:
        return False
    stripped = text.strip()
    return (
        stripped in ERROR_CODES
        or stripped.upper() in _BOOLEAN_LIKE
        or _NUMBER_LIKE.fullmatch(text) is not None
    )


def _visible(match: re.Match[str]) -> str:
    """A visible stand-in for a character XML cannot hold: its control picture (U+0001 -> ␁),
    or U+FFFD for a noncharacter."""
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else "\ufffd"


class _PreparedCell(Cell):
    """A cell made here. openpyxl's ``append`` first tries each item as a value and formats it
    into the error it then catches; a short repr keeps that from costing more than the cell."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<prepared cell>"


class CellMaker:
    """Turns values into write-only cells of one workbook; counts what it had to repair.

    Make one per workbook (the styles it caches belong to that workbook); it serves all
    sheets, so :attr:`replaced` and :attr:`cut` are the totals a reader finds on the Method sheet.
    """

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)
        self.replaced = 0
        self.cut = 0
        self._styles: dict[tuple[str, bool], StyleArray] = {}

    def __call__(self, ws: WriteOnlyWorksheet, value: Any, style: str = "plain") -> Any:
        """``value`` prepared for ``ws``: a styled cell, or a plain value openpyxl stores as is.

        Text always stays text. An empty value or text gives no cell at all; a number or a
        string that needs no look and no quote prefix goes to openpyxl as it is (cheapest).
        """
        if value is None:
            return None
        if type(value) is str:
            return self._text(ws, value, style)
        if isinstance(value, int | float | Decimal):
            return value if style == "plain" else self._cell(ws, value, style, False)
        if isinstance(value, list | tuple | set | frozenset):
            return self._text(ws, ", ".join(str(item) for item in value), style)
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.astimezone(self.zone).replace(tzinfo=None)
            return self._cell(ws, value, "datetime", False)
        if isinstance(value, date):
            return self._cell(ws, value, "date", False)
        if isinstance(value, Cell):  # made here already (see :meth:`link`)
            return value
        return self._text(ws, str(value), style)

    def link(self, ws: WriteOnlyWorksheet, value: int, url: str | None) -> Any:
        """A number that links to ``url`` (an answer's page in the console), or just the number.

        Only addresses this app builds reach here, never an attendee's text.
        """
        if url is None:
            return value
        cell = self._cell(ws, value, "link", False)
        cell.hyperlink = url
        return cell

    def _text(self, ws: WriteOnlyWorksheet, value: str, style: str) -> Any:
        if not value:
            return None
        text = _NEWLINES.sub("\n", value) if "\r" in value else value
        if _UNSAFE_XML.search(text) is not None:
            text, replaced = _UNSAFE_XML.subn(_visible, text)
            self.replaced += replaced
        if len(text) > MAX_CELL_CHARS:
            self.cut += 1
            text = _cut(text)
        quoted = needs_quote_prefix(text)
        if style == "plain" and not quoted:
            # Nothing in it can turn into a formula, an error or a number, and it is clean:
            # openpyxl's setter keeps it a string.
            return text
        # Otherwise the value goes in as a string directly: openpyxl's setter would make
        # "=..." a formula and "#N/A" an error (its string checks are the cleaning above).
        cell = self._cell(ws, None, style, quoted)
        cell._value = text
        cell.data_type = "s"
        return cell

    def _cell(self, ws: WriteOnlyWorksheet, value: Any, style: str, quoted: bool) -> Cell:
        cell = _PreparedCell(ws, row=1, column=1, style_array=self._style(ws, style, quoted))
        if value is not None:
            cell.value = value
        return cell

    def _style(self, ws: WriteOnlyWorksheet, name: str, quoted: bool) -> StyleArray:
        """The style array of ``name``, registered with the workbook once, then copied."""
        key = (name, quoted)
        if key not in self._styles:
            prototype = Cell(ws, row=1, column=1)
            for attribute, look in STYLES[name].items():
                setattr(prototype, attribute, look)
            if quoted:
                prototype.quotePrefix = True
            # openpyxl has no public getter for a cell's style array; copying it is what
            # keeps styling cheap on 100,000-row sheets.
            self._styles[key] = StyleArray(prototype._style or StyleArray())
        return self._styles[key]


def _cut(text: str) -> str:
    """``text`` shortened to fit one cell, ending with how much was left out."""
    marker_room = 40
    kept = MAX_CELL_CHARS - marker_room
    return f"{text[:kept]}… [cut: {len(text) - kept} more characters]"

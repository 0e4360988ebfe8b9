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
#: Noncharacters XML 1.0 cannot hold either (openpyxl's pattern misses them): shown as U+FFFD.
_NONCHARACTERS = re.compile("[\ufffe\uffff]")
_NUMBER_LIKE = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?%?\s*")
_BOOLEAN_LIKE = frozenset({"TRUE", "FALSE"})

#: Named looks a sheet may ask for; each also has a quote-prefixed twin for unsafe text.
STYLES: dict[str, dict[str, Any]] = {
    "plain": {},
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
    "percent": {"number_format": "0.0%"},
    "decimal": {"number_format": "0.00"},
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
    if text[0] in LEADING_CONTROL or text.lstrip()[:1] in FORMULA_STARTS:
        return True
    stripped = text.strip()
    return (
        stripped in ERROR_CODES
        or stripped.upper() in _BOOLEAN_LIKE
        or _NUMBER_LIKE.fullmatch(text) is not None
    )


def _visible(match: re.Match[str]) -> str:
    """The Unicode control picture of a character XML cannot hold (U+0001 -> ␁)."""
    return chr(0x2400 + ord(match.group()))


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

    def __call__(self, ws: WriteOnlyWorksheet, value: Any, style: str = "plain") -> Cell:
        """A cell holding ``value`` prepared for ``ws``; text always stays text."""
        if isinstance(value, list | tuple | set | frozenset):
            value = ", ".join(str(item) for item in value)
        if isinstance(value, str):
            return self._text(ws, value, style)
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.astimezone(self.zone).replace(tzinfo=None)
            style = "datetime"
        elif isinstance(value, date):
            style = "date"
        elif value is not None and not isinstance(value, int | float | Decimal):
            return self._text(ws, str(value), style)
        cell = Cell(ws, row=1, column=1, style_array=self._style(ws, style, False))
        cell.value = value
        return cell

    def _text(self, ws: WriteOnlyWorksheet, value: str, style: str) -> Cell:
        text = _NEWLINES.sub("\n", value)
        text, replaced = ILLEGAL_CHARACTERS_RE.subn(_visible, text)
        text, noncharacters = _NONCHARACTERS.subn("\ufffd", text)
        self.replaced += replaced + noncharacters
        if len(text) > MAX_CELL_CHARS:
            self.cut += 1
            text = _cut(text)
        cell = Cell(
            ws, row=1, column=1, style_array=self._style(ws, style, needs_quote_prefix(text))
        )
        # The value goes in as a string directly: openpyxl's setter would make "=..." a
        # formula and "#N/A" an error, and its type checks cost more than the rest of the
        # cell (its string checks are the cleaning done just above).
        cell._value = text
        cell.data_type = "s"
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

"""The one value-preparation function: text stays text, whatever the respondent typed."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ERROR_CODES

from exports.cells import MAX_CELL_CHARS, CellMaker, needs_quote_prefix, safe_sheet_title
from exports.labels import CODES, TEXTS, Labels
from survey_db.models.vocabulary import (
    AREAS,
    ATTENDANCE,
    FEEDBACK_TEXT_FIELDS,
    GROUPS,
    LANGUAGES,
    LEVELS,
    RATING_FIELDS,
    REVIEW_STATES,
    STAKEHOLDERS,
)

#: Payload -> whether it needs the quote prefix.
PAYLOADS = {
    "=1+1": True,
    "+SUM(A1)": True,
    "-2": True,
    "@cmd": True,
    "\t=x": True,
    " =x": True,
    "\n=x": True,
    "\r=x": True,
    "＝1+1": True,
    "＋1": True,
    "－1": True,
    "＠cmd": True,
    '=HYPERLINK("http://x","click")': True,
    "=": True,
    "#N/A": True,
    "#DIV/0!": True,
    "#REF!": True,
    "TRUE": True,
    "false": True,
    "1e5": True,
    "42": True,
    "3.14": True,
    "50%": True,
    "plain words": False,
    "a=b": False,
    "email@example.org": False,
    "社会保护": False,
}


def write_and_read(
    tmp_path: Path, values: list[object], style: str = "text"
) -> tuple[list, CellMaker, Path]:
    """Write ``values`` in column A through a CellMaker, save, and load them back."""
    book = Workbook(write_only=True)
    ws = book.create_sheet("Data")
    maker = CellMaker("Asia/Shanghai")
    for value in values:
        ws.append([maker(ws, value, style)])
    path = tmp_path / "cells.xlsx"
    book.save(path)
    cells = [row[0] for row in load_workbook(path)["Data"].iter_rows()]
    return cells, maker, path


def sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode("utf-8")


@pytest.mark.parametrize("style", ["text", "plain"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_a_string_cell_with_the_original_text(
    tmp_path: Path, payload: str, style: str
) -> None:
    [cell], _, path = write_and_read(tmp_path, [payload], style)
    assert cell.value == payload.replace("\r", "\n")
    assert cell.data_type == "s"
    assert cell.quotePrefix is PAYLOADS[payload]
    xml = sheet_xml(path)
    assert "<f>" not in xml and "<f " not in xml
    assert 't="inlineStr"' in xml


def test_quote_prefix_is_in_the_saved_cell_format(tmp_path: Path) -> None:
    _, _, path = write_and_read(tmp_path, ["=1+1", "plain"])
    with zipfile.ZipFile(path) as archive:
        styles = archive.read("xl/styles.xml").decode("utf-8")
    quoted = re.findall(r"<xf [^>]*quotePrefix=\"1\"", styles)
    assert quoted, styles
    style_ids = re.findall(r'<c r="A(\d)" s="(\d+)"', sheet_xml(path))
    cell_xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", styles, re.S).group(1)
    xfs = re.findall(r"<xf [^>]*?/?>", cell_xfs)
    by_row = {row: xfs[int(style)] for row, style in style_ids}
    assert 'quotePrefix="1"' in by_row["1"]
    assert 'quotePrefix="1"' not in by_row["2"]


def test_line_breaks_are_normalised(tmp_path: Path) -> None:
    [cell], _, _ = write_and_read(tmp_path, ["one\r\ntwo\rthree\nfour"])
    assert cell.value == "one\ntwo\nthree\nfour"


@pytest.mark.parametrize("style", ["text", "plain"])
def test_control_characters_are_replaced_visibly_and_counted(tmp_path: Path, style: str) -> None:
    values = ["a\x00b\x1fc", "tab\tstays\x0b", "odd\ufffe\uffff"]
    [first, second, third], maker, _ = write_and_read(tmp_path, values, style)
    assert first.value == "a\u2400b\u241fc"
    assert second.value == "tab\tstays\u240b"
    assert third.value == "odd\ufffd\ufffd"
    assert maker.replaced == 5


def test_long_text_is_cut_with_a_marker(tmp_path: Path) -> None:
    text = "x" * (MAX_CELL_CHARS + 10_000)
    [cell], maker, _ = write_and_read(tmp_path, [text])
    assert len(cell.value) <= MAX_CELL_CHARS
    kept = len(cell.value.split("…")[0])
    assert cell.value.endswith(f"… [cut: {len(text) - kept} more characters]")
    assert maker.cut == 1


def test_text_at_the_limit_is_kept_whole(tmp_path: Path) -> None:
    text = "y" * MAX_CELL_CHARS
    [cell], maker, _ = write_and_read(tmp_path, [text])
    assert cell.value == text
    assert maker.cut == 0


def test_datetimes_are_naive_in_the_event_time_zone(tmp_path: Path) -> None:
    moment = datetime(2020, 11, 10, 5, 30, tzinfo=UTC)
    [stamp, day], _, _ = write_and_read(tmp_path, [moment, date(2020, 11, 10)])
    assert stamp.value == datetime(2020, 11, 10, 13, 30)
    assert stamp.number_format == "yyyy-mm-dd hh:mm"
    assert stamp.is_date
    assert day.value == datetime(2020, 11, 10)
    assert day.number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("style", ["text", "plain"])
def test_numbers_lists_and_empty_values(tmp_path: Path, style: str) -> None:
    cells, _, _ = write_and_read(tmp_path, [3, 2.5, None, "", ["women", "=x"]], style)
    assert [cell.value for cell in cells[:2]] == [3, 2.5]
    assert [cell.data_type for cell in cells[:2]] == ["n", "n"]
    assert cells[2].value is None
    assert cells[3].value is None
    assert cells[4].value == "women, =x"
    assert cells[4].data_type == "s"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Session ratings", "Session ratings"),
        ("a[b]c:d*e?f/g\\h", "a-b-c-d-e-f-g-h"),
        ("x" * 40, "x" * 31),
        ("'quoted'", "quoted"),
        ("", "Sheet"),
    ],
)
def test_safe_sheet_title(title: str, expected: str) -> None:
    assert safe_sheet_title(title) == expected


def test_safe_sheet_title_is_unique() -> None:
    assert safe_sheet_title("Overview", ["overview"]) == "Overview (2)"
    long = "y" * 31
    unique = safe_sheet_title(long, [long])
    assert len(unique) == 31 and unique.endswith("(2)")


def test_needs_quote_prefix_ignores_empty_text() -> None:
    assert not needs_quote_prefix("")


def test_labels_are_complete_in_both_languages() -> None:
    assert TEXTS["en"].keys() == TEXTS["zh"].keys()
    assert CODES["en"].keys() == CODES["zh"].keys()
    vocabulary = (
        *LEVELS,
        *GROUPS,
        *AREAS,
        *STAKEHOLDERS,
        *ATTENDANCE,
        *LANGUAGES,
        *RATING_FIELDS,
        *FEEDBACK_TEXT_FIELDS,
        *REVIEW_STATES,
    )
    for lang in ("en", "zh"):
        assert set(vocabulary) <= CODES[lang].keys()
        assert all(text.strip() for text in TEXTS[lang].values())
    assert Labels("zh").code("virus") == "病毒的直接影响"
    with pytest.raises(ValueError):
        Labels("fr")


def plain_rule(text: str) -> bool:
    """The quote-prefix rule as the issue states it, without the shortcuts taken for speed."""
    if not text:
        return False
    if text[0] in "\t\r\n" or text.lstrip()[:1] in set("=+-@＝＋－＠"):
        return True
    stripped = text.strip()
    return (
        stripped in ERROR_CODES
        or stripped.upper() in {"TRUE", "FALSE"}
        or re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?%?\s*", text) is not None
    )


@settings(max_examples=500)
@given(
    st.text(alphabet=st.sampled_from(list(" \t\r\n\u3000=+-@＝＋－＠#.0123456789eE%TRUEfalsx/!A")))
    | st.text()
)
def test_quote_prefix_shortcuts_agree_with_the_plain_rule(text: str) -> None:
    assert needs_quote_prefix(text) == plain_rule(text)

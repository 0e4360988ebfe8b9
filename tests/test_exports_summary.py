"""The briefing workbook, read back: sheets, print setup, consent, links, topics, quotes.

The figures themselves are recomputed from the database in tests/test_exports_briefing_figures.py.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from exports import build_summary
from exports.labels import CODES, QUESTIONS, TEXTS
from survey_app.db import get_session
from survey_db.models import Event, Response, ResponseTag, utcnow

TABLE_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.]*$")
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
INJECTIONS = ["=1+1", "+SUM(A1)", "-2", "@cmd", "\t=x", " =x", "＝1+1", '=HYPERLINK("http://x")']
ODD_VALUES = ["#N/A", "#DIV/0!", "TRUE", "1e5"]
SHEETS_EN = [
    "Briefing",
    "Session ratings",
    "Session comments",
    "Policy inputs",
    "Impact matrix",
    "Quotes",
    "Crosstabs",
    "Follow-up topics",
    "Codebook",
    "Method",
]
VIRUS, CRISIS, STIMULUS = (CODES["en"][code] for code in ("virus", "economic_crisis", "stimulus"))


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    with app.app_context():
        yield get_session()


def add_feedback(db: Session, event: Event, code: str, **answers: Any) -> Response:
    """Insert one feedback answer on the session ``code``."""
    session = next(item for item in event.sessions if item.code == code)
    answers.setdefault("overall", 4)
    response = Response(event_id=event.id, kind="feedback", session_id=session.id, **answers)
    db.add(response)
    db.flush()
    return response


def add_input(db: Session, event: Event, theme: str, text: str, **answers: Any) -> Response:
    """Insert one policy input on the theme ``theme``."""
    theme_id = next(item.id for item in event.themes if item.code == theme)
    response = Response(event_id=event.id, kind="input", theme_id=theme_id, text=text, **answers)
    db.add(response)
    db.flush()
    return response


def add_tag(db: Session, response: Response, levels: list[str], **values: Any) -> ResponseTag:
    """Insert the machine's tags of ``response``; a ``review`` dict reviews them."""
    review = values.pop("review", None)
    tag = ResponseTag(
        response_id=response.id,
        tagged_version=response.version,
        tagger_version="test-1",
        machine_levels=levels,
        machine_evidence={level: [f"word of {level}"] for level in levels},
        **values,
    )
    tag.response = response
    if review is not None:
        tag.change(None, review["levels"], review["groups"], review["areas"])
    db.add(tag)
    db.flush()
    return tag


def table_rows(ws: Worksheet, name: str) -> list[dict[str, Any]]:
    """The data rows of table ``name`` as dicts keyed by its column names."""
    table = ws.tables[name]
    rows = [[cell.value for cell in row] for row in ws[table.ref]]
    return [
        dict(zip(rows[0], row, strict=True)) for row in rows[1:] if any(v is not None for v in row)
    ]


def check_well_formed(path: Path) -> None:
    """What makes Excel repair a file: tables, their columns and refs, sheet titles."""
    book = load_workbook(path)
    table_names: list[str] = []
    for ws in book.worksheets:
        assert 0 < len(ws.title) <= 31 and not SHEET_FORBIDDEN.search(ws.title)
        for table in ws.tables.values():
            name = table.displayName
            assert table.name == name
            table_names.append(name.lower())
            assert TABLE_NAME.match(name)
            header = [cell.value for cell in ws[table.ref][0]]
            columns = [column.name for column in table.tableColumns]
            assert columns == header
            assert all(isinstance(column, str) and column for column in columns)
            assert len({column.lower() for column in columns}) == len(columns)
            min_row, max_row = ws[table.ref][0][0].row, ws[table.ref][-1][0].row
            assert max_row > min_row
            assert table.autoFilter.ref == table.ref
    assert len(table_names) == len(set(table_names))
    with zipfile.ZipFile(path) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
        for name in sheets:
            assert "<f>" not in archive.read(name).decode("utf-8")


def build(db: Session, event: Event, tmp_path: Path, lang: str = "en", **options: Any) -> Any:
    path = build_summary(db, event, tmp_path / f"summary-{lang}.xlsx", lang=lang, **options)
    check_well_formed(path)
    return load_workbook(path)


@pytest.fixture
def filled(db: Session, event: Event) -> dict[str, Any]:
    """An event with known feedback, inputs and tags; returns what was inserted."""
    event = db.get(Event, event.id)
    feedback = [
        ("opening", {"overall": 5, "relevance": 4, "most_useful": "Clear =1+1", "language": "en"}),
        (
            "opening",
            {
                "overall": 3,
                "improve": "More time",
                "show_name": True,
                "quote_ok": True,
                "name": "Li Wei",
                "organisation": "MOHRSS",
            },
        ),
        ("opening", {"overall": 4, "next_topics": "Pensions for gig workers"}),
        ("opening", {"overall": 2, "next_topics": "养老金和灵活就业"}),
        (
            "keynotes",
            {
                "overall": 5,
                "name": "Named Not Quotable",
                "show_name": True,
                "quote_ok": False,
                "most_useful": "@cmd \x01 ok",
                "next_topics": "digital payments for social assistance",
            },
        ),
        ("keynotes", {"overall": 1, "status": "withdrawn", "most_useful": "withdrawn text"}),
        ("p1-health", {"overall": 4, "attendance": "online", "stakeholder": "academia"}),
        ("p1-health", {"overall": 1, "channel": "demo", "most_useful": "demo comment"}),
    ]
    responses = [add_feedback(db, event, code, **answers) for code, answers in feedback]
    add_tag(db, responses[0], ["virus"], sentiment=0.5)
    inputs = [
        add_input(
            db,
            event,
            "responses",
            "Wage subsidies helped =SUM(A1)",
            groups=["women"],
            areas=["employment_retention"],
            stakeholder="government",
            quote_ok=True,
        ),
        add_input(db, event, "responses", "#N/A", language="zh"),
        add_input(db, event, "risks", "Lockdown cut income", groups=["migrant_workers"]),
        add_input(db, event, "lessons", "TRUE", groups=["children"], areas=["health"]),
        add_input(db, event, "lessons", "spam text", status="spam"),
    ]
    add_tag(db, inputs[0], ["stimulus"], machine_groups=["informal_workers"], sentiment=0.25)
    add_tag(
        db,
        inputs[1],
        ["economic_crisis"],
        text_language="zh",
        review={"levels": ["economic_crisis", "virus"], "groups": ["older_persons"], "areas": []},
    )
    add_tag(
        db,
        inputs[2],
        ["containment", "economic_crisis"],
        review={"levels": ["containment"], "groups": [], "areas": ["unemployment"]},
    )
    add_tag(db, inputs[4], ["virus"])
    db.commit()
    return {"event": event, "responses": responses, "inputs": inputs}


def test_sheets_in_order_in_both_languages(db: Session, filled: dict, tmp_path: Path) -> None:
    assert build(db, filled["event"], tmp_path).sheetnames == SHEETS_EN
    zh = build(db, filled["event"], tmp_path, lang="zh")
    assert zh.sheetnames[:4] == ["简报", "分会场评分", "分会场意见", "政策建议"]
    assert zh["分会场评分"]["A1"].value == filled["event"].title_zh


def test_demo_answers_only_when_asked_and_every_title_says_so(
    db: Session, filled: dict, tmp_path: Path
) -> None:
    book = build(db, filled["event"], tmp_path)
    ids = [row["Answer id"] for row in table_rows(book["Session comments"], "Comments")]
    demo_id = filled["responses"][-1].id
    assert demo_id not in ids
    with_demo = build(db, filled["event"], tmp_path, include_demo=True)
    assert with_demo.sheetnames == [f"{title} (with demo)" for title in SHEETS_EN]
    comments = with_demo["Session comments (with demo)"]
    assert demo_id in [row["Answer id"] for row in table_rows(comments, "Comments")]
    assert all(ws["A1"].value.endswith("(with demo)") for ws in with_demo.worksheets)
    zh = build(db, filled["event"], tmp_path, lang="zh", include_demo=True)
    assert all(title.endswith("（含演示数据）") for title in zh.sheetnames)


def test_every_sheet_prints_as_a_person_expects(db: Session, filled: dict, tmp_path: Path) -> None:
    book = build(db, filled["event"], tmp_path)
    for ws in book.worksheets:
        setup = ws.page_setup
        assert setup.paperSize == 9 and setup.fitToWidth == 1, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows, ws.title
        assert ws.oddHeader.center.text == "&A"
        assert ws.column_dimensions["B"].width >= 16, ws.title  # dates, not ###
        long_text = ws.title in ("Session comments", "Policy inputs", "Quotes")
        assert setup.orientation == ("portrait" if ws.title == "Method" else "landscape")
        if long_text:
            header_row = int(ws.print_title_rows.split(":")[0].strip("$"))
            assert ws.cell(header_row, 1).font.b, ws.title
    assert book["Briefing"].page_setup.fitToHeight == 1
    comments = book["Session comments"]
    assert comments.print_title_rows == "$7:$7"
    assert comments.print_area.endswith("$K$" + str(comments.max_row))  # up to the names


def test_wrapped_rows_are_as_tall_as_their_text(db: Session, event: Event, tmp_path: Path) -> None:
    event = db.get(Event, event.id)
    add_input(db, event, "risks", "word " * 200)
    add_input(db, event, "risks", "short")
    db.commit()
    ws = build(db, event, tmp_path)["Policy inputs"]
    heights = {
        row[4].value: ws.row_dimensions[row[4].row].height
        for row in ws.iter_rows(min_row=8)
        if row[4].value
    }
    assert heights["word " * 200] >= 15 * 8
    assert heights["short"] is None or heights["short"] <= 2 * 15  # its theme's two lines


def test_answer_sheets_rows_codes_and_pivot_columns(
    db: Session, filled: dict, tmp_path: Path
) -> None:
    book = build(db, filled["event"], tmp_path)
    inputs = {row["Text"]: row for row in table_rows(book["Policy inputs"], "Inputs")}
    assert set(inputs) == {"Wage subsidies helped =SUM(A1)", "#N/A", "Lockdown cut income", "TRUE"}
    subsidies = inputs["Wage subsidies helped =SUM(A1)"]
    assert subsidies["Answer id"] == filled["inputs"][0].id
    assert subsidies["Groups"] == "Workers in the informal economy, Women"
    assert subsidies["Group codes"] == "informal_workers women"
    assert subsidies["group_women"] == 1 and subsidies["group_children"] == 0
    assert subsidies["level_stimulus"] == 1 and subsidies["Level codes"] == "stimulus"
    assert subsidies["Evidence"] == f"{STIMULUS}: word of stimulus"
    assert subsidies["Tags from"] == "machine" and subsidies["Sentiment"] == 0.25
    reviewed = inputs["#N/A"]
    assert reviewed["Level codes"] == "economic_crisis virus"
    assert reviewed["Tags from"] == "changed by a person" and reviewed["Language"] == "Chinese"
    assert inputs["Lockdown cut income"]["Group codes"] == "migrant_workers"
    assert inputs["Lockdown cut income"]["area_unemployment"] == 1
    assert inputs["TRUE"]["Tags from"] == "not tagged yet" and inputs["TRUE"]["Level codes"] is None
    comments = table_rows(book["Session comments"], "Comments")
    texts = {row["Most useful"] or row["To improve"] or row["Next topics"] for row in comments}
    assert texts == {
        "Clear =1+1",
        "More time",
        "Pensions for gig workers",
        "养老金和灵活就业",
        "@cmd \u2401 ok",
    }


def test_a_name_only_beside_words_that_may_be_quoted(
    db: Session, filled: dict, tmp_path: Path
) -> None:
    book = build(db, filled["event"], tmp_path)
    by_text = {
        row["Most useful"] or row["To improve"]: row
        for row in table_rows(book["Session comments"], "Comments")
    }
    assert by_text["More time"]["Name"] == "Li Wei"
    assert by_text["More time"]["Organisation"] == "MOHRSS"
    assert by_text["@cmd \u2401 ok"]["Name"] is None
    everything = " ".join(
        str(cell.value) for ws in book.worksheets for row in ws.iter_rows() for cell in row
    )
    assert "Named Not Quotable" not in everything


def test_answer_ids_link_to_the_console_when_the_address_is_known(
    db: Session, filled: dict, tmp_path: Path
) -> None:
    plain = build(db, filled["event"], tmp_path)
    assert all(cell.hyperlink is None for cell in plain["Policy inputs"]["A"][7:])
    book = build(db, filled["event"], tmp_path, base_url="https://feedback.example.org/")
    first = filled["inputs"][0]
    links = {
        cell.value: cell.hyperlink.target
        for cell in book["Policy inputs"]["A"][7:]
        if cell.hyperlink is not None
    }
    slug = filled["event"].slug
    assert links[first.id] == f"https://feedback.example.org/admin/e/{slug}/responses/{first.id}"


def test_text_cells_are_safe_strings(db: Session, event: Event, tmp_path: Path) -> None:
    event = db.get(Event, event.id)
    payloads = INJECTIONS + ODD_VALUES
    for payload in payloads:
        add_input(db, event, "risks", payload)
        add_feedback(db, event, "closure", most_useful=payload)
    db.commit()
    book = build(db, event, tmp_path)
    for sheet in ("Policy inputs", "Session comments"):
        cells = {c.value: c for c in book[sheet]["E"][7:]}
        for payload in payloads:
            cell = cells[payload]
            assert cell.data_type == "s"
            assert cell.quotePrefix, payload


def test_replaced_characters_are_counted(db: Session, event: Event, tmp_path: Path) -> None:
    event = db.get(Event, event.id)
    add_input(db, event, "risks", "bell\x07 and escape\x1b and\r\nbreak")
    db.commit()
    book = build(db, event, tmp_path)
    [text] = [row["Text"] for row in table_rows(book["Policy inputs"], "Inputs")]
    assert text == "bell\u2407 and escape\u241b and\nbreak"
    values = {row[0].value: row[1].value for row in book["Method"].iter_rows() if len(row) > 1}
    assert values[TEXTS["en"]["replaced_chars"]] == 2
    assert values[TEXTS["en"]["cut_cells"]] == 0


def test_follow_up_topics_are_grouped_across_languages(
    db: Session, filled: dict, tmp_path: Path
) -> None:
    ws = build(db, filled["event"], tmp_path)["Follow-up topics"]
    topics = {row["Topic"]: row for row in table_rows(ws, "Topics")}
    pensions = topics[CODES["en"]["pensions"]]
    # "Pensions for gig workers" and "养老金和灵活就业": one topic in two languages
    assert pensions["Kind"] == "Area" and pensions["All sessions"] == 2
    assert pensions["Plenary: Opening session"] == 2
    gig = topics[CODES["en"]["flexible_gig_workers"]]
    assert gig["All sessions"] == 2
    assert "gig" not in topics and "workers" not in topics  # inside the matched words


def test_quotes_follow_the_rule_and_consent(db: Session, event: Event, tmp_path: Path) -> None:
    event = db.get(Event, event.id)
    common = "Cash transfers reached families late in the year."
    made = {
        "common": add_input(db, event, "responses", common, quote_ok=True),
        "longest": add_input(
            db, event, "responses", "Vouchers helped. " + "Detail " * 60, quote_ok=True
        ),
        "private": add_input(db, event, "responses", "Cash transfers, privately.", quote_ok=False),
        "third": add_input(db, event, "responses", "Cash transfers came.", quote_ok=True),
    }
    evidence = {
        "common": ["cash transfers"],
        "longest": ["vouchers"],
        "private": ["cash transfers"],
        "third": ["cash transfers"],
    }
    for key, response in made.items():
        tag = add_tag(db, response, ["stimulus"])
        tag.machine_evidence = {"stimulus": evidence[key]}
    db.commit()
    rows = table_rows(build(db, event, tmp_path)["Quotes"], "Quotes")
    assert [row["Answer id"] for row in rows] == [made["common"].id, made["third"].id]
    assert all(row["Level"] == STIMULUS for row in rows)


def test_codebook_gives_questions_codes_and_sentiment(
    db: Session, filled: dict, tmp_path: Path
) -> None:
    ws = build(db, filled["event"], tmp_path)["Codebook"]
    questions = {row["Code"]: row for row in table_rows(ws, "Questions")}
    assert set(questions) == set(QUESTIONS)
    assert questions["overall"]["Chinese"] == QUESTIONS["overall"][1]
    codes = {row["Code"]: row for row in table_rows(ws, "Codes")}
    assert len(codes) == 4 + 8 + 8
    assert codes["virus"]["Name"] == f"{VIRUS}\n{CODES['zh']['virus']}"
    assert codes["virus"]["Definition"]
    text = " ".join(str(cell.value) for row in ws.iter_rows() for cell in row)
    assert "Chinese texts get no sentiment" in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_codebook_words_the_questions_as_the_forms_ask_them(
    client: FlaskClient, event: Event, lang: str
) -> None:
    client.get(f"/?lang={lang}")
    slug = event.slug
    pages = "".join(
        client.get(f"/e/{slug}/{path}").get_data(as_text=True)
        for path in ("sessions/opening/feedback", "inputs")
    )
    index = 0 if lang == "en" else 1
    for code in ("overall", "most_useful", "improve", "next_topics", "text", "groups", "areas"):
        assert QUESTIONS[code][index] in pages, code


def test_event_without_responses(db: Session, event: Event, tmp_path: Path) -> None:
    book = build(db, db.get(Event, event.id), tmp_path)
    assert "Series" not in book.sheetnames
    assert table_rows(book["Policy inputs"], "Inputs") == []
    assert all(row["n"] == 0 for row in table_rows(book["Session ratings"], "Ratings"))
    assert book["Briefing"]["B6"].value == 0


def test_title_block(db: Session, filled: dict, tmp_path: Path) -> None:
    event = filled["event"]
    ws = build(db, event, tmp_path)["Session comments"]
    assert ws["A1"].value == event.title_en and ws["A1"].font.b
    assert ws["B2"].value.date() == event.date
    generated = ws["B3"].value
    now_local = utcnow().astimezone(ZoneInfo(event.timezone))
    assert abs(generated - now_local.replace(tzinfo=None)) < timedelta(minutes=5)
    assert "test-1" in ws["B4"].value
    assert ws.freeze_panes == "C7"
    assert ws["E8"].alignment.wrap_text


def test_series_marks_this_event_and_the_change(db: Session, filled: dict, tmp_path: Path) -> None:
    event = filled["event"]
    second = Event(
        series_id=event.series_id,
        slug="2021-follow-up",
        title_en="Second dialogue",
        title_zh="第二次对话",
        date=event.date + timedelta(days=200),
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        status="open",
    )
    db.add(second)
    db.flush()
    db.commit()
    ws = build(db, event, tmp_path)["Series"]
    rows = table_rows(ws, "Series")
    assert [row["Event"] for row in rows] == [event.title_en, "Second dialogue"]
    assert [row["This event"] for row in rows] == ["✓", None]
    assert rows[0]["Change in answers"] is None
    assert rows[1]["Change in answers"] == rows[1]["Responses"] - rows[0]["Responses"]
    assert ws._charts


def test_pace_is_called_after_every_row_and_changes_nothing(
    db: Session, filled: dict, tmp_path: Path
) -> None:
    """The nightly job pauses in ``pace`` under load: it must come often, and only pause."""
    calls: list[int] = []
    paced_path = build_summary(
        db, filled["event"], tmp_path / "paced.xlsx", pace=lambda: calls.append(1)
    )
    paced = load_workbook(paced_path)
    plain = build(db, filled["event"], tmp_path)
    assert len(calls) >= sum(ws.max_row for ws in paced.worksheets)

    def cells(book: Any) -> list[list[tuple]]:  # all but the time each sheet was generated
        return [[row for row in ws.values if row[0] != "Generated at"] for ws in book]

    assert cells(paced) == cells(plain)

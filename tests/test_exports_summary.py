"""The summary workbook, read back and checked against figures computed here from the inserts."""

from __future__ import annotations

import re
import statistics
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from exports import build_summary
from exports.labels import CODES, TEXTS
from survey_app.db import get_session
from survey_db.models import Event, Response, ResponseTag, utcnow
from survey_db.models.vocabulary import LEVELS, RATING_FIELDS

TABLE_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.]*$")
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
INJECTIONS = ["=1+1", "+SUM(A1)", "-2", "@cmd", "\t=x", " =x", "＝1+1", '=HYPERLINK("http://x")']
ODD_VALUES = ["#N/A", "#DIV/0!", "TRUE", "1e5"]
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


def build(db: Session, event: Event, tmp_path: Path, lang: str = "en") -> Any:
    path = build_summary(db, event, tmp_path / f"summary-{lang}.xlsx", lang=lang)
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
                "relevance": 2,
                "improve": "More time",
                "show_name": True,
                "name": "Li Wei",
                "organisation": "MOHRSS",
            },
        ),
        ("opening", {"overall": 4, "technical": 1, "next_topics": "Financing social protection"}),
        ("opening", {"overall": 2, "next_topics": "Social protection financing for gig workers"}),
        (
            "keynotes",
            {
                "overall": 5,
                "speakers": 5,
                "name": "Hidden Person",
                "show_name": False,
                "most_useful": "@cmd \x01 ok",
                "next_topics": "灵活就业人员的社会保险",
            },
        ),
        ("keynotes", {"overall": 1, "status": "withdrawn", "most_useful": "withdrawn text"}),
        ("p1-health", {"overall": 4, "attendance": "online", "stakeholder": "academia"}),
    ]
    responses = [add_feedback(db, event, code, **answers) for code, answers in feedback]
    add_tag(
        db,
        responses[0],
        ["virus"],
        fields={"most_useful": {"levels": ["virus"], "sentiment": 0.5, "language": "en"}},
    )
    inputs = [
        add_input(
            db,
            event,
            "responses",
            "Wage subsidies helped =SUM(A1)",
            groups=["women"],
            areas=["employment_retention"],
            attendance="in_person",
            stakeholder="government",
        ),
        add_input(db, event, "responses", "#N/A", groups=[], areas=[], language="zh"),
        add_input(db, event, "risks", "Lockdown cut income", groups=["migrant_workers"], areas=[]),
        add_input(db, event, "lessons", "TRUE", groups=["children"], areas=["health"]),
        add_input(db, event, "lessons", "spam text", status="spam"),
    ]
    add_tag(
        db,
        inputs[0],
        ["stimulus"],
        machine_groups=["informal_workers"],
        machine_areas=[],
        text_language="en",
        sentiment=0.25,
    )
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


def test_overview_counts_match_the_inserts(db: Session, filled: dict, tmp_path: Path) -> None:
    event = filled["event"]
    book = build(db, event, tmp_path)
    ws = book["Overview"]
    active = [r for r in filled["responses"] + filled["inputs"] if r.status == "active"]
    by_session = Counter(r.session.title_en for r in active if r.kind == "feedback")
    got = {row["Session"]: row["Responses"] for row in table_rows(ws, "Overview_session")}
    assert got == {s.title_en: by_session.get(s.title_en, 0) for s in event.feedback_sessions()}
    by_theme = Counter(r.theme.title_en for r in active if r.kind == "input")
    got = {row["Theme"]: row["Responses"] for row in table_rows(ws, "Overview_theme")}
    assert got == {t.title_en: by_theme.get(t.title_en, 0) for t in event.themes}
    languages = Counter((r.tag.text_language if r.tag else None) or r.language for r in active)
    got = {row["Language"]: row["Responses"] for row in table_rows(ws, "Overview_language")}
    assert got == {CODES["en"][code]: n for code, n in languages.items()}
    attendance = Counter(CODES["en"].get(r.attendance, TEXTS["en"]["not_given"]) for r in active)
    got = {row["Attendance"]: row["Responses"] for row in table_rows(ws, "Overview_attendance")}
    assert got == attendance
    assert "reviewed" in " ".join(str(c.value) for row in ws.iter_rows() for c in row)


def test_ratings_match_the_inserts(db: Session, filled: dict, tmp_path: Path) -> None:
    event = filled["event"]
    ws = build(db, event, tmp_path)["Session ratings"]
    rows = table_rows(ws, "Ratings")
    assert len(rows) == len(RATING_FIELDS) * len(event.feedback_sessions())
    active = [r for r in filled["responses"] if r.status == "active"]
    for row in rows:
        session = next(s for s in event.sessions if s.title_en == row["Session"])
        question = next(q for q in RATING_FIELDS if CODES["en"][q] == row["Question"])
        values = [getattr(r, question) for r in active if r.session_id == session.id]
        values = [v for v in values if v is not None]
        assert row["n"] == len(values)
        assert [row[f"Count {v}"] for v in range(1, 6)] == [values.count(v) for v in range(1, 6)]
        if values:
            assert row["Mean"] == pytest.approx(statistics.mean(values))
            assert row["Median"] == pytest.approx(statistics.median(values))
            assert row["Share 4-5"] == pytest.approx(sum(v >= 4 for v in values) / len(values))
        else:
            assert row["Mean"] is None and row["Median"] is None
    assert rows[0]["Question"] == "Overall" and rows[0]["Mean"] == pytest.approx(3.5)
    assert len(ws._charts) == 1


def test_comments_policy_inputs_and_names(db: Session, filled: dict, tmp_path: Path) -> None:
    book = build(db, filled["event"], tmp_path)
    comments = table_rows(book["Session comments"], "Comments")
    expected = [
        getattr(r, field)
        for r in filled["responses"]
        if r.status == "active"
        for field in ("most_useful", "improve", "next_topics")
        if getattr(r, field)
    ]
    assert sorted(row["Comment"] for row in comments) == sorted(
        text.replace("\x01", "\u2401") for text in expected
    )
    by_text = {row["Comment"]: row for row in comments}
    assert by_text["Clear =1+1"]["Impact levels"] == "Direct impact of the virus"
    assert by_text["Clear =1+1"]["Sentiment"] == 0.5
    assert by_text["More time"]["Name"] == "Li Wei"
    assert by_text["More time"]["Organisation"] == "MOHRSS"
    assert by_text["@cmd \u2401 ok"]["Name"] is None
    inputs = {row["Text"]: row for row in table_rows(book["Policy inputs"], "Inputs")}
    assert set(inputs) == {"Wage subsidies helped =SUM(A1)", "#N/A", "Lockdown cut income", "TRUE"}
    subsidies = inputs["Wage subsidies helped =SUM(A1)"]
    assert subsidies["Groups (counted)"] == "Workers in the informal economy, Women"
    assert subsidies[STIMULUS] == "machine" and subsidies[VIRUS] is None
    assert subsidies["Evidence"] == f"{STIMULUS}: word of stimulus"
    assert subsidies["Reviewed by an organiser"] == "no"
    reviewed = inputs["#N/A"]
    assert reviewed[VIRUS] == "added by a person"
    assert reviewed[CRISIS] == "confirmed by a person"
    assert reviewed["Groups (counted)"] == "Older persons"
    assert reviewed["Tags by"] == "changed by a person"
    lockdown = inputs["Lockdown cut income"]
    assert lockdown[CRISIS] == "removed by a person"
    assert lockdown["Groups (counted)"] == "Migrant workers"
    assert lockdown["Areas (counted)"] == "Unemployment protection"
    assert inputs["TRUE"][VIRUS] is None and inputs["TRUE"]["Tags by"] is None


def test_text_cells_are_safe_strings(db: Session, event: Event, tmp_path: Path) -> None:
    event = db.get(Event, event.id)
    payloads = INJECTIONS + ODD_VALUES
    for payload in payloads:
        add_input(db, event, "risks", payload)
        add_feedback(db, event, "closure", most_useful=payload)
    db.commit()
    book = build(db, event, tmp_path)
    for sheet, column in (("Policy inputs", "C"), ("Session comments", "D")):
        cells = {c.value: c for c in book[sheet][column][6:]}
        for payload in payloads:
            cell = cells[payload]
            assert cell.data_type == "s"
            assert cell.quotePrefix, payload
    method = table_rows(book["Method"], "Levels")
    assert len(method) == len(LEVELS)


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


def counted(response: Response, tag: ResponseTag, kind: str) -> set[str]:
    """The rule: the attendee's choice always, with the reviewed tags, else the tagger's."""
    found = getattr(tag, f"reviewed_{kind}") if tag.reviewed else getattr(tag, f"machine_{kind}")
    return set(getattr(response, kind)) | set(found)


def test_impact_matrix_counts(db: Session, filled: dict, tmp_path: Path) -> None:
    event = filled["event"]
    book = build(db, event, tmp_path)
    rows = table_rows(book["Impact matrix"], "ImpactMatrix")
    by_value = {(row["Dimension"], row["Value"]): row for row in rows}
    expected: dict[tuple[str, str], Counter] = {}
    tagged: Counter = Counter()
    for response in filled["responses"] + filled["inputs"]:
        tag = response.tag
        if response.status != "active" or tag is None:
            continue
        theme = response.theme.title_en if response.kind == "input" else None
        keys = [("Theme", theme or TEXTS["en"]["session_feedback"])]
        keys += [("Group", CODES["en"][code]) for code in counted(response, tag, "groups")]
        keys += [("Area", CODES["en"][code]) for code in counted(response, tag, "areas")]
        for key in keys:
            tagged[key] += 1
            expected.setdefault(key, Counter()).update(tag.levels)
    for key, row in by_value.items():
        assert row["Tagged responses"] == tagged.get(key, 0), key
        for level in LEVELS:
            count = expected.get(key, Counter())[level]
            assert row[CODES["en"][level]] == count, (key, level)
            share = row[f"Share {CODES['en'][level]}"]
            assert share == (pytest.approx(count / tagged[key]) if tagged.get(key) else None)
    assert by_value[("Group", "Women")][STIMULUS] == 1
    assert by_value[("Group", "Older persons")][VIRUS] == 1
    assert book["Impact matrix"]._charts


def test_follow_up_topics(db: Session, filled: dict, tmp_path: Path) -> None:
    book = build(db, filled["event"], tmp_path)
    ws = book["Follow-up topics"]
    phrases = {row["Phrase"]: row["Answers"] for row in table_rows(ws, "TopicPhrases")}
    assert phrases["social protection"] == 2
    assert phrases["financing"] == 2
    assert "灵活就业" in "".join(phrases)
    answers = table_rows(ws, "TopicAnswers")
    assert sorted(row["Text"] for row in answers) == sorted(
        r.next_topics for r in filled["responses"] if r.next_topics and r.status == "active"
    )


def test_chinese_labels(db: Session, filled: dict, tmp_path: Path) -> None:
    book = build(db, filled["event"], tmp_path, lang="zh")
    assert book.sheetnames[:2] == ["概览", "分会场评分"]
    ws = book["分会场评分"]
    assert ws["A1"].value == filled["event"].title_zh
    header = [column.name for column in ws.tables["Ratings"].tableColumns]
    assert header[:2] == ["分会场", "问题"]
    assert table_rows(ws, "Ratings")[0]["问题"] == "总体评价"


def test_event_without_responses(db: Session, event: Event, tmp_path: Path) -> None:
    book = build(db, db.get(Event, event.id), tmp_path)
    assert "Series" not in book.sheetnames
    assert table_rows(book["Policy inputs"], "Inputs") == []
    assert all(row["n"] == 0 for row in table_rows(book["Session ratings"], "Ratings"))
    assert book["Overview"]["B3"].value is not None


def test_title_block_and_layout(db: Session, filled: dict, tmp_path: Path) -> None:
    event = filled["event"]
    ws = build(db, event, tmp_path)["Session comments"]
    assert ws["A1"].value == event.title_en and ws["A1"].font.b
    assert ws["B2"].value.date() == event.date
    generated = ws["B3"].value
    now_local = utcnow().astimezone(ZoneInfo(event.timezone))
    assert abs(generated - now_local.replace(tzinfo=None)) < timedelta(minutes=5)
    assert "test-1" in ws["B4"].value
    assert ws.freeze_panes == "A7"
    assert ws["A6"].font.b
    assert ws.column_dimensions["D"].width == 80
    assert ws["D7"].alignment.wrap_text


def test_series_sheet_when_the_series_has_two_events(
    db: Session, filled: dict, tmp_path: Path
) -> None:
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
    db.commit()
    rows = table_rows(build(db, event, tmp_path)["Series"], "Series")
    assert [row["Event"] for row in rows] == [event.title_en, "Second dialogue"]
    first = rows[0]
    active = [r for r in filled["responses"] + filled["inputs"] if r.status == "active"]
    assert first["Responses"] == len(active)
    assert first["Policy inputs"] == sum(r.kind == "input" for r in active)
    overall = [r.overall for r in active if r.kind == "feedback"]
    assert first["Mean overall rating"] == pytest.approx(statistics.mean(overall))
    assert first["Tagged responses"] == 3
    assert first[f"Inputs tagged {CRISIS}"] == pytest.approx(1 / 3)
    assert rows[1]["Responses"] == 0 and rows[1]["Mean overall rating"] is None
    assert db.scalar(select(Event).where(Event.slug == "2021-follow-up")) is not None


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
    rows = sum(ws.max_row for ws in paced.worksheets)
    headers = sum(len(ws.tables) for ws in paced.worksheets)  # written with the table
    assert len(calls) == rows - headers

    def cells(book: Any) -> list[list[tuple]]:  # all but the time each sheet was generated
        return [[row for row in ws.values if row[0] != "Generated at"] for ws in book]

    assert cells(paced) == cells(plain)

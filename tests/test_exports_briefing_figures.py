# ruff: noqa: S608 -- the SQL is put together from this file's own constants, never from input
"""Every figure of every sheet of the briefing workbook, recomputed from the database in SQL.

The mixed event holds web, paper and demo answers, an amended one, withdrawn, spam and test
answers, machine-only, confirmed and changed tags, untagged answers, groups the attendee
ticked, feedback without text, both languages, and runs of the tagging job for this event,
for another and for all. The SQL here is written out by hand (no expression of
``survey_db.counting``), so the workbook and this file state the one counting rule twice and
must agree; it runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.orm import Session

from exports import build_summary
from exports.briefing import short
from exports.data import person_key
from exports.labels import CODES
from survey_app.db import get_session
from survey_db.models import Event, PipelineRun, utcnow
from survey_db.models.vocabulary import AREAS, GROUPS, LEVELS, RATING_FIELDS

from .test_exports_summary import add_feedback, add_input, add_tag, table_rows

EN = CODES["en"]
COUNTED = "r.event_id = :e AND r.status = 'active' AND (r.channel <> 'demo' OR :demo = 1)"
HAS_TEXT = (
    "(COALESCE(r.most_useful, '') <> '' OR COALESCE(r.improve, '') <> '' "
    "OR COALESCE(r.next_topics, '') <> '' OR COALESCE(r.text, '') <> '')"
)
FROM = "FROM responses r LEFT JOIN response_tags t ON t.response_id = r.id"


def has_level(code: str) -> str:
    return (
        f"((t.review_state = 'machine' AND CAST(t.machine_levels AS TEXT) LIKE '%\"{code}\"%') "
        f"OR (t.review_state IN ('confirmed', 'changed') "
        f"AND CAST(t.reviewed_levels AS TEXT) LIKE '%\"{code}\"%'))"
    )


def has_code(kind: str, code: str) -> str:
    like = f"LIKE '%\"{code}\"%'"
    return (
        f"(CAST(r.{kind} AS TEXT) {like} "
        f"OR (t.review_state = 'machine' AND CAST(t.machine_{kind} AS TEXT) {like}) "
        f"OR (t.review_state IN ('confirmed', 'changed') "
        f"AND CAST(t.reviewed_{kind} AS TEXT) {like}))"
    )


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    with app.app_context():
        yield get_session()


def mixed_event(db: Session, event: Event) -> tuple[Event, Event]:
    """The mixed event and a second, later event of its series."""
    event = db.get(Event, event.id)
    fb = [
        add_feedback(
            db,
            event,
            "opening",
            overall=5,
            relevance=4,
            most_useful="Cash transfers",
            stakeholder="government",
            attendance="in_person",
            submission_key="k1:opening",
        ),
        add_feedback(
            db,
            event,
            "keynotes",
            overall=4,
            improve="More time",
            stakeholder="government",
            submission_key="k1:keynotes",
        ),
        add_feedback(
            db,
            event,
            "opening",
            overall=2,
            speakers=3,
            channel="paper",
            language="zh",
            most_useful="停工停产影响收入",
            name="王芳",
            quote_ok=True,
            show_name=True,
        ),
        add_feedback(db, event, "opening", overall=3, stakeholder="academia"),  # no text
        add_feedback(
            db,
            event,
            "p1-health",
            overall=4,
            technical=2,
            next_topics="Pensions",
            name="Named",
            show_name=True,
            quote_ok=False,
            stakeholder="un_agency",
        ),
        add_feedback(db, event, "keynotes", overall=1, status="withdrawn", improve="gone"),
        add_feedback(db, event, "keynotes", overall=5, status="spam", improve="buy now"),
        add_feedback(db, event, "opening", overall=1, channel="demo", most_useful="demo text"),
        add_feedback(db, event, "keynotes", overall=5, channel="demo", status="test"),
    ]
    ins = [
        add_input(
            db,
            event,
            "responses",
            "Lockdowns closed the markets",
            groups=["women"],
            quote_ok=True,
            stakeholder="civil_society",
            language="en",
        ),
        add_input(
            db,
            event,
            "responses",
            "失业保险扩围",
            groups=["migrant_workers"],
            areas=["unemployment"],
            language="zh",
            quote_ok=True,
        ),
        add_input(db, event, "risks", "Subsidies helped", groups=["women"], channel="paper"),
        add_input(db, event, "risks", "Untagged text", groups=["children"], areas=["health"]),
        add_input(db, event, "lessons", "Spam input", status="spam"),
        add_input(db, event, "lessons", "Test input", status="test", groups=["women"]),
        add_input(db, event, "lessons", "Demo input", channel="demo", groups=["women"]),
    ]
    ins[2].amend({"text": "Wage subsidies helped, amended"})
    add_tag(db, fb[0], ["stimulus"], machine_groups=["poor_households"], sentiment=0.3)
    add_tag(db, fb[1], [])
    add_tag(
        db,
        fb[2],
        ["economic_crisis"],
        review={"levels": ["economic_crisis", "containment"], "groups": [], "areas": []},
    )
    add_tag(db, fb[4], ["virus"])
    add_tag(db, fb[5], ["virus"])
    add_tag(db, fb[7], ["virus", "stimulus"])
    add_tag(
        db,
        ins[0],
        ["containment"],
        machine_groups=["informal_workers"],
        machine_areas=["social_assistance"],
    )
    confirmed = add_tag(db, ins[1], ["economic_crisis"], machine_groups=["children"])
    confirmed.confirm(None)
    add_tag(
        db,
        ins[2],
        ["stimulus", "virus"],
        review={"levels": ["stimulus"], "groups": ["older_persons"], "areas": ["financing"]},
    )
    add_tag(db, ins[4], ["virus"])
    add_tag(db, ins[6], ["containment"])
    second = Event(
        series_id=event.series_id,
        slug="2021-second",
        title_en="Second dialogue",
        title_zh="第二次对话",
        date=event.date + timedelta(days=300),
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        status="open",
    )
    db.add(second)
    db.flush()
    now = utcnow()
    db.add_all(
        [
            PipelineRun(
                started_at=now - timedelta(hours=5),
                finished_at=now - timedelta(hours=4),
                status="succeeded",
                tagger_version="t",
                event_id=None,
            ),
            PipelineRun(
                started_at=now - timedelta(hours=3),
                finished_at=now - timedelta(hours=2),
                status="failed",
                tagger_version="t",
                event_id=event.id,
            ),
            PipelineRun(
                started_at=now - timedelta(hours=1),
                finished_at=now - timedelta(minutes=30),
                status="succeeded",
                tagger_version="t",
                event_id=second.id,
            ),
            PipelineRun(
                started_at=now - timedelta(minutes=10),
                status="running",
                tagger_version="t",
                event_id=None,
            ),
        ]
    )
    db.commit()
    return event, second


def scalar(db: Session, sql: str, **params: Any) -> Any:
    return db.execute(text(sql), params).scalar()


def rows(db: Session, sql: str, **params: Any) -> list[Any]:
    return list(db.execute(text(sql), params))


def briefing_values(ws: Any) -> dict[str, Any]:
    """Label -> value of the Briefing's two columns of blocks (A/B and F/G)."""
    found: dict[str, Any] = {}
    for row in ws.iter_rows(min_row=6, values_only=True):
        for label, value in (
            (row[0], row[1]),
            (row[5] if len(row) > 5 else None, row[6] if len(row) > 6 else None),
        ):
            if isinstance(label, str) and label not in found:
                found[label] = value
    return found


def check_briefing(db: Session, ws: Any, p: dict[str, Any], event: Event) -> None:
    values = briefing_values(ws)
    counted = f"SELECT count(*) {FROM} WHERE {COUNTED}"
    assert values["Answers counted"] == scalar(db, counted, **p)
    assert values["Session feedback"] == scalar(db, counted + " AND r.kind = 'feedback'", **p)
    assert values["Policy input"] == scalar(db, counted + " AND r.kind = 'input'", **p)
    people = {
        person_key(name, key, ident)
        for name, key, ident in rows(
            db, f"SELECT r.name, r.submission_key, r.id {FROM} WHERE {COUNTED}", **p
        )
    }
    assert values["People, approximately"] == len(people)
    for channel, n in rows(
        db, f"SELECT r.channel, count(*) {FROM} WHERE {COUNTED} GROUP BY r.channel", **p
    ):
        assert values[EN[channel]] == n
    for status in ("withdrawn", "spam", "test"):
        n = scalar(
            db,
            "SELECT count(*) FROM responses r WHERE r.event_id = :e "
            "AND r.status = :s AND (r.channel <> 'demo' OR :demo = 1)",
            s=status,
            **p,
        )
        assert values[EN[status]] == n, status
    if not p["demo"]:
        n = scalar(
            db, "SELECT count(*) FROM responses r WHERE r.event_id = :e AND r.channel = 'demo'", **p
        )
        assert values["Demo data"] == n
    for title, n, mean, high in rows(
        db,
        "SELECT s.title_en, count(r.overall), avg(r.overall), "
        "sum(CASE WHEN r.overall >= 4 THEN 1 ELSE 0 END) FROM agenda_sessions s "
        f"LEFT JOIN responses r ON r.session_id = s.id AND {COUNTED} "
        "WHERE s.event_id = :e AND s.takes_feedback GROUP BY s.id, s.title_en",
        **p,
    ):
        label = short(title, 42)
        assert values[label] == n, label
        if n:
            line = next(r for r in ws.iter_rows(values_only=True) if r[0] == label)
            assert line[2] == pytest.approx(float(mean)) and line[3] == pytest.approx(high / n)
    by_state = f"SELECT count(*) {FROM} WHERE {COUNTED} AND {HAS_TEXT} AND "
    assert values["Answers with text tagged by the machine only"] == scalar(
        db, by_state + "t.review_state = 'machine'", **p
    )
    assert values["Answers with text reviewed by a person"] == scalar(
        db, by_state + "t.review_state IN ('confirmed', 'changed')", **p
    )
    assert values["Answers with text not tagged yet"] == scalar(db, by_state + "t.id IS NULL", **p)
    last = scalar(
        db,
        "SELECT id FROM pipeline_runs WHERE finished_at IS NOT NULL "
        "AND (event_id IS NULL OR event_id = :e) ORDER BY finished_at DESC LIMIT 1",
        **p,
    )
    finished = db.get(PipelineRun, last).finished_at.astimezone(ZoneInfo(event.timezone))
    shown = values["Last tagging run for this event finished"]
    assert abs((shown - finished.replace(tzinfo=None)).total_seconds()) < 1
    theme_rows = [
        r
        for r in ws.iter_rows(min_row=6, values_only=True)
        if len(r) > 6 and isinstance(r[5], str) and "(n = " in r[5]
    ]
    for theme_id, title in rows(db, "SELECT id, title_en FROM themes WHERE event_id = :e", **p):
        line = next(r for r in theme_rows if r[5].startswith(short(title, 44)))
        tagged = scalar(
            db,
            f"SELECT count(*) {FROM} WHERE {COUNTED} AND {HAS_TEXT} "
            "AND r.kind = 'input' AND t.id IS NOT NULL AND r.theme_id = :t",
            t=theme_id,
            **p,
        )
        assert line[5].endswith(f"(n = {tagged})")
        for index, level in enumerate(LEVELS):
            n = scalar(
                db,
                f"SELECT count(*) {FROM} WHERE {COUNTED} AND {HAS_TEXT} "
                f"AND r.kind = 'input' AND r.theme_id = :t AND {has_level(level)}",
                t=theme_id,
                **p,
            )
            assert line[6 + index] == (pytest.approx(n / tagged) if tagged else None)


def check_ratings(db: Session, ws: Any, p: dict[str, Any]) -> None:
    for row in table_rows(ws, "Ratings"):
        question = next(q for q in RATING_FIELDS if EN[q] == row["Question"])
        counts = dict(
            rows(
                db,
                f"SELECT r.{question}, count(*) {FROM} "
                "JOIN agenda_sessions s ON s.id = r.session_id "
                f"WHERE {COUNTED} AND s.title_en = :title AND r.{question} IS NOT NULL "
                f"GROUP BY r.{question}",
                title=row["Session"],
                **p,
            )
        )
        assert [row[f"Count {v}"] for v in range(1, 6)] == [counts.get(v, 0) for v in range(1, 6)]
        assert row["n"] == sum(counts.values())


def check_answers(db: Session, ws: Any, table: str, kind: str, p: dict[str, Any]) -> None:
    found = {row["Answer id"]: row for row in table_rows(ws, table)}
    ids = [
        i
        for (i,) in rows(
            db, f"SELECT r.id {FROM} WHERE {COUNTED} AND {HAS_TEXT} AND r.kind = '{kind}'", **p
        )
    ]
    assert sorted(found) == sorted(ids)
    for ident, row in found.items():
        levels = [
            lv
            for lv in LEVELS
            if scalar(db, f"SELECT count(*) {FROM} WHERE r.id = :i AND {has_level(lv)}", i=ident)
        ]
        assert (row["Level codes"] or "").split() == sorted(levels), ident
        groups = [
            g
            for g in GROUPS
            if scalar(
                db, f"SELECT count(*) {FROM} WHERE r.id = :i AND {has_code('groups', g)}", i=ident
            )
        ]
        assert [row[f"group_{g}"] for g in GROUPS] == [int(g in groups) for g in GROUPS]
        name, show, quote = rows(
            db, "SELECT name, show_name, quote_ok FROM responses WHERE id = :i", i=ident
        )[0]
        assert row["Name"] == (name if show and quote else None)


def check_matrix(db: Session, ws: Any, p: dict[str, Any]) -> None:
    where = {
        "Session": (
            "r.session_id = (SELECT id FROM agenda_sessions WHERE event_id = :e AND title_en = :v)",
            {},
        ),
        "Theme": ("r.theme_id = (SELECT id FROM themes WHERE event_id = :e AND title_en = :v)", {}),
    }
    names = {EN[code]: code for code in (*GROUPS, *AREAS)}
    for row in table_rows(ws, "ImpactMatrix"):
        dimension, value = row["Dimension"], row["Value"]
        if dimension in where:
            condition = where[dimension][0]
        else:
            kind = "groups" if dimension == "Group" else "areas"
            condition = has_code(kind, names[value])
        base = f"SELECT count(*) {FROM} WHERE {COUNTED} AND {HAS_TEXT} AND {condition}"
        assert row["Answers with text"] == scalar(db, base, v=value, **p), value
        tagged = scalar(db, base + " AND t.id IS NOT NULL", v=value, **p)
        assert row["Tagged"] == tagged
        for level in LEVELS:
            n = scalar(db, base + f" AND {has_level(level)}", v=value, **p)
            assert row[EN[level]] == n, (value, level)
            share = row[f"Share {EN[level]}"]
            assert share == (pytest.approx(n / tagged) if tagged else None)


def check_quotes_crosstabs_series(db: Session, book: Any, p: dict[str, Any], suffix: str) -> None:
    levels = {EN[level]: level for level in LEVELS}
    for row in table_rows(book["Quotes" + suffix], "Quotes"):
        level = levels[row["Level"]]
        assert (
            scalar(
                db,
                f"SELECT count(*) {FROM} WHERE {COUNTED} AND r.id = :i AND "
                f"r.quote_ok AND r.kind = 'input' AND {has_level(level)}",
                i=row["Answer id"],
                **p,
            )
            == 1
        )
    crosstabs = book["Crosstabs" + suffix]
    for row in table_rows(crosstabs, "Ratings_by_stakeholder"):
        code = next((c for c in EN if EN[c] == row["Stakeholder"]), None)
        n = scalar(
            db,
            f"SELECT count(*) {FROM} WHERE {COUNTED} AND r.kind = 'feedback' AND "
            "r.overall IS NOT NULL AND "
            + ("r.stakeholder IS NULL" if code is None else "r.stakeholder = :s"),
            s=code,
            **p,
        )
        assert row["n"] == n, code
    for row in table_rows(crosstabs, "Levels_by_stakeholder"):
        code = next((c for c in EN if EN[c] == row["Stakeholder"]), None)
        condition = "r.stakeholder IS NULL" if code is None else "r.stakeholder = :s"
        base = f"SELECT count(*) {FROM} WHERE {COUNTED} AND {HAS_TEXT} AND {condition}"
        assert row["Answers with text"] == scalar(db, base, s=code, **p)
        assert row["Tagged"] == scalar(db, base + " AND t.id IS NOT NULL", s=code, **p)
    series = table_rows(book["Series" + suffix], "Series")
    for row in series:
        e = scalar(db, "SELECT id FROM events WHERE title_en = :t", t=row["Event"])
        q = {**p, "e": e}
        assert row["Responses"] == scalar(db, f"SELECT count(*) {FROM} WHERE {COUNTED}", **q)
        mean = scalar(
            db, f"SELECT avg(r.overall) {FROM} WHERE {COUNTED} AND r.kind = 'feedback'", **q
        )
        assert row["Mean overall rating"] == (None if mean is None else pytest.approx(float(mean)))
    assert [row["This event"] for row in series] == ["✓", None]
    topics = book["Follow-up topics" + suffix]
    answers = scalar(
        db,
        f"SELECT count(*) {FROM} WHERE {COUNTED} AND r.kind = 'feedback' "
        "AND COALESCE(r.next_topics, '') <> ''",
        **p,
    )
    assert f"{answers} answers to the follow-up question" in topics["A6"].value


@pytest.mark.parametrize("include_demo", [False, True], ids=["demo out", "demo in"])
def test_every_figure_of_every_sheet_agrees_with_plain_sql(
    db: Session, event: Event, tmp_path: Path, include_demo: bool
) -> None:
    event, _second = mixed_event(db, event)
    path = build_summary(db, event, tmp_path / "b.xlsx", include_demo=include_demo)
    book = load_workbook(path)
    suffix = " (with demo)" if include_demo else ""
    params = {"e": event.id, "demo": int(include_demo)}
    check_briefing(db, book["Briefing" + suffix], params, event)
    check_ratings(db, book["Session ratings" + suffix], params)
    check_answers(db, book["Session comments" + suffix], "Comments", "feedback", params)
    check_answers(db, book["Policy inputs" + suffix], "Inputs", "input", params)
    check_matrix(db, book["Impact matrix" + suffix], params)
    check_quotes_crosstabs_series(db, book, params, suffix)
    method = {r[0]: r[1] for r in book["Method" + suffix].iter_rows(values_only=True) if r[0]}
    assert method["Characters that cannot be stored replaced by a visible symbol"] == 0

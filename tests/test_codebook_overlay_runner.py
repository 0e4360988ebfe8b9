"""The nightly run tags with the codebook overlay from the database: a term added or removed
re-tags what it changes at the next run, reviews stay, the evidence shows the term."""

from __future__ import annotations

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from exports import build_summary
from pipeline import TAGGER_VERSION
from pipeline.runner import overlay, pending_count, run_pipeline
from survey_app.db import get_session
from survey_db.models import CodebookAddition, Event, ResponseTag

from .admin_helpers import STALL, add_response
from .conftest import FIRST_SLUG
from .pipeline_helpers import engine_of, tags_by_response


def add_term(app: Flask, term: str, revision: int) -> int:
    with app.app_context():
        db = get_session()
        row = CodebookAddition(level="economic_crisis", language="en", term=term, added_in=revision)
        db.add(row)
        db.commit()
        return row.id


def remove_term(app: Flask, ident: int, revision: int) -> None:
    with app.app_context():
        db = get_session()
        db.get(CodebookAddition, ident).remove(revision, None)
        db.commit()


def test_a_run_tags_with_the_overlay_and_keeps_reviews(app: Flask, event: Event):
    engine = engine_of(app)
    plain = add_response(app, FIRST_SLUG, text=STALL)
    kept = add_response(app, FIRST_SLUG, text=f"{STALL} Twice.")
    first = run_pipeline(engine)
    assert first.tagger_version == TAGGER_VERSION
    assert "economic_crisis" not in tags_by_response(app)[plain].machine_levels
    with app.app_context():
        db = get_session()
        review = db.scalar(select(ResponseTag).where(ResponseTag.response_id == kept))
        review.change(None, ["containment"], [], [])
        db.commit()
    assert pending_count(engine) == 0

    ident = add_term(app, "stall-out", 1)
    assert pending_count(engine) == 2  # a new overlay version: everything is re-tagged
    second = run_pipeline(engine)
    assert second.tagger_version.startswith(TAGGER_VERSION + "+")
    assert (second.tagged, second.reviewed_kept) == (2, 1)
    tags = tags_by_response(app)
    assert tags[plain].machine_levels == ["economic_crisis"]
    assert tags[plain].machine_evidence["economic_crisis"] == ["stall-out"]
    assert tags[plain].tagger_version == second.tagger_version
    assert tags[kept].machine_levels == ["economic_crisis"]
    assert (tags[kept].review_state, tags[kept].reviewed_levels) == ("changed", ["containment"])
    assert pending_count(engine) == 0

    remove_term(app, ident, 2)
    third = run_pipeline(engine)
    assert third.tagger_version == TAGGER_VERSION and third.tagged == 2
    assert "economic_crisis" not in tags_by_response(app)[plain].machine_levels


def test_a_pool_of_workers_tags_with_the_overlay_too(app: Flask, event: Event):
    engine = engine_of(app)
    ids = [add_response(app, FIRST_SLUG, text=f"{STALL} ({n})") for n in range(6)]
    add_term(app, "stall-out", 1)
    run = run_pipeline(engine, workers=2, batch_size=2)
    assert run.tagged == 6
    tags = tags_by_response(app)
    assert all(tags[ident].machine_levels == ["economic_crisis"] for ident in ids)


def test_the_summary_names_the_version_the_overlay_makes(app: Flask, event: Event, tmp_path):
    """The workbook's *current codebook* is the one the next run tags with, overlay included."""

    def current(name: str) -> str:
        with app.app_context():
            db = get_session()
            path = build_summary(db, db.get(Event, event.id), tmp_path / name)
        sheet = load_workbook(path, read_only=True).worksheets[0]
        line = next(
            str(cell)
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if "current codebook" in str(cell)
        )
        return line.split("current codebook: ")[1].rstrip(")")

    assert current("plain.xlsx") == TAGGER_VERSION
    add_term(app, "stall-out", 1)
    _, version = overlay(engine_of(app))
    assert version != TAGGER_VERSION and current("overlay.xlsx") == version

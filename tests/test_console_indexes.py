"""The console's heavy queries read the indexes of migration 0009, not the wide rows.

SQLite uses a partial index only where the query writes its condition as the index does, and
picks an index by its own rules: both are easy to lose in a later edit, and the loss shows only
as a slow page at 100,000 answers (``bench/console_pages.py``). So the plans are checked here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import sqlite

from survey_app.admin import queries
from survey_app.admin.levels import level_matrix
from survey_app.db import get_session
from survey_db import counting
from survey_db.models import Event
from survey_db.models.responses import HAS_TEXT_SQL

from .admin_helpers import add_response
from .conftest import FIRST_SLUG


def test_the_rule_and_the_partial_index_say_with_text_in_the_same_words():
    written = str(counting.HAS_TEXT.compile(dialect=sqlite.dialect()))
    assert written.replace("responses.", "") == HAS_TEXT_SQL


@pytest.fixture
def plans(app: Flask, event: Event) -> Iterator[Any]:
    """A function that runs a console query and gives SQLite's plan of each statement."""
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite's plans; PostgreSQL chooses by its statistics")
    add_response(app, FIRST_SLUG, tags={"machine_levels": ["virus"]})
    add_response(app, FIRST_SLUG)
    with app.test_request_context(), app.app_context():
        db = get_session()
        loaded = db.get(Event, event.id)
        statements: list[tuple[str, Any]] = []

        def seen(connection, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))

        engine = db.get_bind()
        sa_event.listen(engine, "before_cursor_execute", seen)

        def plan_of(run: Any) -> list[str]:
            statements.clear()
            run(db, loaded)
            raw = db.connection().connection.driver_connection
            return [
                " ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params))
                for sql, params in list(statements)
            ]

        yield plan_of
        sa_event.remove(engine, "before_cursor_execute", seen)


def test_the_levels_matrix_reads_the_two_indexes(plans: Any):
    (matrix,) = [
        plan
        for plan in plans(lambda db, event: level_matrix(db, event, "en"))
        if "response_tags" in plan
    ]
    assert "USING INDEX ix_responses_with_text (event_id=? AND status=?)" in matrix
    assert "USING COVERING INDEX ix_response_tags_console" in matrix
    assert "TEMP B-TREE" not in matrix


def test_the_queues_count_and_walk_read_indexes(plans: Any):
    found = plans(lambda db, event: queries.review_queue_page(db, event))
    count = next(plan for plan in found if "ix_response_tags_console" in plan)
    assert "USING INDEX ix_responses_with_text" in count
    assert "COVERING INDEX ix_response_tags_console" in count
    untagged = next(plan for plan in found if "ix_responses_event_id (event_id=?)" in plan)
    tagged = next(plan for plan in found if "ix_response_tags_queue" in plan)
    assert "TEMP B-TREE" not in untagged + tagged

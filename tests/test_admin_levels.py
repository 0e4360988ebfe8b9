"""The levels page: the impact matrix by session and by theme, with the workbook's figures."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from exports.data import Scope, levels_by
from survey_app.admin.levels import level_matrix
from survey_app.db import get_session
from survey_db.models import Event, Response

from .admin_helpers import add_response
from .conftest import FIRST_SLUG

LEVELS_URL = f"/admin/e/{FIRST_SLUG}/levels"


def tags(machine: list[str], state: str = "machine", reviewed: list[str] | None = None) -> dict:
    """A tag row's values: the machine's levels and, if reviewed, the person's."""
    values: dict = {"machine_levels": machine, "review_state": state}
    if state != "machine":
        values |= {"reviewed_levels": reviewed, "reviewed_groups": [], "reviewed_areas": []}
    return values


def mixed_event(app: Flask, event: Event) -> dict[str, int]:
    """Answers of every kind the counting rule tells apart; gives the themes' and sessions' ids."""
    with app.app_context():
        loaded = get_session().get(Event, event.id)
        first_theme, second_theme = (item.id for item in loaded.themes[:2])
        first_session, second_session = (item.id for item in loaded.feedback_sessions()[:2])
    inputs = [
        (first_theme, tags(["virus"]), {}),
        (first_theme, tags(["virus", "stimulus"]), {"language": "zh"}),
        (first_theme, tags(["virus"], "confirmed", ["virus"]), {"groups": ["women"]}),
        (first_theme, tags(["virus"], "changed", ["containment"]), {"channel": "paper"}),
        (first_theme, None, {}),  # not tagged yet
        (first_theme, tags(["virus"]), {"status": "spam"}),
        (first_theme, tags(["virus"]), {"status": "withdrawn"}),
        (second_theme, tags([]), {}),
        (second_theme, tags(["economic_crisis"], "changed", ["economic_crisis", "stimulus"]), {}),
        (first_theme, tags(["virus"]), {"channel": "demo"}),
    ]
    for theme_id, tag, values in inputs:
        add_response(app, FIRST_SLUG, tags=tag, theme_id=theme_id, **values)
    feedback = [
        (first_session, tags(["containment"]), {"improve": "The lockdown closed the hall."}),
        (first_session, tags(["containment"], "confirmed", ["containment"]), {"most_useful": "x"}),
        (first_session, tags(["virus"]), {"improve": "Illness", "status": "test"}),
        (second_session, tags(["stimulus"]), {"next_topics": "Wage subsidies", "language": "zh"}),
        (first_session, tags([]), {}),  # ratings only: no text, not counted
        (second_session, tags(["stimulus"]), {"improve": "y", "channel": "demo"}),
    ]
    for session_id, tag, values in feedback:
        add_response(app, FIRST_SLUG, "feedback", tags=tag, session_id=session_id, **values)
    return {"first_theme": first_theme, "first_session": first_session}


def test_the_matrix_counts_answers_with_text_by_the_one_rule(
    app: Flask, organiser_client: FlaskClient, event: Event
):
    mixed_event(app, event)
    with app.app_context():
        matrix = level_matrix(get_session(), get_session().get(Event, event.id), "en")
    first, second = matrix.themes[0], matrix.themes[1]
    # Active, not demo: machine virus, machine virus+stimulus, confirmed virus, changed to
    # containment, untagged; spam, withdrawn and demo are left out.
    assert (first.with_text, first.tagged, first.reviewed) == (5, 4, 2)
    assert (first.cells["virus"].machine, first.cells["virus"].reviewed) == (2, 1)
    assert first.cells["containment"].reviewed == 1 and first.cells["stimulus"].total == 1
    assert first.share("virus") == pytest.approx(3 / 4)
    assert (second.tagged, second.cells["stimulus"].total, second.cells["virus"].total) == (2, 1, 0)
    sessions = matrix.sessions
    assert (sessions[0].with_text, sessions[0].tagged) == (2, 2)  # ratings-only and test out
    assert sessions[0].cells["containment"].total == 2 and sessions[1].cells["stimulus"].total == 1
    assert matrix.theme_total.tagged == 6 and matrix.session_total.cells["containment"].total == 2
    assert matrix.demo_left_out == 2
    with app.app_context():
        with_demo = level_matrix(get_session(), get_session().get(Event, event.id), "en", True)
    assert with_demo.themes[0].cells["virus"].machine == 3 and with_demo.demo_left_out == 0
    assert with_demo.sessions[1].cells["stimulus"].total == 2


def test_every_cell_links_to_the_answers_behind_it(
    app: Flask, organiser_client: FlaskClient, event: Event
):
    """Following a cell's link lists exactly as many answers as the cell counts."""
    mixed_event(app, event)
    page = organiser_client.get(LEVELS_URL).get_data(as_text=True)
    assert "2 demo answers are left out." in page
    links = re.findall(r'<a (?:class="count" )?href="([^"]+/responses\?[^"]+)">(\d+)', page)
    with app.app_context():
        loaded = get_session().get(Event, event.id)
        rows = len(loaded.feedback_sessions()) + len(loaded.themes) + 2  # and the two totals
    # Per row: answers with text, reviewed, and per level its total, reviewed and machine-only.
    assert len(links) == rows * (2 + 3 * 4)
    for url, count in links:
        listed = organiser_client.get(url.replace("&amp;", "&")).get_data(as_text=True)
        found = re.search(r"(\d+) responses? found", listed)
        assert found is not None and found.group(1) == count, url


def test_demo_answers_come_in_on_request(app: Flask, organiser_client: FlaskClient, event: Event):
    mixed_event(app, event)
    page = organiser_client.get(f"{LEVELS_URL}?demo=yes").get_data(as_text=True)
    assert "Demo answers are included." in page and "counted=demo" in page


@pytest.mark.parametrize("include_demo", [False, True])
def test_the_page_and_the_workbooks_matrix_agree_on_a_mixed_event(
    app: Flask, organiser_client: FlaskClient, event: Event, include_demo: bool
):
    """Same answers with text, same denominators, same levels, by session and by theme.

    The mixed event has machine-only, confirmed and changed tags, untagged, spam, withdrawn,
    test, paper and demo answers, feedback without text, attendee-chosen groups and both
    languages. The workbook's side is its own matrix sheet's function.
    """
    mixed_event(app, event)
    with app.app_context():
        db = get_session()
        loaded = db.get(Event, event.id)
        page = level_matrix(db, loaded, "en", include_demo)
        scope = Scope(loaded, include_demo)
        by_session = {row.key: row for row in levels_by(db, scope, Response.session_id, "feedback")}
        by_theme = {row.key: row for row in levels_by(db, scope, Response.theme_id, "input")}
        ids = {item.code: item.id for item in [*loaded.feedback_sessions(), *loaded.themes]}
    compared = 0
    for rows, workbook in ((page.sessions, by_session), (page.themes, by_theme)):
        for row in rows:
            sheet = workbook.get(ids[row.code])
            if sheet is None:
                assert row.with_text == 0, row.code
                continue
            assert (sheet.with_text, sheet.tagged) == (row.with_text, row.tagged), row.code
            assert sheet.levels == {code: cell.total for code, cell in row.cells.items()}
            compared += 1
    assert compared == len(by_session) + len(by_theme) >= 4


def test_only_the_events_organisers_see_it(
    app: Flask, client: FlaskClient, stranger_client: FlaskClient
):
    assert stranger_client.get(LEVELS_URL).status_code == 404
    anonymous = app.test_client()
    assert "/admin/login" in anonymous.get(LEVELS_URL).headers["Location"]

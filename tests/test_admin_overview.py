"""The live overview: counts of active responses only, rating means, review share, charts."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app.admin import charts
from survey_app.admin.queries import inputs_reviewed, rating_averages
from survey_app.db import get_session
from survey_db.models import Event

from .admin_helpers import add_response, stranger
from .conftest import FIRST_SLUG

OVERVIEW = f"/admin/e/{FIRST_SLUG}/"
REVIEWED = {"review_state": "confirmed", "reviewed_levels": [], "reviewed_groups": []}


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, event: Event):
    response = client.get(OVERVIEW)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_organisers_of_other_events_get_404(app: Flask, event: Event):
    assert stranger(app).get(OVERVIEW).status_code == 404


def test_the_overview_reloads_itself_and_pages_being_worked_on_do_not(
    app: Flask, organiser_client: FlaskClient, event: Event
):
    """Answers arriving show without a click; a review or a form is never reloaded away."""
    refresh = '<meta http-equiv="refresh" content="60">'
    page = organiser_client.get(OVERVIEW).get_data(as_text=True)
    assert refresh in page
    assert "This page updates itself every minute." in page
    response_id = add_response(app, FIRST_SLUG)
    for path in ("responses", f"responses/{response_id}", "review", "settings", "paper/input"):
        answer = organiser_client.get(f"{OVERVIEW}{path}")
        assert answer.status_code == 200, path
        assert 'http-equiv="refresh"' not in answer.get_data(as_text=True), path


def test_spam_test_and_withdrawn_responses_are_not_counted(
    app: Flask, organiser_client: FlaskClient, event: Event
):
    for overall in (5, 4, 3):
        add_response(app, FIRST_SLUG, kind="feedback", overall=overall, relevance=overall - 1)
    for status in ("spam", "test", "withdrawn"):
        add_response(app, FIRST_SLUG, kind="feedback", overall=1, relevance=1, status=status)
    add_response(app, FIRST_SLUG, tags={**REVIEWED, "reviewed_areas": []})
    add_response(app, FIRST_SLUG, tags={})
    add_response(app, FIRST_SLUG, status="spam", tags={**REVIEWED, "reviewed_areas": []})
    add_response(app, FIRST_SLUG, channel="paper")
    with app.app_context():
        loaded = get_session().get(Event, event.id)
        per_session, overall = rating_averages(get_session(), loaded)
        first_session = loaded.feedback_sessions()[0].id
        assert inputs_reviewed(get_session(), loaded) == (1, 3)
    assert overall.means["overall"] == pytest.approx(4.0)
    assert overall.means["relevance"] == pytest.approx(3.0)
    assert overall.answers["overall"] == 3 and overall.means["technical"] is None
    assert per_session[first_session].answers["overall"] == 3
    page = organiser_client.get(OVERVIEW).get_data(as_text=True)
    assert "active responses only" in page
    assert "Reviewed by an organiser: 1 of 3 policy inputs (33%)" in page
    first_row = re.search(r'<th scope="row">[^<]*Opening[^<]*</th>\s*<td class="num">(\d+)', page)
    assert first_row is not None and first_row.group(1) == "3"
    assert "Spam 2" in page and "Test 1" in page
    assert "The tagging pipeline has not run yet." in page


def test_the_page_shows_the_latest_run_and_svg_charts_without_script_or_style(
    app: Flask, organiser_client: FlaskClient, runner
):
    add_response(app, FIRST_SLUG, text="Cash transfers reached poor households.")
    assert runner.invoke(args=["pipeline", "run"]).exit_code == 0
    page = organiser_client.get(OVERVIEW).get_data(as_text=True)
    assert re.search(r"Run \d+, Incremental, started .* Succeeded", page)
    assert page.count("<svg") == 5
    assert "<script" not in page and "style=" not in page


def test_bar_chart_escapes_labels_and_scales_to_the_largest_value():
    svg = str(charts.bar_chart([("<b>A</b>", 2), ("B", 4), ("C", None)], title="T & U"))
    assert "<b>" not in svg and "&lt;b&gt;A&lt;/b&gt;" in svg and "T &amp; U" in svg
    widths = [int(found) for found in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths[1] == 2 * widths[0] and widths[2] == 0
    assert "style" not in svg

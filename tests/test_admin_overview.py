"""The live overview: counts of active responses only, rating means, review share, charts."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app.admin import charts
from survey_app.admin.queries import inputs_reviewed, rating_averages, rating_distributions
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


def test_the_overview_updates_in_place_and_no_page_reloads_itself(
    app: Flask, organiser_client: FlaskClient, event: Event
):
    """No meta refresh (focus and reading place were lost): a same-origin script fetches the
    figures as JSON and swaps them; without script the page says how to see new answers."""
    page = organiser_client.get(OVERVIEW).get_data(as_text=True)
    assert "http-equiv" not in page
    assert '<script src="/static/console.js" defer></script>' in page
    assert f'data-live-url="{OVERVIEW}live"' in page
    assert "Reload the page to see new answers." in page
    script = organiser_client.get("/static/console.js")
    assert script.status_code == 200 and "javascript" in script.content_type
    assert "data-live" in script.get_data(as_text=True)

    def live_count() -> str:
        answer = organiser_client.get(f"{OVERVIEW}live")
        assert answer.status_code == 200 and answer.is_json
        assert answer.headers["Cache-Control"] == "no-store"
        html = answer.get_json()["html"]
        assert 'data-live="session-table"' in html and "<h1" not in html
        found = re.search(r'<th scope="row">[^<]*Opening[^<]*</th>\s*<td class="num">(\d+)', html)
        assert found is not None
        return found.group(1)

    assert live_count() == "0"
    response_id = add_response(app, FIRST_SLUG, kind="feedback", overall=5)
    assert live_count() == "1"
    for path in ("responses", f"responses/{response_id}", "review", "settings", "paper/input"):
        answer = organiser_client.get(f"{OVERVIEW}{path}")
        assert answer.status_code == 200, path
        assert 'http-equiv="refresh"' not in answer.get_data(as_text=True), path


def test_the_live_figures_are_for_organisers_of_the_event_only(
    app: Flask, client: FlaskClient, event: Event
):
    assert "/admin/login" in client.get(f"{OVERVIEW}live").headers["Location"]
    assert stranger(app).get(f"{OVERVIEW}live").status_code == 404


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
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all('src="/static/' in tag and not body for tag, body in scripts)
    assert "style=" not in page


def test_bar_chart_escapes_labels_and_scales_to_the_largest_value():
    svg = str(charts.bar_chart([("<b>A</b>", 2), ("B", 4), ("C", None)], title="T & U"))
    assert "<b>" not in svg and "&lt;b&gt;A&lt;/b&gt;" in svg and "T &amp; U" in svg
    widths = [int(found) for found in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths[1] == 2 * widths[0] and widths[2] == 0
    assert "style" not in svg


def test_rating_distributions_give_counts_mean_and_spread_and_draw_stacked_bars(
    app: Flask, organiser_client: FlaskClient, event: Event
):
    """3.75 and 3.92 no longer look alike: each answer 1-5 is a segment of the session's bar."""
    for overall in (5, 5, 4, 2):
        add_response(app, FIRST_SLUG, kind="feedback", overall=overall)
    add_response(app, FIRST_SLUG, kind="feedback", overall=1, status="spam")
    with app.app_context():
        loaded = get_session().get(Event, event.id)
        per_session, overall = rating_distributions(get_session(), loaded, "overall")
        first_session = loaded.feedback_sessions()[0].id
    assert per_session[first_session].counts == (0, 1, 0, 1, 2) == overall.counts
    assert overall.n == 4 and overall.mean == pytest.approx(4.0)
    assert overall.spread == pytest.approx(((4 + 0 + 1 + 1) / 4) ** 0.5)
    page = organiser_client.get(OVERVIEW).get_data(as_text=True)
    assert "n 4 · mean 4.00 · SD 1.22" in page
    svg = str(
        charts.distribution_chart(
            [("A", (1, 0, 0, 0, 3), "n 4"), ("B", (0, 0, 0, 0, 0), "no answers")],
            title="T",
            legend=("1 = poor", "5 = excellent"),
        )
    )
    widths = [
        float(w)
        for w in re.findall(r'<rect x="[\d.]+" y="(?:4[0-9]|5[0-9])" width="([\d.]+)"', svg)
    ]
    assert widths == [100.0, 300.0]
    assert "1: 1 (25%)" in svg and "5: 3 (75%)" in svg and "no answers" in svg

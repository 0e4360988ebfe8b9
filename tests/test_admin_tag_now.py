"""*Tag now*: the console starts the nightly job for one event in the background.

The job runs for real (``flask pipeline run --event SLUG`` in a process of its own); the
request returns before it ends, and the run log tells the pages how it goes.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from pipeline.lock import pipeline_lock
from survey_app.admin.tag_now import LOG_NAME, PID_NAME
from survey_app.db import get_session
from survey_db.models import AuditEntry, Event, PipelineRun, ResponseTag, utcnow

from .admin_helpers import OTHER_SLUG, add_event, add_response, csrf_token
from .conftest import FIRST_SLUG

OVERVIEW = f"/admin/e/{FIRST_SLUG}/"
TAG_NOW = f"/admin/e/{FIRST_SLUG}/tag-now"
STIMULUS_TEXT = "Wage subsidies and social insurance contribution waivers kept workers in jobs."


@pytest.fixture(autouse=True)
def instance_folder(app: Flask, tmp_path: Path) -> Path:
    """An instance folder of the test's own, for the job's log and process id."""
    folder = tmp_path / "instance"
    folder.mkdir()
    app.instance_path = str(folder)
    return folder


def press(client: FlaskClient, return_to: str = "overview") -> tuple[int, str, float]:
    """Press the button as the page sends it; give the status, where it leads and how long."""
    token = csrf_token(client, OVERVIEW)
    started = time.monotonic()
    answer = client.post(TAG_NOW, data={"csrf_token": token, "return_to": return_to})
    return answer.status_code, answer.headers.get("Location", ""), time.monotonic() - started


def runs(app: Flask) -> list[PipelineRun]:
    with app.app_context():
        return list(get_session().scalars(select(PipelineRun).order_by(PipelineRun.id)))


def wait_for_run_to_end(app: Flask, timeout: float = 120) -> PipelineRun:
    """Poll the run log as the page does, until the started run ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = runs(app)
        if found and found[-1].status != "running":
            return found[-1]
        time.sleep(0.5)
    log = Path(app.instance_path, LOG_NAME)
    raise AssertionError(f"the run did not end: {log.read_text() if log.exists() else ''}")


def test_the_button_starts_the_job_for_this_event_and_returns_at_once(
    app: Flask, organiser_client: FlaskClient
):
    mine = add_response(app, FIRST_SLUG, text=STIMULUS_TEXT)
    add_event(app, OTHER_SLUG)
    other = add_response(app, OTHER_SLUG, text=STIMULUS_TEXT)
    status, location, seconds = press(organiser_client)
    assert status == 302 and location.endswith(OVERVIEW)
    assert seconds < 2
    run = wait_for_run_to_end(app)
    log = Path(app.instance_path, LOG_NAME).read_text()
    assert run.status == "succeeded", log
    assert run.trigger == "console" and run.selected == 1 and run.tagged == 1
    with app.app_context():
        db = get_session()
        assert run.event_id == db.scalar(select(Event.id).where(Event.slug == FIRST_SLUG))
        tagged = set(db.scalars(select(ResponseTag.response_id)))
        audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "tag_now")).all()
    assert tagged == {mine} and other not in tagged
    assert len(audit) == 1 and audit[0].detail["pid"] > 0
    assert f"Pipeline run {run.id} succeeded" in log
    page = organiser_client.get(OVERVIEW).get_data(as_text=True)
    assert "Tagging started." in page
    assert f"Run {run.id}, Incremental" in page and "Tagged 1 of 1 selected." in page


def test_a_second_press_while_a_run_works_says_so_and_starts_nothing(
    app: Flask, organiser_client: FlaskClient
):
    with app.app_context(), pipeline_lock(app.extensions["survey_db"]["engine"]):
        status, location, _seconds = press(organiser_client, "levels")
    assert status == 302 and location.endswith(f"/admin/e/{FIRST_SLUG}/levels")
    assert not Path(app.instance_path, PID_NAME).exists() and runs(app) == []
    page = organiser_client.get(location).get_data(as_text=True)
    assert "A tagging run is already working" in page
    with app.app_context():
        assert get_session().scalars(select(AuditEntry.action)).all().count("tag_now") == 0


def test_the_run_status_shows_a_running_run_with_its_progress(
    app: Flask, organiser_client: FlaskClient, event: Event
):
    with app.app_context():
        db = get_session()
        db.add(
            PipelineRun(
                status="running",
                trigger="console",
                event_id=event.id,
                tagger_version="test",
                started_at=utcnow(),
                selected=10,
                tagged=4,
            )
        )
        db.commit()
    answer = organiser_client.get(f"/admin/e/{FIRST_SLUG}/run-status")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    html = answer.get_json()["html"]
    assert "Tagged 4 of 10 selected so far." in html
    assert '<progress id="run-progress" max="10" value="4">' in html
    page = organiser_client.get(OVERVIEW).get_data(as_text=True)
    assert 'data-live-url="/admin/e/2020-11-10-social-protection/run-status"' in page
    assert html.strip() in page


def test_only_the_events_organisers_may_press_it_and_only_with_a_token(
    app: Flask, stranger_client: FlaskClient, organiser_client: FlaskClient
):
    anonymous = app.test_client()
    token = csrf_token(anonymous)
    assert "/admin/login" in anonymous.post(TAG_NOW, data={"csrf_token": token}).headers["Location"]
    token = csrf_token(stranger_client, "/admin/runs")
    assert stranger_client.post(TAG_NOW, data={"csrf_token": token}).status_code == 404
    assert stranger_client.get(f"/admin/e/{FIRST_SLUG}/run-status").status_code == 404
    assert organiser_client.post(TAG_NOW).status_code == 400
    assert runs(app) == []

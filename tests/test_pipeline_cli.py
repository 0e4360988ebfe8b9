"""``flask pipeline run``: summary, exit statuses, the lock, and runs killed halfway."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from openpyxl import load_workbook
from sqlalchemy import select

import pipeline.runner
import pipeline.tag_rows
from pipeline.lock import pipeline_lock
from pipeline.priority import AUTOGROUP
from survey_app.cli.pipeline import EXIT_LOCKED
from survey_db.engine import session_factory
from survey_db.models import Event, PipelineRun, Response, utcnow

from .admin_helpers import OTHER_SLUG, add_event, add_response
from .pipeline_helpers import add_responses, engine_of, runs, tag_count, tags_by_response
from .process_helpers import kill_stopped, stop_when, wait_until_lock_is_free

ROOT = Path(__file__).resolve().parent.parent


def _env(app: Flask) -> dict[str, str]:
    """Environment of a subprocess working on the test's database.

    The job runs at the web app's priority here: at its default +19 (and its session's share
    lowered with it) the other test process starves it, and a kill test waits a minute for a
    few batches. The tests of its priority ask for one on the command line.
    """
    return {
        **os.environ,
        "SURVEY_DATABASE_URL": app.config["DATABASE_URL"],
        "SURVEY_SECRET_KEY": "test-secret-key",
        "SURVEY_PIPELINE_NICE": "0",
        "PYTHONPATH": str(ROOT),
    }


def test_run_prints_a_summary(runner: FlaskCliRunner, app: Flask, event: Event) -> None:
    add_responses(app, event, 25)

    result = runner.invoke(args=["pipeline", "run", "--batch-size", "10"])

    assert result.exit_code == 0, result.output
    assert "tagged 10 of 25" in result.output  # plain lines per batch when not on a terminal
    assert "tagged 25 of 25" in result.output
    assert "succeeded" in result.output and "selected 25, tagged 25, unchanged 0" in result.output
    again = runner.invoke(args=["pipeline", "run"])
    assert again.exit_code == 0
    assert "selected 0, tagged 0, unchanged 25" in again.output


def test_full_option_retags_everything(runner: FlaskCliRunner, app: Flask, event: Event) -> None:
    add_responses(app, event, 15)
    runner.invoke(args=["pipeline", "run"])

    result = runner.invoke(args=["pipeline", "run", "--full"])

    assert result.exit_code == 0, result.output
    assert "(full, tagger" in result.output and "tagged 15" in result.output
    assert [run.mode for run in runs(app)] == ["incremental", "full"]


def test_failed_run_exits_1_and_is_logged(
    runner: FlaskCliRunner, app: Flask, event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_responses(app, event, 15)

    def broken(text: str) -> object:
        raise RuntimeError("tagger down")

    monkeypatch.setattr(pipeline.tag_rows, "tag_text", broken)

    result = runner.invoke(args=["pipeline", "run"])

    assert result.exit_code == 1
    assert "failed" in result.output and "RuntimeError: tagger down" in result.output
    (log,) = runs(app)
    assert log.status == "failed" and "RuntimeError: tagger down" in log.error
    assert tag_count(app) == 0


def test_locked_run_exits_75(runner: FlaskCliRunner, app: Flask, event: Event) -> None:
    add_responses(app, event, 5)
    with session_factory(engine_of(app), write=True)() as session:
        session.add(PipelineRun(tagger_version="x", status="running", started_at=utcnow()))
        session.commit()

    with pipeline_lock(engine_of(app)):
        result = runner.invoke(args=["pipeline", "run"])

    assert result.exit_code == EXIT_LOCKED == 75
    assert "another pipeline run is working (started " in result.output
    assert tag_count(app) == 0


@pytest.mark.slow
def test_a_killed_lock_holder_leaves_the_lock_free(
    runner: FlaskCliRunner, app: Flask, event: Event
) -> None:
    add_responses(app, event, 5)
    holder = textwrap.dedent(
        """
        import sys, time
        from survey_db.engine import make_engine
        from pipeline.lock import pipeline_lock
        with pipeline_lock(make_engine(sys.argv[1])):
            print("locked", flush=True)
            time.sleep(120)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", holder, app.config["DATABASE_URL"]],
        env=_env(app),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == "locked\n"
        refused = runner.invoke(args=["pipeline", "run"])
        assert refused.exit_code == 75, refused.output
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()

    wait_until_lock_is_free(engine_of(app))
    result = runner.invoke(args=["pipeline", "run"])
    assert result.exit_code == 0, result.output
    assert tag_count(app) == 5


@pytest.mark.slow
def test_a_run_killed_halfway_keeps_its_batches(
    runner: FlaskCliRunner, app: Flask, event: Event
) -> None:
    total = 600
    add_responses(app, event, total)
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app=survey_app", "pipeline", "run", "--batch-size=10"],
        env=_env(app),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # as cron starts the job
    )
    try:
        stop_when(process, lambda _children: tag_count(app) >= 20)
    finally:
        kill_stopped(process)
    _, errors = process.communicate()
    assert process.returncode == -signal.SIGKILL, errors
    committed = tag_count(app)
    assert 20 <= committed < total and committed % 10 == 0
    (killed,) = runs(app)
    assert killed.status == "running"

    wait_until_lock_is_free(engine_of(app))
    result = runner.invoke(args=["pipeline", "run"])

    assert result.exit_code == 0, result.output
    interrupted, finished = runs(app)
    assert (interrupted.status, interrupted.error) == ("failed", "interrupted")
    assert finished.tagged == total - committed
    tags = tags_by_response(app)
    assert len(tags) == tag_count(app) == total  # one row each: none lost, none twice
    assert all(tag.tagged_version == 1 for tag in tags.values())


@pytest.mark.slow
@pytest.mark.skipif(not AUTOGROUP.exists(), reason="no autogroups: not Linux, or turned off")
def test_a_job_without_a_terminal_lowers_its_own_sessions_share() -> None:
    script = (
        "from pipeline.priority import AUTOGROUP, lower_session_share\n"
        "print(lower_session_share(9), AUTOGROUP.read_text().split()[-1])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "9"]


@pytest.mark.slow
def test_run_says_it_lowers_its_cpu_priority(app: Flask, event: Event) -> None:
    add_responses(app, event, 3)
    command = [sys.executable, "-m", "flask", "--app=survey_app", "pipeline", "run", "--nice", "7"]
    before = AUTOGROUP.read_text() if AUTOGROUP.exists() else None
    # A session of its own without a terminal, as cron and systemd timers start the job.
    done = subprocess.run(
        [*command, "--no-workbooks"],
        env=_env(app),
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Tagging and workbooks at CPU priority +7, below the web app." in done.stdout
    if before is not None:
        assert "This job's session as a whole runs at +7 too" in done.stdout
        assert AUTOGROUP.read_text() == before, "the job lowered the session that started it"
    assert "tagged 3 of 3" in done.stdout


def test_run_for_one_event_tags_only_its_responses(
    runner: FlaskCliRunner, app: Flask, event: Event
) -> None:
    """``--event SLUG``, as the console's Tag now starts it: the other event waits for cron."""
    other = add_event(app, OTHER_SLUG)
    add_responses(app, event, 12, seed=1)
    add_responses(app, other, 8, seed=2)

    result = runner.invoke(args=["pipeline", "run", "--event", OTHER_SLUG, "--trigger", "console"])

    assert result.exit_code == 0, result.output
    assert "selected 8, tagged 8, unchanged 0" in result.output
    tagged = tags_by_response(app)
    with session_factory(engine_of(app))() as session:
        events = {r.id: r.event_id for r in session.scalars(select(Response))}
    assert {events[response_id] for response_id in tagged} == {other.id}
    (log,) = runs(app)
    assert (log.event_id, log.trigger, log.tagged) == (other.id, "console", 8)
    everything = runner.invoke(args=["pipeline", "run"])
    assert "selected 12, tagged 12, unchanged 8" in everything.output
    assert runs(app)[-1].event_id is None


def test_run_for_an_unknown_event_is_refused(runner: FlaskCliRunner, app: Flask) -> None:
    result = runner.invoke(args=["pipeline", "run", "--event", "no-such-event"])
    assert result.exit_code == 1
    assert "no event 'no-such-event'" in result.output
    assert runs(app) == []


def test_nightly_workbooks_link_answers_to_the_console(
    runner: FlaskCliRunner, app: Flask, event: Event
) -> None:
    add_response(app, event.slug, text="Wage subsidies kept our workshop open.")
    app.config["PUBLIC_BASE_URL"] = "https://feedback.example.org/"

    assert runner.invoke(args=["pipeline", "run"]).exit_code == 0

    [written] = (Path(app.config["EXPORT_DIR"]) / event.slug).glob("summary-*.xlsx")
    links = {
        cell.hyperlink.target
        for sheet in load_workbook(written).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.hyperlink is not None
    }
    prefix = f"https://feedback.example.org/admin/e/{event.slug}/responses/"
    assert links and all(link.startswith(prefix) for link in links)

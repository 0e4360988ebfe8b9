"""The nightly job killed at random points, then run again: every text tagged once, none lost."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from survey_db.models import Event

from .pipeline_helpers import (
    add_responses,
    engine_of,
    response_count,
    runs,
    tag_count,
    tags_by_response,
)
from .process_helpers import wait_until_lock_is_free
from .test_pipeline_cli import _env

#: Kill points, drawn once with a fixed seed so a failure can be replayed: the number of
#: committed tags to wait for (0 kills it while it starts up), plus a random extra delay.
KILL_POINTS = [(0, 0.0)] + [
    (random.Random(seed).choice(range(10, 140, 10)), random.Random(seed).random() * 0.3)
    for seed in (11, 23, 42)
]


@pytest.mark.slow
@pytest.mark.parametrize(("after_tags", "extra_delay"), KILL_POINTS)
def test_killed_anywhere_then_rerun(
    runner: FlaskCliRunner, app: Flask, event: Event, after_tags: int, extra_delay: float
) -> None:
    total = 150
    add_responses(app, event, total, seed=after_tags)
    command = [sys.executable, "-m", "flask", "--app=survey_app", "pipeline", "run"]
    process = subprocess.Popen(
        [*command, "--batch-size=10"],
        env={**_env(app), "SURVEY_EXPORT_DIR": app.config["EXPORT_DIR"]},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # as cron starts the job
    )
    deadline = time.monotonic() + 120
    while tag_count(app) < after_tags and process.poll() is None:
        assert time.monotonic() < deadline, "the run never got going"
        time.sleep(0.005)
    time.sleep(extra_delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    committed = tag_count(app)
    assert committed % 10 == 0 or committed == total
    wait_until_lock_is_free(engine_of(app))  # PostgreSQL ends the dead session a moment later

    result = runner.invoke(args=["pipeline", "run", "--batch-size", "10"])
    assert result.exit_code == 0, result.output

    tags = tags_by_response(app)
    assert len(tags) == tag_count(app) == response_count(app) == total
    assert all(tag.tagged_version == 1 for tag in tags.values())
    assert runs(app)[-1].status == "succeeded"
    assert all(run.status in ("failed", "succeeded") for run in runs(app))
    again = runner.invoke(args=["pipeline", "run"])
    assert "tagged 0" in again.output


def test_nightly_run_writes_workbooks_only_when_something_changed(
    runner: FlaskCliRunner, app: Flask, event: Event
) -> None:
    add_responses(app, event, 30)
    folder = Path(app.config["EXPORT_DIR"]) / event.slug
    first = runner.invoke(args=["pipeline", "run"])
    assert first.exit_code == 0 and "workbooks 1" in first.output
    assert len(list(folder.glob("summary-*.xlsx"))) == 1
    quiet = runner.invoke(args=["pipeline", "run"])
    assert "workbooks 0" in quiet.output
    assert len(list(folder.glob("summary-*.xlsx"))) == 1
    time.sleep(1.1)  # workbook names carry the second they were written
    add_responses(app, event, 3, seed=99)
    runner.invoke(args=["pipeline", "run"])
    assert len(list(folder.glob("summary-*.xlsx"))) == 2
    no_books = runner.invoke(args=["pipeline", "run", "--full", "--no-workbooks"])
    assert "workbooks 0" in no_books.output

"""``bench/eval_tagger.py --database URL [--event SLUG]``: the console's figures on the
command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flask import Flask

from survey_db.models import Event

from .admin_helpers import OTHER_SLUG, add_event, add_response, reviewed
from .conftest import FIRST_SLUG

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "eval_tagger.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120
    )


def line_of(output: str, level: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(level + " "))


def test_database_mode_scores_the_machine_per_event_and_overall(
    app: Flask, database_url: str, event: Event
):
    add_event(app, OTHER_SLUG)
    add_response(app, FIRST_SLUG, tags=reviewed(["virus"], ["virus"]))
    add_response(app, FIRST_SLUG, tags=reviewed(["virus"], ["containment"]))
    add_response(app, OTHER_SLUG, tags=reviewed(["virus"], ["virus"]))
    add_response(app, OTHER_SLUG, tags={"machine_levels": ["virus"]})

    mine = run("--database", database_url, "--event", FIRST_SLUG)
    assert mine.returncode == 0, mine.stderr
    assert "2 reviewed answers compared, 0 with text not reviewed" in mine.stdout
    virus = line_of(mine.stdout, "virus")
    assert "0.500       1/2 [0.09, 0.91]" in virus and "1.000       1/1" in virus
    assert "0.000       0/1" in line_of(mine.stdout, "containment")

    every = run("--database", database_url)
    assert every.returncode == 0, every.stderr
    assert "3 reviewed answers compared, 1 with text not reviewed" in every.stdout
    assert "0.667       2/3" in line_of(every.stdout, "virus")


def test_database_mode_explains_bad_input(app: Flask, database_url: str, event: Event):
    unknown = run("--database", database_url, "--event", "no-such-event")
    assert unknown.returncode == 2 and "no event 'no-such-event'" in unknown.stderr
    bad_url = run("--database", "nonsense://")
    assert bad_url.returncode == 2 and "cannot use that database URL" in bad_url.stderr
    alone = run("--event", FIRST_SLUG)
    assert alone.returncode == 2 and "--event needs --database" in alone.stderr
    assert "Traceback" not in unknown.stderr + bad_url.stderr + alone.stderr

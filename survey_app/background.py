"""Start a ``flask --app survey_app`` command in the background, for a request that must not wait.

*Tag now* starts the tagging job and a large event's download starts its workbook build this
way: a process of its own, in a new session (it outlives the web worker's request and a worker
restart), its output appended to a log in the instance folder, the app's database and folders
in its environment. The request returns at once; the page follows the work by what the
command writes (the run log, a progress file).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from flask import Flask


def job_environment(app: Flask) -> dict[str, str]:
    """The app's environment for a command, with the database and folders this app uses."""
    env = dict(os.environ)
    env.update(
        SURVEY_DATABASE_URL=app.config["DATABASE_URL"],
        SURVEY_EXPORT_DIR=str(app.config["EXPORT_DIR"]),
        SURVEY_PIPELINE_NICE=str(app.config["PIPELINE_NICE"]),
    )
    if app.config.get("SECRET_KEY"):
        env["SURVEY_SECRET_KEY"] = app.config["SECRET_KEY"]
    return env


def start_command(app: Flask, arguments: Sequence[str], log: Path) -> int:
    """Start ``flask --app survey_app ARGUMENTS`` in the background; give its process id."""
    command = [sys.executable, "-m", "flask", "--app", "survey_app", *arguments]
    with open(log, "ab") as output:
        process = subprocess.Popen(  # noqa: S603 - a fixed command; user values are arguments
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=job_environment(app),
            cwd=app.instance_path,
            start_new_session=True,
        )
    # Reap the process when it ends, so it leaves no zombie behind in this worker.
    threading.Thread(target=process.wait, daemon=True).start()
    return process.pid


def command_alive(pid_file: Path, *words: bytes) -> bool:
    """Whether the process whose id ``pid_file`` holds still runs a command with ``words``.

    The id alone is not enough: once the process ended, the system may give it to another.
    """
    try:
        pid = int(pid_file.read_text("ascii"))
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return False
    return all(word in command for word in words)

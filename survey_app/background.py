"""Start a ``flask --app survey_app`` command in the background, for a request that must not wait.

*Tag now* starts the tagging job and a large event's download starts its workbook build this
way: a process of its own, in a new session (it outlives the web worker's request and a worker
restart), its output appended to a log in the instance folder, the app's database and folders
in its environment. The request returns at once; the page follows the work by what the
command writes (the run log, a progress file). A :class:`Job` writing one result file keeps
its process id beside it, so a page tells a job still working from one that ended without its
result, and waits for a person to try again instead of starting it anew on every look.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from click import ClickException
from flask import Flask

#: The longest error line a page shows of a failed job.
ERROR_LENGTH = 200

#: A process just started shows an empty command line while the kernel loads its program
#: (most reads in the first milliseconds after ``Popen`` returns): a look in that moment
#: waits up to this long for it rather than take the job for ended. Past it, an empty line
#: is a process that ended unreaped, or a kernel thread that got the id.
EXEC_GRACE = 1.0
#: Between two reads of a command line still empty.
EXEC_POLL = 0.005


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
        command = _command_line(pid)
    except (OSError, ValueError):
        return False
    return all(word in command for word in words)


def _command_line(pid: int) -> bytes:
    """The process's command line, waiting out the moment it is empty (:data:`EXEC_GRACE`)."""
    deadline = time.monotonic() + EXEC_GRACE
    while True:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        if command or time.monotonic() >= deadline:
            return command
        time.sleep(EXEC_POLL)


#: An absolute path in an error message: the server's folders are not for the page.
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[/\\][^/\\\s'\"]+){2,}")


@dataclass(frozen=True)
class Failure:
    """A background job that ended without writing its result: when it ended (or, if it
    left no note, when it was started), and the last line of its error if it noted one."""

    at: datetime
    error: str = ""


@dataclass(frozen=True)
class Job:
    """A command started in the background to write one file, ``output``: its process id is
    kept beside it (``.pid``), and so is what went wrong when it failed (``.failed``).
    ``words`` tell its command line apart from another process's that got the same id later.

    Its state: ``working`` while it runs; ``done`` once its result is there; ``failed`` when
    it ended without one (the page then waits for a person to try again, never starting it
    anew on every look); ``none`` before it was ever started.
    """

    output: Path
    words: tuple[bytes, ...]

    @property
    def pid_file(self) -> Path:
        return self.output.with_suffix(".pid")

    @property
    def failure_file(self) -> Path:
        return self.output.with_suffix(".failed")

    def running(self) -> bool:
        """Whether the job runs now."""
        return command_alive(self.pid_file, *self.words, bytes(self.output))

    def state(self, finished: Callable[[], bool]) -> str:
        """Where the job stands; ``finished`` tells whether its result is there (asked only
        once the job was seen not running, so a job ending meanwhile is not taken as failed)."""
        if self.running():
            return "working"
        if finished():
            return "done"
        return "failed" if self.pid_file.exists() else "none"

    def start(self, app: Flask, arguments: Sequence[str], log: Path) -> int:
        """Start the command (``start_command``), forgetting an earlier failure."""
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.failure_file.unlink(missing_ok=True)
        pid = start_command(app, arguments, log)
        self.pid_file.write_text(str(pid), "ascii")
        return pid

    def failure(self) -> Failure:
        """What is known of the failed job (the log it wrote to keeps the whole traceback)."""
        try:
            noted = json.loads(self.failure_file.read_text("utf-8"))
            return Failure(datetime.fromisoformat(noted["at"]), str(noted["error"]))
        except (OSError, ValueError, TypeError, KeyError):
            pass
        try:
            started = self.pid_file.stat().st_mtime
        except OSError:
            started = time.time()
        return Failure(datetime.fromtimestamp(started, UTC))


def error_line(error: BaseException) -> str:
    """The error's message in one short line for people: no traceback, no server paths."""
    message = error.format_message() if isinstance(error, ClickException) else str(error)
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")
    line = _PATH.sub(lambda found: re.split(r"[/\\]", found.group())[-1], first)
    if not isinstance(error, ClickException):
        line = f"{type(error).__name__}: {line}" if line else type(error).__name__
    return line if len(line) <= ERROR_LENGTH else line[: ERROR_LENGTH - 1] + "…"


@contextmanager
def noting_failure(output: Path | None) -> Iterator[None]:
    """Run a job's work; if it fails, note when and its :func:`error_line` beside
    ``output`` for the page that started it (:meth:`Job.failure`), and let the error go on
    to the log."""
    try:
        yield
    except Exception as error:
        if output is not None:
            note = {"at": datetime.now(UTC).isoformat(), "error": error_line(error)}
            with suppress(OSError):
                Job(output, ()).failure_file.write_text(json.dumps(note), "utf-8")
        raise

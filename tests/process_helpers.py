"""Catching a job in the act: its process group stopped at a known point, then killed.

Polling a running job and killing it once it has got far enough races the job: on a fast or
busy machine it can finish between two looks. Here the job runs in short bursts and each look
is taken while its whole group is stopped (SIGSTOP), so what a look sees still holds when the
job is killed. Linux only (it reads /proc). Also: what a fresh process prints, for the tests of
what building the app imports.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from sqlalchemy import Engine

from pipeline.lock import PipelineLocked, pipeline_lock

#: How long the job runs between two looks: far shorter than any run the tests catch.
BURST_S = 0.01


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/PID/stat after the command name: state, parent pid, ..."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_state(pid: int) -> str | None:
    """A process's state letter from /proc (None once it is gone)."""
    try:
        return _stat(pid)[0]
    except (FileNotFoundError, ProcessLookupError):
        return None


def children_of(pid: int) -> set[int]:
    """Pids of the live children of ``pid``."""
    children = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, IndexError):
                state, parent = _stat(entry.name)[:2]
                if int(parent) == pid and state != "Z":
                    children.add(int(entry.name))
    return children


def stop_group(pid: int) -> set[int]:
    """Stop the process group that ``pid`` leads; once all of it has stopped, its children."""
    os.killpg(pid, signal.SIGSTOP)
    while True:  # the signal is delivered asynchronously
        children = children_of(pid)
        if all(process_state(each) in ("T", "Z", None) for each in (pid, *children)):
            return children
        time.sleep(0.001)


def stop_when(
    process: subprocess.Popen[str] | subprocess.Popen[bytes],
    ready: Callable[[set[int]], bool],
    timeout: float = 120.0,
) -> set[int]:
    """Run ``process`` (started in a session of its own) until ``ready(children)`` holds.

    Returns with its group stopped, and the children it has then. Fails if the process ends
    first or the timeout passes, and then kills the group rather than leave it stopped.
    """
    deadline = time.monotonic() + timeout
    try:
        while True:
            look = time.monotonic()
            children = stop_group(process.pid)
            if ready(children):
                return children
            assert process.poll() is None, f"the run ended ({process.returncode}) first"
            assert time.monotonic() < deadline, "the run never got that far"
            os.killpg(process.pid, signal.SIGCONT)
            # On a loaded machine a look takes longer and a burst gives the job less CPU: the
            # job runs at least as long as the look took, so it still gets half the time.
            time.sleep(max(BURST_S, time.monotonic() - look))
    except AssertionError:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        raise


def kill_stopped(process: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    """``kill -9`` the stopped process, then let the rest of its group go on (and see it gone)."""
    process.send_signal(signal.SIGKILL)
    process.wait()
    with suppress(ProcessLookupError):  # no group left when it had no children
        os.killpg(process.pid, signal.SIGCONT)


def wait_until_lock_is_free(engine: Engine, timeout: float = 15.0) -> None:
    """Wait for a killed run's lock to go: PostgreSQL ends the dead session a moment later."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with pipeline_lock(engine):
                return
        except PipelineLocked:
            assert time.monotonic() < deadline, "the killed run's lock was never released"
            time.sleep(0.05)


#: The start of a probe that builds the app as the nightly job does (:func:`words_printed`)
APP_BUILT = (
    "import sys\n"
    "from survey_app import create_app\n"
    "create_app({'TESTING': True, 'SECRET_KEY': 'k', 'DATABASE_URL': 'sqlite://'})\n"
)


def words_printed(script: str) -> list[str]:
    """What a fresh Python process running ``script`` prints, as words: what a process
    imports is seen only from a process that imported nothing before."""
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout.split()

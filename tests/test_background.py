"""``survey_app.background``: telling a job that still works from one that ended."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from survey_app.background import command_alive


def test_a_command_seen_at_once_after_it_started_is_alive(tmp_path: Path):
    """Read the moment ``Popen`` returns, most command lines are still empty: a page asking
    then must not take the job for ended (it would offer *Try again* for a running job)."""
    pid_file = tmp_path / "job.pid"
    for _attempt in range(20):
        process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "job"])
        try:
            pid_file.write_text(str(process.pid), "ascii")
            assert command_alive(pid_file, b"time.sleep", b"job")
            assert not command_alive(pid_file, b"another-job")
        finally:
            process.kill()
            process.wait()
    assert not command_alive(pid_file, b"job")  # ended and reaped
    assert not command_alive(tmp_path / "never-started.pid", b"job")

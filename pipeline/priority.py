"""The nightly job's CPU share as a whole session, beside its processes' nice.

On Linux with autogroups (``sched(7)``; on by default in Debian's kernel), the scheduler
shares CPU time between sessions first, and a process's nice orders it only within its own
session. cron and systemd timers start each job in a session of its own, so with nice alone
the job's session and the web server's shared the cores as equals: bench/load_submit.py
measured half the submission rate while a run was tagging.
"""

from __future__ import annotations

from pathlib import Path

AUTOGROUP = Path("/proc/self/autogroup")


def has_terminal() -> bool:
    """Whether this process's session has a controlling terminal (someone typing in it)."""
    try:
        with open("/dev/tty", "rb"):
            return True
    except OSError:
        return False


def lower_session_share(nice: int) -> bool:
    """Give this session's autogroup the priority ``nice``; False where that does not apply.

    Only a session without a terminal is lowered: it is the job's own (cron's, a timer's).
    An operator's terminal session is left alone, since the change lasts as long as it does.
    """
    if not nice or has_terminal() or not AUTOGROUP.exists():
        return False
    try:
        AUTOGROUP.write_text(str(nice))
    except OSError:
        return False
    return True

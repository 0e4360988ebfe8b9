"""Keeping the nightly job out of the attendees' way while they submit.

A low CPU priority is not enough on a shared virtual machine: work done in the moments the
web app leaves a core idle still slows the web app (measured with ``bench/load_submit.py``:
two busy-looping processes at the lowest priority, in a session of their own at the lowest
priority too, cost the attendee flows about 20%). So the job watches, from the kernel's
scheduler statistics, how long it waited for a CPU against how long it ran: when, over a
slice of its work, it waited several times as long as it ran (the cores are wanted
elsewhere), it pauses for many times as long as it wanted the CPU. Waiting for the database
or the disk does not count. On an otherwise idle machine, as at night, it never waits that
long and never pauses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

#: The kernel's per-thread scheduler statistics: ns on a CPU, ns waiting for one, slices.
SCHEDSTAT = Path("/proc/thread-self/schedstat")
#: A slice is starved when it waited for a CPU this many times as long as it ran (got less
#: than a quarter of a core). Not at 1: the job's own main process, reading and storing at
#: a higher priority than its tagging workers, keeps them waiting about as long as that.
STARVED = 3.0
#: A starved slice is followed by a pause this many times the CPU time it wanted: under load
#: the job does about a twentieth of what it would, and leaves the other idle moments idle.
BACKOFF = 19.0
#: Slices shorter than this (wall time) are not judged yet: long enough that the main
#: process's bursts of reading and storing (up to about 130 ms) are not taken for load.
SLICE_S = 0.25
#: The longest single pause, so the job notices soon when the load is gone.
MAX_PAUSE_S = 2.0


def scheduler_times() -> tuple[float, float] | None:
    """Seconds this thread has run and waited to run, or None where the kernel does not say."""
    try:
        ran, waited, _ = SCHEDSTAT.read_bytes().split()
        return int(ran) / 1e9, int(waited) / 1e9
    except (OSError, ValueError):
        return None


class Pacer:
    """Pauses a CPU-bound loop while other work wants the cores; call :meth:`step` often."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.perf_counter,
        times: Callable[[], tuple[float, float] | None] = scheduler_times,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._times = times
        self._sleep = sleep
        self.start()

    def start(self) -> None:
        """Begin a slice (call it when the loop starts after waiting for anything else)."""
        self._wall = self._clock()
        self._started = self._times()

    def step(self) -> float:
        """End the slice if it is long enough; pause if it was starved. Returns the pause."""
        if self._clock() - self._wall < SLICE_S:
            return 0.0
        started, now = self._started, self._times()
        pause = 0.0
        if started is not None and now is not None:
            ran, waited = now[0] - started[0], now[1] - started[1]
            if waited > STARVED * ran:
                pause = min(BACKOFF * (ran + waited), MAX_PAUSE_S)
                self._sleep(pause)
        self.start()
        return pause

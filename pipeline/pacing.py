"""Keeping the nightly job out of the attendees' way while they submit.

A low CPU priority is not enough on a shared virtual machine: work done in the moments the
web app leaves a core idle still slows the web app (measured with ``bench/load_submit.py``:
two busy-looping processes at the lowest priority, in a session of their own at the lowest
priority too, cost the attendee flows about 20%). So the job watches how much CPU it gets:
when a slice of its work got less than half a core (the cores are wanted elsewhere), it
pauses for several times as long as the slice took. On an otherwise idle machine, as at
night, it gets whole cores and never pauses.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: CPU time per wall time below which a slice counts as starved.
STARVED = 0.5
#: A starved slice is followed by a pause this many times its wall time: under load the job
#: does about a tenth of what it would, and leaves the rest of the idle moments idle.
BACKOFF = 9.0
#: Slices shorter than this are not judged yet (the clocks' resolution, a single response).
SLICE_S = 0.05
#: The longest single pause, so the job notices soon when the load is gone.
MAX_PAUSE_S = 2.0


class Pacer:
    """Pauses a CPU-bound loop while other work wants the cores; call :meth:`step` often."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.perf_counter,
        cpu_clock: Callable[[], float] = time.process_time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._cpu_clock = cpu_clock
        self._sleep = sleep
        self.paused = 0.0
        self.start()

    def start(self) -> None:
        """Begin a slice (call it when the loop starts after waiting for anything else)."""
        self._wall = self._clock()
        self._cpu = self._cpu_clock()

    def step(self) -> float:
        """End the slice if it is long enough; pause if it was starved. Returns the pause."""
        wall = self._clock() - self._wall
        if wall < SLICE_S:
            return 0.0
        pause = 0.0
        if self._cpu_clock() - self._cpu < STARVED * wall:
            pause = min(BACKOFF * wall, MAX_PAUSE_S)
            self._sleep(pause)
            self.paused += pause
        self.start()
        return pause

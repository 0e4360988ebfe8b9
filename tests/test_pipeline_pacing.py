"""The nightly job's pacing: it pauses only when it gets less than half a core."""

from __future__ import annotations

import pytest

from pipeline.pacing import BACKOFF, MAX_PAUSE_S, SLICE_S, Pacer


class Clocks:
    """Wall and CPU clocks that move only when told; sleeping moves the wall clock."""

    def __init__(self) -> None:
        self.wall = 100.0
        self.cpu = 5.0
        self.slept: list[float] = []

    def work(self, wall: float, cpu: float) -> None:
        self.wall += wall
        self.cpu += cpu

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.wall += seconds

    def pacer(self) -> Pacer:
        return Pacer(clock=lambda: self.wall, cpu_clock=lambda: self.cpu, sleep=self.sleep)


def test_a_job_with_whole_cores_never_pauses() -> None:
    clocks = Clocks()
    pacer = clocks.pacer()
    for _ in range(20):
        clocks.work(wall=0.1, cpu=0.095)
        assert pacer.step() == 0.0
    assert clocks.slept == [] and pacer.paused == 0.0


def test_a_starved_slice_is_followed_by_a_pause_of_several_times_its_length() -> None:
    clocks = Clocks()
    pacer = clocks.pacer()
    clocks.work(wall=0.1, cpu=0.01)  # a tenth of a core: the web app wants the cores

    assert pacer.step() == pytest.approx(BACKOFF * 0.1)
    assert clocks.slept == [pytest.approx(BACKOFF * 0.1)]
    # The pause is not counted against the next slice.
    clocks.work(wall=0.1, cpu=0.1)
    assert pacer.step() == 0.0


def test_slices_are_judged_only_once_long_enough_and_pauses_are_capped() -> None:
    clocks = Clocks()
    pacer = clocks.pacer()
    clocks.work(wall=SLICE_S / 2, cpu=0.0)
    assert pacer.step() == 0.0  # too short to judge: the slice goes on
    clocks.work(wall=SLICE_S, cpu=0.0)
    assert pacer.step() == pytest.approx(BACKOFF * 1.5 * SLICE_S)

    clocks.work(wall=10.0, cpu=0.1)
    assert pacer.step() == MAX_PAUSE_S
    assert pacer.paused == pytest.approx(BACKOFF * 1.5 * SLICE_S + MAX_PAUSE_S)


def test_start_forgets_time_spent_waiting_outside_the_loop() -> None:
    clocks = Clocks()
    pacer = clocks.pacer()
    clocks.work(wall=5.0, cpu=0.0)  # waiting for the database: not starved, just waiting
    pacer.start()
    clocks.work(wall=0.1, cpu=0.1)
    assert pacer.step() == 0.0

"""The nightly job's pacing: it pauses only when it waited for a CPU much longer than it ran."""

from __future__ import annotations

import pytest

from pipeline.pacing import BACKOFF, MAX_PAUSE_S, SLICE_S, STARVED, Pacer, scheduler_times


class Clocks:
    """A wall clock and scheduler times that move only when told; sleeping moves the wall."""

    def __init__(self, known: bool = True) -> None:
        self.wall = 100.0
        self.ran = 5.0
        self.waited = 1.0
        self.known = known
        self.slept: list[float] = []

    def work(self, wall: float, ran: float, waited: float = 0.0) -> None:
        self.wall += wall
        self.ran += ran
        self.waited += waited

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.wall += seconds

    def pacer(self) -> Pacer:
        return Pacer(
            clock=lambda: self.wall,
            times=lambda: (self.ran, self.waited) if self.known else None,
            sleep=self.sleep,
        )


def test_a_job_with_whole_cores_never_pauses() -> None:
    clocks = Clocks()
    pacer = clocks.pacer()
    for _ in range(20):
        clocks.work(wall=SLICE_S, ran=0.95 * SLICE_S, waited=0.05 * SLICE_S)
        assert pacer.step() == 0.0
    assert clocks.slept == []


def test_sharing_a_core_with_its_own_main_process_is_not_starving() -> None:
    clocks = Clocks()
    pacer = clocks.pacer()
    clocks.work(wall=SLICE_S, ran=0.4 * SLICE_S, waited=0.6 * SLICE_S)
    assert pacer.step() == 0.0


def test_waiting_for_the_database_is_not_starving() -> None:
    clocks = Clocks()
    pacer = clocks.pacer()
    clocks.work(wall=2 * SLICE_S, ran=0.01, waited=0.0)  # blocked on a query, not on a CPU
    assert pacer.step() == 0.0


def test_a_starved_slice_is_followed_by_a_pause_of_many_times_what_it_wanted() -> None:
    clocks = Clocks()
    pacer = clocks.pacer()
    wanted = 0.1
    ran = wanted / (STARVED + 2)  # a fifth of a core at most: the web app wants the cores
    clocks.work(wall=SLICE_S, ran=ran, waited=wanted - ran)

    assert pacer.step() == pytest.approx(BACKOFF * wanted)
    assert clocks.slept == [pytest.approx(BACKOFF * wanted)]
    # The pause is not counted against the next slice.
    clocks.work(wall=SLICE_S, ran=SLICE_S)
    assert pacer.step() == 0.0


def test_slices_are_judged_only_once_long_enough_and_pauses_are_capped() -> None:
    clocks = Clocks()
    pacer = clocks.pacer()
    clocks.work(wall=SLICE_S / 2, ran=0.0, waited=SLICE_S / 2)
    assert pacer.step() == 0.0  # too short to judge: the slice goes on
    clocks.work(wall=SLICE_S / 2, ran=0.0, waited=SLICE_S / 2)
    assert pacer.step() == MAX_PAUSE_S  # BACKOFF * SLICE_S is longer than the cap
    assert clocks.slept == [MAX_PAUSE_S]


def test_start_forgets_what_happened_outside_the_loop() -> None:
    clocks = Clocks()
    pacer = clocks.pacer()
    clocks.work(wall=5.0, ran=0.1, waited=4.0)
    pacer.start()
    clocks.work(wall=SLICE_S, ran=SLICE_S)
    assert pacer.step() == 0.0


def test_without_the_kernel_s_figures_it_never_pauses() -> None:
    clocks = Clocks(known=False)
    pacer = clocks.pacer()
    clocks.work(wall=1.0, ran=0.0, waited=1.0)
    assert pacer.step() == 0.0


def test_this_kernel_reports_running_time() -> None:
    before = scheduler_times()
    assert before is not None  # Linux: the job paces itself here
    sum(i * i for i in range(200_000))
    after = scheduler_times()
    assert after is not None and after[0] > before[0] and after[1] >= before[1]

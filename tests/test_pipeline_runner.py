"""The run around the tagger: what it selects, what it writes, what it never touches."""

from __future__ import annotations

import gc
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import pipeline.runner
import pipeline.tag_rows
import pipeline.workers
from pipeline import TAGGER_VERSION, tag_text
from pipeline.lock import lock_path, pipeline_lock
from pipeline.pacing import Pacer
from pipeline.runner import PipelineFailed, PipelineLocked, pending_count, run_pipeline
from pipeline.tag_rows import CERTAINTY_BAND, NO_LEVEL_CERTAINTY, certainty, machine_tags
from survey_db.engine import session_factory
from survey_db.models import Event, Organiser, PipelineRun, Response, utcnow

from .pipeline_helpers import (
    add_responses,
    engine_of,
    response_count,
    runs,
    tag_count,
    tags_by_response,
)
from .process_helpers import kill_stopped, process_state, stop_when, wait_until_lock_is_free
from .test_pipeline_cli import _env

ECONOMIC = "Many gig workers lost their income when orders collapsed."
STIMULUS_ZH = "减免社保缴费和稳岗补贴帮助企业留住了员工。临时提高低保标准只覆盖了部分有需要的人。"


def _write(app: Flask) -> Session:
    return session_factory(engine_of(app), write=True)()


def _blank_feedback(app: Flask, event: Event) -> int:
    """A feedback response with ratings only: no text to tag."""
    with _write(app) as session:
        loaded = session.get(Event, event.id)
        response = Response(
            event_id=event.id,
            kind="feedback",
            session_id=loaded.feedback_sessions()[0].id,
            overall=4,
            improve="   ",
        )
        session.add(response)
        session.commit()
        return response.id


def test_machine_tags_aggregates_the_fields() -> None:
    texts = {"most_useful": "Gig workers lost their income.", "improve": STIMULUS_ZH}
    results = {name: tag_text(text) for name, text in texts.items()}
    row = machine_tags(texts, 0.5)
    assert row["machine_levels"] == sorted(
        results["most_useful"].levels | results["improve"].levels
    )
    assert set(row["machine_scores"]) == {"virus", "containment", "economic_crisis", "stimulus"}
    for level, score in row["machine_scores"].items():
        assert score == round(max(result.scores[level] for result in results.values()), 4)
    for level in row["machine_levels"]:
        expected = [q for result in results.values() for q in result.evidence.get(level, ())]
        assert row["machine_evidence"][level] == list(dict.fromkeys(expected))
    assert set(row["fields"]) == {"most_useful", "improve"}
    assert set(row["fields"]["improve"]) == {
        "levels",
        "scores",
        "evidence",
        "sentiment",
        "language",
    }
    assert row["fields"]["improve"]["language"] == "zh"
    assert row["text_language"] == "zh"  # the Chinese text has more characters
    english = results["most_useful"].sentiment
    assert row["sentiment"] == (None if english is None else round(english, 4))
    assert 0.0 <= row["certainty"] <= 1.0


def test_machine_tags_of_no_text() -> None:
    row = machine_tags({}, 0.5)
    assert row["machine_levels"] == [] and row["fields"] == {}
    assert row["sentiment"] is None and row["text_language"] is None
    assert row["certainty"] == 1.0


@pytest.mark.parametrize(
    ("scores", "has_text", "expected"),
    [
        ({"virus": 0.0, "stimulus": 0.9}, True, 1.0),  # far from the threshold everywhere
        ({"virus": 0.0, "stimulus": 0.5 + CERTAINTY_BAND / 2}, True, 0.5),
        ({"virus": 0.0, "stimulus": 0.503}, True, 0.012),  # two weak indicators: a coin toss
        ({"virus": 0.45, "stimulus": 0.9}, True, 0.2),  # a level nearly found
        ({"virus": 0.0, "stimulus": 0.0}, True, NO_LEVEL_CERTAINTY),  # text but no level
        ({"virus": 0.0, "stimulus": 0.0}, False, 1.0),  # nothing to review
    ],
)
def test_certainty(scores: dict[str, float], has_text: bool, expected: float) -> None:
    assert certainty(scores, 0.5, has_text) == pytest.approx(expected)


def test_first_run_tags_every_response(app: Flask, event: Event) -> None:
    add_responses(app, event, 60)
    blank = _blank_feedback(app, event)
    seen: list[tuple[int, int]] = []

    run = run_pipeline(engine_of(app), batch_size=25, progress=lambda *done: seen.append(done))

    assert (run.status, run.mode, run.trigger) == ("succeeded", "incremental", "cli")
    assert (run.selected, run.tagged, run.unchanged) == (61, 61, 0)
    assert run.tagger_version == TAGGER_VERSION
    assert seen == [(25, 61), (25, 61), (11, 61)]
    tags = tags_by_response(app)
    assert len(tags) == response_count(app) == 61
    assert tags[blank].machine_levels == [] and tags[blank].fields == {}
    assert tags[blank].certainty == 1.0
    assert any(tag.machine_levels for tag in tags.values())
    assert all(tag.tagger_version == TAGGER_VERSION for tag in tags.values())
    assert all(tag.review_state == "machine" for tag in tags.values())


def test_pages_are_written_in_short_transactions(
    app: Flask, event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page is written STORE_ROWS rows per transaction, so SQLite's write turn is never
    held long while attendees submit; the page is still reported once."""
    add_responses(app, event, 60)
    writes: list[int] = []
    store = pipeline.runner._Run.store

    def counted_store(run: pipeline.runner._Run, rows: list[dict]) -> int:
        writes.append(len(rows))
        return store(run, rows)

    monkeypatch.setattr(pipeline.runner, "STORE_ROWS", 10)
    monkeypatch.setattr(pipeline.runner._Run, "store", counted_store)
    seen: list[tuple[int, int]] = []

    run = run_pipeline(engine_of(app), batch_size=25, progress=lambda *done: seen.append(done))

    assert writes == [10, 10, 5, 10, 10, 5, 10]
    assert seen == [(25, 60), (25, 60), (10, 60)]
    assert (run.status, run.tagged) == ("succeeded", 60)
    assert len(tags_by_response(app)) == response_count(app) == 60


def test_incremental_run_tags_new_and_amended_only(app: Flask, event: Event) -> None:
    add_responses(app, event, 40)
    run_pipeline(engine_of(app))
    before = tags_by_response(app)
    with _write(app) as session:
        amended = session.scalars(
            select(Response).where(Response.kind == "input").order_by(Response.id)
        ).first()
        amended.amend({"text": ECONOMIC})
        session.commit()
        amended_id = amended.id
    add_responses(app, event, 5, seed=8)
    assert pending_count(engine_of(app)) == 6

    run = run_pipeline(engine_of(app), batch_size=4)

    assert (run.selected, run.tagged, run.unchanged) == (6, 6, 39)
    after = tags_by_response(app)
    assert len(after) == 45
    assert after[amended_id].tagged_version == 2
    assert after[amended_id].machine_levels == sorted(tag_text(ECONOMIC).levels)
    untouched = [rid for rid in before if rid != amended_id]
    assert all(after[rid].tagged_at == before[rid].tagged_at for rid in untouched)


def test_second_run_tags_nothing(app: Flask, event: Event) -> None:
    add_responses(app, event, 30)
    run_pipeline(engine_of(app))
    before = tags_by_response(app)

    run = run_pipeline(engine_of(app))

    assert (run.status, run.selected, run.tagged, run.unchanged) == ("succeeded", 0, 0, 30)
    assert {rid: tag.tagged_at for rid, tag in tags_by_response(app).items()} == {
        rid: tag.tagged_at for rid, tag in before.items()
    }


def test_full_run_retags_everything(app: Flask, event: Event) -> None:
    add_responses(app, event, 30)
    run_pipeline(engine_of(app))

    run = run_pipeline(engine_of(app), full=True, trigger="download")

    assert (run.mode, run.trigger, run.selected, run.tagged, run.unchanged) == (
        "full",
        "download",
        30,
        30,
        0,
    )
    assert tag_count(app) == 30


def test_new_tagger_version_retags_everything(
    app: Flask, event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_responses(app, event, 30)
    run_pipeline(engine_of(app))
    monkeypatch.setattr(pipeline.runner, "TAGGER_VERSION", "2099.1.1+feedface")

    run = run_pipeline(engine_of(app))

    assert (run.tagged, run.tagger_version) == (30, "2099.1.1+feedface")
    assert {tag.tagger_version for tag in tags_by_response(app).values()} == {"2099.1.1+feedface"}
    assert run_pipeline(engine_of(app)).tagged == 0


def test_reviewed_tags_survive_a_full_run(app: Flask, event: Event) -> None:
    add_responses(app, event, 20)
    run_pipeline(engine_of(app))
    with _write(app) as session:
        organiser = Organiser(email="reviewer@example.org", password_hash="x")
        session.add(organiser)
        session.flush()
        tag = session.scalars(select(Response).order_by(Response.id)).first().tag
        machine = list(tag.machine_levels)
        tag.change(organiser.id, ["virus", "containment"], ["women"], ["health"])
        tag.machine_levels = ["stimulus"] if machine != ["stimulus"] else []  # a stale suggestion
        tag.machine_groups = ["children"]
        session.commit()
        response_id, reviewed_at = tag.response_id, tag.reviewed_at

    run = run_pipeline(engine_of(app), full=True)

    assert run.reviewed_kept == 1
    kept = tags_by_response(app)[response_id]
    assert kept.review_state == "changed"
    assert (kept.reviewed_levels, kept.reviewed_groups, kept.reviewed_areas) == (
        ["containment", "virus"],
        ["women"],
        ["health"],
    )
    assert kept.reviewed_at == reviewed_at
    assert kept.machine_levels == machine  # the machine's suggestion is fresh again
    assert kept.levels == ["containment", "virus"]  # but the review is what counts


def _add_with_marked(app: Flask, event: Event, count: int, index: int, marker: str) -> int:
    """Add ``count`` responses and give the one at ``index`` the answer ``marker``; its id."""
    add_responses(app, event, count)
    with _write(app) as session:
        ids = list(session.scalars(select(Response.id).order_by(Response.id)))
        marked = session.get(Response, ids[index])
        setattr(marked, "text" if marked.kind == "input" else "most_useful", marker)
        session.commit()
    return ids[index]


def _make_the_26th_of_40_fail(app: Flask, event: Event, monkeypatch: pytest.MonkeyPatch) -> int:
    """Add 40 responses and make the tagger raise on the 26th; returns its id."""
    marker = "This answer makes the tagger fail."
    failing_id = _add_with_marked(app, event, 40, 25, marker)

    def tag_or_fail(text: str) -> object:
        if text == marker:
            raise ValueError("codebook exploded")
        return tag_text(text)

    monkeypatch.setattr(pipeline.tag_rows, "tag_text", tag_or_fail)
    return failing_id


def test_failed_run_is_logged_and_keeps_committed_batches(
    app: Flask, event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_id = _make_the_26th_of_40_fail(app, event, monkeypatch)

    with pytest.raises(PipelineFailed) as caught:
        run_pipeline(engine_of(app), batch_size=10)

    (log,) = runs(app)
    assert caught.value.run.id == log.id
    assert (log.status, log.error) == (
        "failed",
        f"response {failing_id}: ValueError: codebook exploded",
    )
    assert log.finished_at is not None
    assert tag_count(app) == log.tagged == 20  # the two batches before the failing one

    monkeypatch.undo()
    run = run_pipeline(engine_of(app))
    assert (run.status, run.tagged) == ("succeeded", 20)
    assert tag_count(app) == 40


def test_after_tagging_counts_workbooks(app: Flask, event: Event) -> None:
    add_responses(app, event, 10)
    tagged_when_called: list[int] = []

    def write_workbooks(session: Session, pacer: Pacer | None) -> int:
        tagged_when_called.append(len(session.scalars(select(Response.id)).all()))
        return 3

    run = run_pipeline(engine_of(app), after_tagging=write_workbooks)

    assert tagged_when_called == [10]
    assert run.workbooks == 3 and runs(app)[0].workbooks == 3


def test_a_locked_run_is_refused_at_once(app: Flask, event: Event) -> None:
    add_responses(app, event, 5)
    started = utcnow()
    with _write(app) as session:
        session.add(PipelineRun(tagger_version="x", status="running", started_at=started))
        session.commit()

    with pipeline_lock(engine_of(app)), pytest.raises(PipelineLocked) as caught:
        run_pipeline(engine_of(app))

    assert caught.value.started_at == started
    assert str(caught.value).startswith("another pipeline run is working (started ")
    assert tag_count(app) == 0 and len(runs(app)) == 1


def test_a_stale_running_row_is_marked_interrupted(app: Flask, event: Event) -> None:
    add_responses(app, event, 5)
    with _write(app) as session:
        session.add(PipelineRun(tagger_version="x", status="running", started_at=utcnow()))
        session.commit()

    run_pipeline(engine_of(app))

    stale, done = runs(app)
    assert (stale.status, stale.error) == ("failed", "interrupted")
    assert stale.finished_at is not None
    assert done.status == "succeeded"


def test_lock_file_sits_beside_the_database() -> None:
    assert lock_path(make_url("sqlite:////srv/survey.sqlite3")) == Path(
        "/srv/survey.sqlite3.pipeline.lock"
    )
    in_memory = lock_path(make_url("sqlite://"))
    assert in_memory.parent == Path(tempfile.gettempdir())
    assert in_memory != lock_path(make_url("sqlite:///:memory:"))


# --- Tagging in worker processes (the nightly job's --workers) --------------------------

MACHINE_COLUMNS = (
    "tagged_version",
    "tagger_version",
    "machine_levels",
    "machine_scores",
    "machine_evidence",
    "machine_groups",
    "machine_areas",
    "fields",
    "sentiment",
    "text_language",
    "certainty",
)


def _machine_rows(app: Flask) -> dict[int, tuple[object, ...]]:
    return {
        response_id: tuple(getattr(tag, column) for column in MACHINE_COLUMNS)
        for response_id, tag in tags_by_response(app).items()
    }


def test_workers_write_the_same_rows_as_one_process(
    app: Flask, event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_responses(app, event, 90, seed=3)
    _blank_feedback(app, event)
    pools: list[int] = []
    start_pool = pipeline.runner.tagging_pool

    def counted_pool(engine: object, workers: int, nice: int) -> object:
        pools.append(workers)
        return start_pool(engine, workers, nice)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline.runner, "tagging_pool", counted_pool)

    single = run_pipeline(engine_of(app), full=True, batch_size=7)
    expected = _machine_rows(app)
    done: list[int] = []
    parallel = run_pipeline(
        engine_of(app),
        full=True,
        batch_size=7,
        workers=2,
        progress=lambda count, total: done.append(count),
    )

    assert _machine_rows(app) == expected
    assert len(expected) == response_count(app) == 91
    assert {row[MACHINE_COLUMNS.index("text_language")] for row in expected.values()} == {
        "en",
        "zh",
        None,
    }
    assert (parallel.status, parallel.selected, parallel.tagged) == ("succeeded", 91, 91)
    assert (single.selected, single.tagged) == (91, 91)
    assert done == [7] * 13  # every page stored and reported, in order
    assert pools == [2]  # the second run tagged in a pool of 2 (the first in-process)
    assert not multiprocessing.active_children()  # the pool is gone with the run
    again = run_pipeline(engine_of(app), workers=2)
    assert (again.selected, again.tagged) == (0, 0)
    assert pools == [2]  # nothing to tag: no pool


#: The priority a forked child started at, and how much its run lowers it (set in the child).
_PRIORITY = {"base": 0, "nice": 0}


def _checked_tag_page(page: object, threshold: float, pacer: Pacer | None) -> object:
    """The tagger's page function, refusing to tag at any priority but the lowered one, or
    without pausing for the web app's load."""
    wanted = min(19, _PRIORITY["base"] + _PRIORITY["nice"])
    if os.nice(0) != wanted:
        raise ValueError(f"tagged at nice {os.nice(0)}, not {wanted}")
    if pacer is None:
        raise ValueError("tagged without a pacer")
    return _TAG_PAGE(page, threshold, pacer)  # type: ignore[arg-type]


def _checked_store(run: object, rows: object) -> int:
    """The runner's store, refusing to write at a lowered priority."""
    if os.nice(0) != _PRIORITY["base"]:
        raise ValueError(f"stored at nice {os.nice(0)}")
    return _STORE(run, rows)  # type: ignore[arg-type]


_TAG_PAGE, _STORE = pipeline.runner.tag_page, pipeline.runner._Run.store


def _run_at_lowered_priority(engine: object, nice: int, answer: object) -> None:
    """In a forked child: a pooled run that checks each process's priority as it goes."""
    engine.dispose(close=False)  # type: ignore[attr-defined]
    _PRIORITY.update(base=os.nice(0), nice=nice)
    pipeline.runner.tag_page = _checked_tag_page  # type: ignore[assignment]
    pipeline.runner._Run.store = _checked_store  # type: ignore[method-assign]
    try:
        log = run_pipeline(
            engine,  # type: ignore[arg-type]
            batch_size=7,
            workers=2,
            nice=nice,
            pacer=Pacer(),
            # The workbooks' nice, as their count; -1 if they would not pause under load.
            after_tagging=lambda session, pacer: (
                os.nice(0) - _PRIORITY["base"] if pacer is not None else -1
            ),
        )
        answer.put((log.status, log.tagged, log.workbooks))  # type: ignore[attr-defined]
    except PipelineFailed as failed:
        answer.put((failed.run.status, failed.run.error, None))  # type: ignore[attr-defined]


def test_a_nice_run_tags_and_writes_workbooks_below_the_web_app_and_stores_at_its_own(
    app: Flask, event: Event
) -> None:
    add_responses(app, event, 30, seed=5)
    context = multiprocessing.get_context("fork")
    answer = context.Queue()
    child = context.Process(target=_run_at_lowered_priority, args=(engine_of(app), 4, answer))
    child.start()
    result = answer.get(timeout=120)
    child.join(30)
    assert result == ("succeeded", 30, min(4, 19 - os.nice(0)))
    assert tag_count(app) == 30


def test_a_failure_in_a_worker_fails_the_run_with_the_response(
    app: Flask, event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_id = _make_the_26th_of_40_fail(app, event, monkeypatch)  # inherited by the fork

    with pytest.raises(PipelineFailed) as caught:
        run_pipeline(engine_of(app), batch_size=10, workers=2)

    (log,) = runs(app)
    assert caught.value.run.id == log.id
    assert (log.status, log.error) == (
        "failed",
        f"response {failing_id}: ValueError: codebook exploded",
    )
    assert tag_count(app) == log.tagged == 20  # the pages before the failing one, as in-process
    assert not multiprocessing.active_children()


def test_a_worker_that_dies_fails_the_run_instead_of_hanging(
    app: Flask, event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = "This answer kills the worker."
    _add_with_marked(app, event, 30, 15, marker)

    def tag_or_die(text: str) -> object:
        if text == marker:
            os._exit(3)
        return tag_text(text)

    monkeypatch.setattr(pipeline.tag_rows, "tag_text", tag_or_die)
    monkeypatch.setattr(pipeline.workers, "WORKER_CHECK_S", 0.1)

    with pytest.raises(PipelineFailed):
        run_pipeline(engine_of(app), batch_size=10, workers=2)

    (log,) = runs(app)
    assert log.status == "failed"
    assert log.error == "WorkerDied: a tagging worker process died (exit code 3)"
    assert tag_count(app) == log.tagged == 10


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("after_tags", [0, 40])
def test_killed_job_leaves_no_worker_behind(
    app: Flask, event: Event, workers: int, after_tags: int
) -> None:
    """``kill -9`` of the nightly job: its workers end too, committed pages stay, rerun ends it."""
    add_responses(app, event, 150, seed=after_tags)
    command = [sys.executable, "-m", "flask", "--app=survey_app", "pipeline", "run"]
    process = subprocess.Popen(
        [*command, "--batch-size=10", f"--workers={workers}", "--no-workbooks"],
        env={**_env(app), "SURVEY_EXPORT_DIR": app.config["EXPORT_DIR"]},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # as cron starts the job
    )
    pool_size = workers if workers > 1 else 0
    children = stop_when(
        process, lambda pool: tag_count(app) >= after_tags and len(pool) >= pool_size
    )
    assert len(children) == pool_size
    kill_stopped(process)  # its workers go on, and see their parent gone
    committed = tag_count(app)
    assert committed % 10 == 0 or committed == 150

    deadline = time.monotonic() + 10
    while any(process_state(pid) not in (None, "Z") for pid in children):
        assert time.monotonic() < deadline, f"workers still running: {children}"
        time.sleep(0.05)

    wait_until_lock_is_free(engine_of(app))
    rerun = run_pipeline(engine_of(app), batch_size=10, workers=workers)
    assert rerun.status == "succeeded"
    assert tag_count(app) == response_count(app) == 150
    assert committed + rerun.tagged == 150


def test_the_main_process_stays_frozen_while_the_pool_lives(app: Flask) -> None:
    """A collection in the main process after the fork would copy the pages it shares with
    the workers: what existed at the fork is left alone until the pool is gone."""
    frozen_before = gc.get_freeze_count()
    with pipeline.workers.tagging_pool(engine_of(app), 2, 0) as pool:
        assert gc.get_freeze_count() > frozen_before
        gc.collect()
        assert gc.get_freeze_count() > frozen_before
        assert pool.pool.apply_async(tag_text, ("Wages fell.",)).get(timeout=60).language == "en"
    assert gc.get_freeze_count() == frozen_before


def test_the_workers_are_gone_before_the_workbooks_are_written(app: Flask, event: Event) -> None:
    """The workers' memory is given back before ``after_tagging`` (the workbooks) runs."""
    add_responses(app, event, 25)
    seen: list[int] = []

    def after_tagging(session: Session, pacer: Pacer | None) -> int:
        seen.append(len(multiprocessing.active_children()))
        return 0

    run = run_pipeline(engine_of(app), batch_size=10, workers=2, after_tagging=after_tagging)

    assert run.tagged == 25
    assert seen == [0]

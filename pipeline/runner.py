"""The nightly run around the tagger: select what changed, tag in batches, lock, run log.

Plain functions over an engine, so the CLI, the organisers' console and the exports can all
start a run without Flask. A run:

1. takes the pipeline lock (:mod:`pipeline.lock`) or raises :class:`PipelineLocked`;
2. marks runs left ``running`` by a killed process as failed, and commits its own start row;
3. pages through the responses that need tags by id (keyset pagination), and for each page
   reads the texts, tags them with no transaction open, then writes the tags in one short
   write transaction (``BEGIN IMMEDIATE`` on SQLite) and commits; a run killed halfway keeps
   the committed pages and the next run picks up the rest;
4. records how it ended in its :class:`PipelineRun` row, success or not.

With ``workers`` > 1 (the nightly CLI job) the pages are tagged in a pool of forked worker
processes while the main process keeps reading and storing, exactly as above: pages are
stored in id order, in the same short transactions, and no transaction is open while it
waits for the pool. The pool is forked once the tagger is warm (jieba's dictionary and the
codebook then stay shared copy-on-write) and before the lock and the run's connections
exist, so no database connection or lock crosses the fork; the workers only ever see plain
dicts of texts. They exit when the main process does, even on ``kill -9``: a pool worker
stops when its task pipe closes.

A response needs tags when it has no tag row, was amended since it was tagged
(``tagged_version``), or was tagged by another tagger version; ``full`` re-tags everything.
Every response gets a tag row, even one without text, so "nothing new" is one cheap query.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import datetime
from multiprocessing.pool import AsyncResult, Pool
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, func, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, load_only

from pipeline import TAGGER_VERSION, tag_text
from pipeline.lock import PipelineLocked, pipeline_lock
from pipeline.pacing import Pacer
from pipeline.tagger import default_tagger
from survey_db.engine import session_factory, transaction
from survey_db.models import PipelineRun, Response, ResponseTag, utcnow
from survey_db.models.vocabulary import FEEDBACK_TEXT_FIELDS, LEVELS

__all__ = [
    "BATCH_SIZE",
    "PipelineFailed",
    "PipelineLocked",
    "certainty",
    "machine_tags",
    "pace",
    "pending_count",
    "run_pipeline",
]

#: Responses read and tagged per page.
BATCH_SIZE = 500
#: Tag rows written per transaction. On SQLite each write transaction holds the database's
#: one write turn, and attendees' submissions wait for it: a page of 500 rows held it for
#: about 90 ms, a fifth of that keeps their wait short.
STORE_ROWS = 100
#: Pages handed to the pool ahead of the one being stored, per worker: enough to keep the
#: workers busy while the main process stores, few enough to keep memory flat.
PAGES_AHEAD = 2
#: Seconds between checks, while waiting for a page, that no worker died.
WORKER_CHECK_S = 1.0
#: One text per language, tagged before the pool is forked so all of the tagger is loaded.
_WARM_UP_TEXTS = (
    "Many gig workers lost their income when the lockdown began, but not all.",
    "封控期间很多灵活就业人员失去收入，而不是因为疫情本身。",
)

Page = list[tuple[int, int, dict[str, str]]]
#: This process's pacer once it tags at a lowered priority (see :mod:`pipeline.pacing`).
_pacer: Pacer | None = None
#: Distance of a level's score from the threshold beyond which the machine is sure of it.
CERTAINTY_BAND = 0.25
#: Certainty of a response whose texts carry no level at all: worth a person's look.
NO_LEVEL_CERTAINTY = 0.2


class PipelineFailed(Exception):
    """The run failed; ``run`` is its log row, already marked ``failed`` with the error."""

    def __init__(self, run: PipelineRun) -> None:
        self.run = run
        super().__init__(run.error)


class _TaggingError(Exception):
    """Tagging one response failed; the message names the response for the run log."""


class _WorkerDied(Exception):
    """A worker process of the pool ended while tagging (killed, out of memory)."""


def certainty(scores: dict[str, float], threshold: float, has_text: bool) -> float:
    """How sure the machine is of a response's levels, from 0 (unsure) to 1 (sure).

    Each level's score is a confidence in [0, 1] and the level is tagged at ``threshold``;
    a score close to the threshold could have gone either way. So certainty is the smallest
    distance of any level's score from the threshold, divided by :data:`CERTAINTY_BAND` and
    capped at 1. A response with text but no level at all is capped at
    :data:`NO_LEVEL_CERTAINTY`: it may talk of something the codebook misses. A response
    without text is certain (1.0): there is nothing to review. The review queue shows the
    lowest first.
    """
    margin = min((abs(score - threshold) for score in scores.values()), default=1.0)
    value = min(1.0, margin / CERTAINTY_BAND)
    if has_text and not any(score >= threshold for score in scores.values()):
        value = min(value, NO_LEVEL_CERTAINTY)
    return round(value, 4)


def machine_tags(texts: dict[str, str], threshold: float) -> dict[str, Any]:
    """Tag a response's texts (field -> text) and aggregate them into a tag row's columns."""
    results = {name: tag_text(text) for name, text in texts.items()}
    scores = dict.fromkeys(LEVELS, 0.0)
    evidence: dict[str, list[str]] = {}
    levels: set[str] = set()
    groups: set[str] = set()
    areas: set[str] = set()
    fields: dict[str, Any] = {}
    for name, result in results.items():
        levels |= result.levels
        groups |= result.groups
        areas |= result.areas
        for level, score in result.scores.items():
            scores[level] = max(scores.get(level, 0.0), score)
        for level, quotes in result.evidence.items():
            merged = evidence.setdefault(level, [])
            merged.extend(quote for quote in quotes if quote not in merged)
        plain = result.to_dict()
        fields[name] = {key: plain[key] for key in ("levels", "scores", "evidence", "sentiment")}
        fields[name]["language"] = result.language
    sentiments = [result.sentiment for result in results.values() if result.sentiment is not None]
    longest = max(texts, key=lambda name: len(texts[name]), default=None)
    return {
        "machine_levels": sorted(levels),
        "machine_scores": {level: round(score, 4) for level, score in scores.items()},
        "machine_evidence": {level: evidence[level] for level in sorted(evidence)},
        "machine_groups": sorted(groups),
        "machine_areas": sorted(areas),
        "fields": fields,
        "sentiment": round(sum(sentiments) / len(sentiments), 4) if sentiments else None,
        "text_language": results[longest].language if longest is not None else None,
        "certainty": certainty(scores, threshold, has_text=bool(results)),
    }


def _needs_tags() -> ColumnElement[bool]:
    """Which responses (outer-joined with their tag rows) an incremental run tags."""
    return or_(
        ResponseTag.id.is_(None),
        ResponseTag.tagged_version != Response.version,
        ResponseTag.tagger_version != TAGGER_VERSION,
    )


def _pending(query: Select[Any], full: bool) -> Select[Any]:
    """Narrow a query over responses to those a run tags."""
    if full:
        return query
    return query.outerjoin(ResponseTag, ResponseTag.response_id == Response.id).where(_needs_tags())


def pending_count(engine: Engine, *, full: bool = False) -> int:
    """How many responses a run would tag now (for a progress bar or the console)."""
    with session_factory(engine)() as session:
        return session.scalar(_pending(select(func.count(Response.id)), full)) or 0


def _texts(response: Response) -> dict[str, str]:
    return {name: text for name, text in response.texts().items() if text.strip()}


class _Run:
    """One run holding the lock: its log row, its sessions and its counts."""

    def __init__(self, engine: Engine, full: bool, trigger: str, batch_size: int) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.full = full
        self.batch_size = batch_size
        self.ceiling = 0
        self.read = session_factory(engine)
        self.write = session_factory(engine, write=True)
        self.threshold = default_tagger().codebook.threshold
        with transaction(self.write) as session:
            session.execute(
                update(PipelineRun)
                .where(PipelineRun.status == "running")
                .values(status="failed", finished_at=utcnow(), error="interrupted")
            )
            self.log = PipelineRun(
                status="running",
                mode="full" if full else "incremental",
                trigger=trigger,
                tagger_version=TAGGER_VERSION,
                started_at=utcnow(),
                **dict.fromkeys(
                    ("selected", "tagged", "unchanged", "reviewed_kept", "workbooks"), 0
                ),
            )
            session.add(self.log)

    def count(self) -> None:
        """Fix the run's scope (responses up to the newest id now; later ones wait), count it."""
        with self.read() as session:
            self.ceiling = session.scalar(select(func.max(Response.id))) or 0
            scope = Response.id <= self.ceiling
            total = session.scalar(select(func.count(Response.id)).where(scope)) or 0
            selected = session.scalar(
                _pending(select(func.count(Response.id)), self.full).where(scope)
            )
        self.log.selected = selected or 0
        self.log.unchanged = total - self.log.selected

    def batches(self) -> Iterator[list[tuple[int, int, dict[str, str]]]]:
        """Pages of (id, version, texts) by id, each read in its own short read transaction."""
        columns = [getattr(Response, name) for name in ("version", *FEEDBACK_TEXT_FIELDS, "text")]
        last = 0
        while True:
            query = (
                _pending(select(Response), self.full)
                .options(load_only(Response.kind, *columns))
                .where(Response.id > last, Response.id <= self.ceiling)
                .order_by(Response.id)
                .limit(self.batch_size)
            )
            with self.read() as session:
                page = [(item.id, item.version, _texts(item)) for item in session.scalars(query)]
            if not page:
                return
            yield page
            last = page[-1][0]

    def tagged(self, pool: Pool | None) -> Iterator[list[dict[str, Any]]]:
        """The tag rows of each page, in id order; tagged here, or in ``pool`` if given."""
        if pool is None:
            for page in self.batches():
                yield _tag_page(page, self.threshold)
            return
        pages = self.batches()
        ahead: deque[AsyncResult[list[dict[str, Any]]]] = deque()
        started = _workers_of(pool)
        limit = PAGES_AHEAD * len(started)

        def hand_out() -> None:
            # Reading a page is a short read transaction; nothing stays open meanwhile.
            while len(ahead) < limit and (page := next(pages, None)) is not None:
                ahead.append(pool.apply_async(_tag_page, (page, self.threshold)))

        hand_out()
        while ahead:
            rows = _wait(started, ahead.popleft())
            hand_out()  # the workers go on with the next pages while this one is stored
            yield rows

    def store(self, rows: list[dict[str, Any]]) -> int:
        """Insert or update up to STORE_ROWS tag rows in one write transaction (machine columns)."""
        ids = [row["response_id"] for row in rows]
        now = utcnow()
        with transaction(self.write) as session:
            # Responses deleted since they were read (demo purge) are skipped, and the
            # rest are share-locked on PostgreSQL until the commit.
            present = set(
                session.scalars(
                    select(Response.id).where(Response.id.in_(ids)).with_for_update(read=True)
                )
            )
            existing = {
                response_id: (tag_id, state)
                for tag_id, response_id, state in session.execute(
                    select(ResponseTag.id, ResponseTag.response_id, ResponseTag.review_state).where(
                        ResponseTag.response_id.in_(ids)
                    )
                )
            }
            new, changed, reviewed = [], [], 0
            for row in rows:
                response_id = row["response_id"]
                if response_id not in present:
                    continue
                values = {**row, "tagger_version": TAGGER_VERSION, "tagged_at": now}
                if response_id in existing:
                    tag_id, state = existing[response_id]
                    changed.append({**values, "id": tag_id})
                    reviewed += state != "machine"
                else:
                    new.append(values)
            if new:
                # render_nulls keeps one statement for the page: without it the ORM leaves
                # out None values and splits rows whose blanks differ into many statements.
                session.execute(insert(ResponseTag).execution_options(render_nulls=True), new)
            if changed:
                session.execute(update(ResponseTag), changed)
            # The log row counts along, so the console can follow a long run.
            session.execute(
                update(PipelineRun)
                .where(PipelineRun.id == self.log.id)
                .values(
                    tagged=self.log.tagged + len(new) + len(changed),
                    reviewed_kept=self.log.reviewed_kept + reviewed,
                )
            )
        self.log.tagged += len(new) + len(changed)
        self.log.reviewed_kept += reviewed
        return len(new) + len(changed)

    def finish(self, status: str, error: str | None = None) -> None:
        """Write how the run ended into its log row."""
        self.log.status = status
        self.log.error = error
        self.log.finished_at = utcnow()
        with transaction(self.write) as session:
            session.add(self.log)


def run_pipeline(
    engine: Engine,
    *,
    full: bool = False,
    trigger: str = "cli",
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
    after_tagging: Callable[[Session], int] | None = None,
    workers: int = 1,
    nice: int = 0,
) -> PipelineRun:
    """Tag what changed (everything with ``full``) and return the run's log row.

    ``progress`` is called after each page with the number of responses it tagged and the
    number the run selected (its scope is fixed when it starts: later responses wait). A
    page is written :data:`STORE_ROWS` rows per transaction. ``after_tagging`` runs once all
    tags are committed, still under the lock, with a session it may read and write
    (committed when it returns); it returns the number of workbooks it wrote.

    ``workers`` > 1 tags in that many forked processes (for the nightly job; a run inside a
    web request keeps 1, tagging in-process); the rows written are the same. ``nice`` lowers
    the CPU priority of the tagging and of ``after_tagging`` and paces them (:func:`pace`),
    so web requests come first; with a pool, this process stores each page at its own
    priority, since a slowed process holding SQLite's write lock would keep every submission
    waiting. Raises :class:`PipelineLocked` at once when another run holds the lock, and
    :class:`PipelineFailed` (with the failed log row) when the run fails.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    with ExitStack() as stack:
        pool = None
        if workers > 1:
            # Refuse at once when locked, before the warm-up and the fork; the lock itself
            # is taken after the fork so that no worker holds a copy of it.
            _refuse_if_locked(engine)
            # A pool only pays when there is more than a page to tag (an incremental run
            # usually has little or nothing); whatever arrives meanwhile is tagged in-process.
            if pending_count(engine, full=full) > batch_size:
                pool = stack.enter_context(_pool(engine, workers, nice))
        if pool is None:
            _lower_priority(nice)
        try:
            stack.enter_context(pipeline_lock(engine))
        except PipelineLocked:
            raise PipelineLocked(_running_since(engine)) from None
        run = _Run(engine, full, trigger, batch_size)
        try:
            run.count()
            for rows in run.tagged(pool):
                done = sum(
                    run.store(rows[start : start + STORE_ROWS])
                    for start in range(0, len(rows), STORE_ROWS)
                )
                if progress is not None:
                    progress(done, run.log.selected)
            if after_tagging is not None:
                if pool is not None:
                    _lower_priority(nice)
                if _pacer is not None:
                    _pacer.start()
                with transaction(run.read) as session:
                    run.log.workbooks = after_tagging(session)
        except Exception as error:
            with suppress(SQLAlchemyError):
                run.finish(
                    "failed",
                    str(error)
                    if isinstance(error, _TaggingError)
                    else f"{type(error).__name__}: {error}",
                )
            raise PipelineFailed(run.log) from error
        except BaseException:
            with suppress(SQLAlchemyError):
                run.finish("failed", "interrupted")
            raise
        run.finish("succeeded")
        return run.log


def _tag_page(page: Page, threshold: float) -> list[dict[str, Any]]:
    """A page's tag rows (no database: runs in a pool worker as well as in-process).

    In a process that yields to the web app, tagging pauses while attendees want the cores.
    """
    rows = []
    if _pacer is not None:
        _pacer.start()
    for response_id, version, texts in page:
        pace()
        try:
            columns = machine_tags(texts, threshold)
        except Exception as error:
            raise _TaggingError(
                f"response {response_id}: {type(error).__name__}: {error}"
            ) from error
        rows.append({"response_id": response_id, "tagged_version": version, **columns})
    return rows


def pace() -> None:
    """In a process that yields to the web app (a lowered run), pause while attendees want
    the cores; elsewhere nothing. Call it often from CPU-bound loops (tagging, workbooks)."""
    if _pacer is not None:
        _pacer.step()


def _refuse_if_locked(engine: Engine) -> None:
    """Raise :class:`PipelineLocked` if another run holds the lock now (a probe: takes nothing)."""
    try:
        with pipeline_lock(engine):
            pass
    except PipelineLocked:
        raise PipelineLocked(_running_since(engine)) from None


@contextmanager
def _pool(engine: Engine, workers: int, nice: int) -> Iterator[Pool]:
    """A pool of ``workers`` processes forked from a warm tagger; terminated on the way out."""
    for text in _WARM_UP_TEXTS:
        # Only to load the tagger before the fork: a tagger that fails here fails again on
        # a response, and the run logs that response's error as in-process.
        with suppress(Exception):
            tag_text(text)
    # Objects that exist now are never collected, so the collector never writes to (and
    # copies) the pages the workers share with this process.
    gc.freeze()
    try:
        pool = multiprocessing.get_context("fork").Pool(
            workers, initializer=_worker_start, initargs=(engine, nice)
        )
    finally:
        gc.unfreeze()
    try:
        yield pool
    finally:
        pool.terminate()  # workers still tagging pages nobody will store are stopped
        pool.join()


def _worker_start(engine: Engine, nice: int) -> None:
    """In a pool worker: drop the connections inherited from the parent, unused and unclosed;
    tag at the run's lowered priority."""
    engine.dispose(close=False)
    _lower_priority(nice)


def _lower_priority(nice: int) -> None:
    """Lower this process's CPU priority by ``nice`` and pace its work (0: leave both)."""
    global _pacer
    if nice:
        os.nice(nice)
        _pacer = Pacer()


def _workers_of(pool: Pool) -> list[Any]:
    return list(getattr(pool, "_pool", ()))  # the pool's processes (CPython's attribute)


def _wait(started: list[Any], result: AsyncResult[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The rows of a page handed to the pool; its error, or :class:`_WorkerDied`, if it fails.

    A pool replaces a worker that dies and loses its task, whose result would never come:
    so while waiting, check now and then that none of the workers ``started`` has ended.
    """
    while not result.ready():
        result.wait(WORKER_CHECK_S)
        codes = [process.exitcode for process in started if process.exitcode is not None]
        if codes and not result.ready():
            raise _WorkerDied(
                f"a tagging worker process died (exit code {', '.join(map(str, codes))})"
            )
    return result.get()


def _running_since(engine: Engine) -> datetime | None:
    """When the run now holding the lock started, from its log row (None if not found)."""
    with session_factory(engine)() as session:
        return session.scalar(
            select(func.max(PipelineRun.started_at)).where(PipelineRun.status == "running")
        )

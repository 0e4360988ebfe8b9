"""The nightly run around the tagger: select what changed, tag in pages, lock, run log.

Plain functions over an engine, so the CLI (cron, or the console's *Tag now* through the same
command) and the benchmarks start a run without Flask. A run:

1. takes the pipeline lock (:mod:`pipeline.lock`) or raises :class:`PipelineLocked`;
2. marks runs left ``running`` by a killed process as failed, and commits its own start row;
3. pages through the responses that need tags by id (keyset pagination), and for each page
   reads the texts, tags them with no transaction open (:mod:`pipeline.tag_rows`), then writes
   the tags in short write transactions (``BEGIN IMMEDIATE`` on SQLite) and commits; a run
   killed halfway keeps the committed pages and the next run picks up the rest;
4. records how it ended in its :class:`PipelineRun` row, success or not.

With ``workers`` > 1 (the nightly CLI job) the pages are tagged in a pool of forked worker
processes (:mod:`pipeline.workers`) while the main process keeps reading and storing, exactly
as above: pages are stored in id order, in the same short transactions, and no transaction is
open while it waits for the pool.

A response needs tags when it has no tag row, was amended since it was tagged
(``tagged_version``), or was tagged by another tagger version; ``full`` re-tags everything.
Every response gets a tag row, even one without text, so "nothing new" is one cheap query.
A run may be limited to one event (``event_id``); its log row says which.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from datetime import datetime
from functools import lru_cache
from multiprocessing.pool import AsyncResult
from typing import Any

from sqlalchemy import ColumnElement, Engine, Row, Select, func, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pipeline import TAGGER_VERSION
from pipeline.codebook import Addition, load_codebook, unique_additions
from pipeline.lock import PipelineLocked, pipeline_lock
from pipeline.pacing import Pacer
from pipeline.tag_rows import Page, TaggingError, tag_page
from pipeline.tagger import build_tagger
from pipeline.workers import WARM_UP_TEXTS, TaggingPool, tagging_pool
from survey_db.engine import session_factory, transaction
from survey_db.models import PipelineRun, Response, ResponseTag, utcnow
from survey_db.models.overlay import active_terms
from survey_db.models.vocabulary import FEEDBACK_TEXT_FIELDS

__all__ = ["BATCH_SIZE", "PipelineFailed", "PipelineLocked", "pending_count", "run_pipeline"]

#: Responses read and tagged per page.
BATCH_SIZE = 500
#: Tag rows written per transaction. On SQLite each write transaction holds the database's
#: one write turn, and attendees' submissions wait for it: a page of 500 rows held it for
#: about 90 ms, a fifth of that keeps their wait short.
STORE_ROWS = 100
#: Pages handed to the pool ahead of the one being stored, per worker: enough to keep the
#: workers busy while the main process stores, few enough to keep memory flat.
PAGES_AHEAD = 2


class PipelineFailed(Exception):
    """The run failed; ``run`` is its log row, already marked ``failed`` with the error."""

    def __init__(self, run: PipelineRun) -> None:
        self.run = run
        super().__init__(run.error)


def overlay(engine: Engine) -> tuple[tuple[Addition, ...], str]:
    """The codebook overlay's terms in the database, and the tagger version they make with
    the bundled codebook: a term added or removed changes it, so the next run re-tags."""
    with session_factory(engine)() as session:
        return overlay_in(session)


def overlay_in(session: Session) -> tuple[tuple[Addition, ...], str]:
    """:func:`overlay`, read through an open session (a workbook names the version)."""
    additions = unique_additions(Addition(*term) for term in active_terms(session))
    return additions, _version(additions) if additions else TAGGER_VERSION


@lru_cache(maxsize=8)
def _version(additions: tuple[Addition, ...]) -> str:
    return load_codebook(additions=additions).tagger_version


def _needs_tags(version: str) -> ColumnElement[bool]:
    """Which responses (outer-joined with their tag rows) an incremental run tags."""
    return or_(
        ResponseTag.id.is_(None),
        ResponseTag.tagged_version != Response.version,
        ResponseTag.tagger_version != version,
    )


def _pending(
    query: Select[Any], full: bool, event_id: int | None = None, version: str = ""
) -> Select[Any]:
    """Narrow a query over responses to those a run tags (of one event, if given)."""
    if event_id is not None:
        query = query.where(Response.event_id == event_id)
    if full:
        return query
    return query.outerjoin(ResponseTag, ResponseTag.response_id == Response.id).where(
        _needs_tags(version)
    )


def pending_count(engine: Engine, *, full: bool = False, event_id: int | None = None) -> int:
    """How many responses a run would tag now (for a progress bar or the console)."""
    version = overlay(engine)[1]
    with session_factory(engine)() as session:
        query = _pending(select(func.count(Response.id)), full, event_id, version)
        return session.scalar(query) or 0


def _texts(row: Row[Any]) -> dict[str, str]:
    """The texts to tag of a response read as a row (id, version, kind and its text columns).

    Read by the model's own rule (:meth:`Response.texts`, which only reads those attributes):
    rows cost the main process a fraction of what building 500 ORM objects a page did.
    """
    return {name: text for name, text in Response.texts(row).items() if text.strip()}


class _Run:
    """One run holding the lock: its log row, its sessions and its counts."""

    def __init__(
        self,
        engine: Engine,
        full: bool,
        trigger: str,
        batch_size: int,
        event_id: int | None,
        pacer: Pacer | None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.full = full
        self.batch_size = batch_size
        self.event_id = event_id
        self.pacer = pacer
        self.ceiling = 0
        self.read = session_factory(engine)
        self.write = session_factory(engine, write=True)
        # The overlay is read once: the whole run tags with the codebook as it was then.
        self.additions, self.version = overlay(engine)
        self.threshold = build_tagger(self.additions).codebook.threshold
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
                event_id=event_id,
                tagger_version=self.version,
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
            everything = select(func.count(Response.id)).where(scope)
            if self.event_id is not None:
                everything = everything.where(Response.event_id == self.event_id)
            total = session.scalar(everything) or 0
            selected = session.scalar(
                _pending(
                    select(func.count(Response.id)), self.full, self.event_id, self.version
                ).where(scope)
            )
        self.log.selected = selected or 0
        self.log.unchanged = total - self.log.selected
        # Written at once, so the console can show "N of M" while the run works.
        with transaction(self.write) as session:
            session.execute(
                update(PipelineRun)
                .where(PipelineRun.id == self.log.id)
                .values(selected=self.log.selected, unchanged=self.log.unchanged)
            )

    def batches(self) -> Iterator[Page]:
        """Pages of (id, version, texts) by id, each read in its own short read transaction."""
        columns = [
            getattr(Response, name)
            for name in ("id", "version", "kind", *FEEDBACK_TEXT_FIELDS, "text")
        ]
        last = 0
        while True:
            query = (
                _pending(select(*columns), self.full, self.event_id, self.version)
                .where(Response.id > last, Response.id <= self.ceiling)
                .order_by(Response.id)
                .limit(self.batch_size)
            )
            with self.read() as session:
                page = [(row.id, row.version, _texts(row)) for row in session.execute(query)]
            if not page:
                return
            yield page
            last = page[-1][0]

    def tag_page_args(self, page: Page) -> tuple[Any, ...]:
        """The arguments of :func:`tag_page` for ``page``; the overlay's terms if there are any."""
        return (page, self.threshold, self.pacer, *((self.additions,) if self.additions else ()))

    def tagged(self, pool: TaggingPool | None) -> Iterator[list[dict[str, Any]]]:
        """The tag rows of each page, in id order; tagged here, or in ``pool`` if given."""
        if pool is None:
            for page in self.batches():
                yield tag_page(*self.tag_page_args(page))
            return
        pages = self.batches()
        ahead: deque[AsyncResult[list[dict[str, Any]]]] = deque()
        limit = PAGES_AHEAD * len(pool.processes)

        def hand_out() -> None:
            # Reading a page is a short read transaction; nothing stays open meanwhile.
            while len(ahead) < limit and (page := next(pages, None)) is not None:
                ahead.append(pool.pool.apply_async(tag_page, self.tag_page_args(page)))

        hand_out()
        while ahead:
            rows = pool.wait(ahead.popleft())
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
                values = {**row, "tagger_version": self.version, "tagged_at": now}
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
    after_tagging: Callable[[Session, Pacer | None], int] | None = None,
    workers: int = 1,
    nice: int = 0,
    pacer: Pacer | None = None,
    event_id: int | None = None,
) -> PipelineRun:
    """Tag what changed (everything with ``full``; one event's with ``event_id``) and return
    the run's log row.

    ``progress`` is called after each page with the number of responses it tagged and the
    number the run selected (its scope is fixed when it starts: later responses wait). A
    page is written :data:`STORE_ROWS` rows per transaction. ``after_tagging`` runs once all
    tags are committed, still under the lock, with a session it may read and write
    (committed when it returns) and the run's pacer; it returns the number of workbooks it
    wrote.

    ``workers`` > 1 tags in that many forked processes; the rows written are the same.
    ``nice`` lowers the CPU priority of the tagging and of ``after_tagging``, and ``pacer``
    (:mod:`pipeline.pacing`) pauses them while web requests want the cores; with a pool,
    this process stores each page at its own priority, since a slowed process holding
    SQLite's write lock would keep every submission waiting. Raises :class:`PipelineLocked`
    at once when another run holds the lock, and :class:`PipelineFailed` (with the failed
    log row) when the run fails.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    with ExitStack() as stack:
        # the pool in a scope of its own: closed once the tags are stored, so its workers'
        # memory is given back before ``after_tagging`` writes the workbooks
        pool_scope = stack.enter_context(ExitStack())
        pool = None
        if workers > 1:
            # Refuse at once when locked, before the warm-up and the fork; the lock itself
            # is taken after the fork so that no worker holds a copy of it.
            _refuse_if_locked(engine)
            # A pool only pays when there is more than a page to tag (an incremental run
            # usually has little or nothing); whatever arrives meanwhile is tagged in-process.
            if pending_count(engine, full=full, event_id=event_id) > batch_size:
                # The overlay's tagger is built before the fork, so the workers share it.
                tagger = build_tagger(overlay(engine)[0])
                for text in WARM_UP_TEXTS:
                    tagger.tag(text)
                pool = pool_scope.enter_context(tagging_pool(engine, workers, nice))
        if pool is None and nice:
            os.nice(nice)
        try:
            stack.enter_context(pipeline_lock(engine))
        except PipelineLocked:
            raise PipelineLocked(_running_since(engine)) from None
        run = _Run(engine, full, trigger, batch_size, event_id, pacer)
        try:
            run.count()
            for rows in run.tagged(pool):
                done = sum(
                    run.store(rows[start : start + STORE_ROWS])
                    for start in range(0, len(rows), STORE_ROWS)
                )
                if progress is not None:
                    progress(done, run.log.selected)
            pool_scope.close()
            if after_tagging is not None:
                if pool is not None and nice:
                    os.nice(nice)
                if pacer is not None:
                    pacer.start()
                with transaction(run.read) as session:
                    run.log.workbooks = after_tagging(session, pacer)
        except Exception as error:
            with suppress(SQLAlchemyError):
                run.finish(
                    "failed",
                    str(error)
                    if isinstance(error, TaggingError)
                    else f"{type(error).__name__}: {error}",
                )
            raise PipelineFailed(run.log) from error
        except BaseException:
            with suppress(SQLAlchemyError):
                run.finish("failed", "interrupted")
            raise
        run.finish("succeeded")
        return run.log


def _refuse_if_locked(engine: Engine) -> None:
    """Raise :class:`PipelineLocked` if another run holds the lock now (a probe: takes nothing)."""
    try:
        with pipeline_lock(engine):
            pass
    except PipelineLocked:
        raise PipelineLocked(_running_since(engine)) from None


def _running_since(engine: Engine) -> datetime | None:
    """When the run now holding the lock started, from its log row (None if not found)."""
    with session_factory(engine)() as session:
        return session.scalar(
            select(func.max(PipelineRun.started_at)).where(PipelineRun.status == "running")
        )

"""The tagging processes of a nightly run: a pool forked from a warm tagger.

The pool is forked once the tagger is warm (jieba's dictionary and the codebook then stay
shared copy-on-write) and before the run's lock and connections exist, so no database
connection or lock crosses the fork; the workers only ever see plain dicts of texts. They
exit when the main process does, even on ``kill -9``: a pool worker stops when its task pipe
closes. A worker that dies loses its task, whose result would never come, so waiting for a
page also watches the processes the pool started.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from multiprocessing.pool import AsyncResult, Pool
from multiprocessing.process import BaseProcess
from typing import Any

from sqlalchemy import Engine

from pipeline.tagger import tag_text

#: Seconds between checks, while waiting for a page, that no worker died.
WORKER_CHECK_S = 1.0
#: One text per language, tagged before the pool is forked so all of the tagger is loaded.
WARM_UP_TEXTS = (
    "Many gig workers lost their income when the lockdown began, but not all.",
    "封控期间很多灵活就业人员失去收入，而不是因为疫情本身。",
)


class WorkerDied(Exception):
    """A worker process of the pool ended while tagging (killed, out of memory)."""


class TaggingPool:
    """A process pool and the worker processes it started (to notice one dying)."""

    def __init__(self, pool: Pool, processes: list[BaseProcess]) -> None:
        self.pool = pool
        self.processes = processes

    def wait(self, result: AsyncResult[list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """The rows of a page handed to the pool; its error, or :class:`WorkerDied`."""
        while not result.ready():
            result.wait(WORKER_CHECK_S)
            codes = [p.exitcode for p in self.processes if p.exitcode is not None]
            if codes and not result.ready():
                raise WorkerDied(
                    f"a tagging worker process died (exit code {', '.join(map(str, codes))})"
                )
        return result.get()


@contextmanager
def tagging_pool(engine: Engine, workers: int, nice: int) -> Iterator[TaggingPool]:
    """``workers`` processes forked from a warm tagger; terminated on the way out."""
    for text in WARM_UP_TEXTS:
        # Only to load the tagger before the fork: a tagger that fails here fails again on
        # a response, and the run logs that response's error as in-process.
        with suppress(Exception):
            tag_text(text)
    before = set(multiprocessing.active_children())
    # Objects that exist now are not collected while the workers live, so the collector
    # never writes to (and copies) the pages the workers share with this process: not in
    # the workers, and not here either (a full collection here, after the fork, copied
    # every page holding an object the collector tracks).
    gc.freeze()
    try:
        pool = multiprocessing.get_context("fork").Pool(
            workers, initializer=_worker_start, initargs=(engine, nice)
        )
    except BaseException:
        gc.unfreeze()
        raise
    started = [p for p in multiprocessing.active_children() if p not in before]
    try:
        yield TaggingPool(pool, started)
    finally:
        pool.terminate()  # workers still tagging pages nobody will store are stopped
        pool.join()
        gc.unfreeze()


def _worker_start(engine: Engine, nice: int) -> None:
    """In a pool worker: drop the connections inherited from the parent, unused and unclosed;
    tag at the run's lowered priority."""
    engine.dispose(close=False)
    if nice:
        os.nice(nice)

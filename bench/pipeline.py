"""Benchmark the nightly run against bare TextBlob sentiment on the same texts, in one go.

    python bench/pipeline.py [--responses N] [--sizes 20000,100000] [--database-url URL]

For each size: a fresh database with N synthetic responses; then, in a child process (so
its peak memory is the run's own), a full run and an incremental run with nothing new; then,
in another child (cold, like the run's), ``TextBlob(t).sentiment.polarity`` and bare
``tag_text`` over every text of those responses.
Prints texts/s of each, the run's ratio to TextBlob, the incremental run's seconds and
the peak memory (ru_maxrss).
Targets: the full run at least half TextBlob's rate; incremental under 2 s at 100,000;
peak memory under 250 MB and flat as N grows. Without ``--database-url`` each size gets
a SQLite file in a temp dir; a given database must be empty, and is emptied again after each size.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# This script is named like the package it measures: keep its own folder off the import path.
sys.path.remove(str(Path(__file__).resolve().parent))

from sqlalchemy import func, select

from survey_app import create_app, migrate
from survey_app.db import session_factory
from survey_app.demo import make_demo_responses
from survey_app.events import FIRST_EVENT_FILE, apply_event, parse_event_yaml
from survey_app.models import Event, Response

TARGET_RATIO = 0.5
TARGET_INCREMENTAL_S = 2.0
TARGET_PEAK_MB = 250.0


def _peak_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill(url: str, count: int) -> float:
    """Migrate ``url``, load the first event and add ``count`` demo responses; seconds taken."""
    started = time.perf_counter()
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    engine = app.extensions["survey_db"]["engine"]
    with session_factory(engine, write=True)() as session:
        if session.scalar(select(func.count(Response.id))):
            sys.exit(f"{url} already holds responses; the benchmark needs an empty database")
        spec = parse_event_yaml(FIRST_EVENT_FILE.read_text("utf-8"))
        apply_event(session, spec, status="open")
        session.flush()
        event = session.scalar(select(Event).where(Event.slug == spec.event["slug"]))
        make_demo_responses(session, event, count, seed=20201110)
        session.commit()
    engine.dispose()
    return time.perf_counter() - started


def measure_runs(url: str, batch_size: int) -> dict[str, float]:
    """In a child of its own: a full run, then an incremental one, and the peak memory."""
    from pipeline.runner import run_pipeline
    from survey_app.db import make_engine

    engine = make_engine(url)
    before_mb = _peak_mb()
    started = time.perf_counter()
    run = run_pipeline(engine, full=True, batch_size=batch_size, trigger="bench")
    full_s = time.perf_counter() - started
    peak_mb = _peak_mb()
    started = time.perf_counter()
    again = run_pipeline(engine, batch_size=batch_size, trigger="bench")
    incremental_s = time.perf_counter() - started
    engine.dispose()
    if again.tagged:
        raise SystemExit(f"the incremental run tagged {again.tagged} responses, expected 0")
    return {
        "responses": run.tagged,
        "full_s": full_s,
        "incremental_s": incremental_s,
        "baseline_mb": before_mb,
        "peak_mb": peak_mb,
    }


def measure_bare(url: str) -> dict[str, float]:
    """In another child, cold like the run's: TextBlob, then bare ``tag_text``, on its texts."""
    from textblob import TextBlob

    from pipeline import tag_text
    from survey_app.db import make_engine

    engine = make_engine(url)
    with session_factory(engine)() as session:
        responses = session.scalars(select(Response).execution_options(yield_per=5000))
        texts = [text for item in responses for text in item.texts().values() if text.strip()]
    engine.dispose()
    started = time.perf_counter()
    for text in texts:
        TextBlob(text).sentiment.polarity  # noqa: B018
    textblob_s = time.perf_counter() - started
    started = time.perf_counter()
    for text in texts:
        tag_text(text)
    return {
        "texts": len(texts),
        "textblob_s": textblob_s,
        "tagger_s": time.perf_counter() - started,
    }


def _child(mode: str, url: str, batch_size: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", mode, "--child-url", url]
    command += ["--batch-size", str(batch_size)]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.splitlines()[-1])


def _report(size: int, fill_s: float, figures: dict[str, float]) -> bool:
    pipeline_rate = figures["texts"] / figures["full_s"]
    textblob_rate = figures["texts"] / figures["textblob_s"]
    tagger_rate = figures["texts"] / figures["tagger_s"]
    ratio = pipeline_rate / textblob_rate
    checks = {
        "ratio": ratio >= TARGET_RATIO,
        "incremental": figures["incremental_s"] < TARGET_INCREMENTAL_S,
        "memory": figures["peak_mb"] < TARGET_PEAK_MB,
    }
    print(
        f"\n{size:,} responses ({figures['texts']:,.0f} texts; demo data made in {fill_s:.1f} s)\n"
        f"  full run      {figures['full_s']:8.2f} s  {pipeline_rate:9,.0f} texts/s\n"
        f"  TextBlob bare {figures['textblob_s']:8.2f} s  {textblob_rate:9,.0f} texts/s\n"
        f"  tagger bare   {figures['tagger_s']:8.2f} s  {tagger_rate:9,.0f} texts/s"
        f" (tag_text alone: the runner's share is the rest)\n"
        f"  ratio         {ratio:8.2f}    (target >= {TARGET_RATIO}) "
        f"{'ok' if checks['ratio'] else 'MISSED'}\n"
        f"  incremental   {figures['incremental_s']:8.3f} s  (target < {TARGET_INCREMENTAL_S} s)"
        f" {'ok' if checks['incremental'] else 'MISSED'}\n"
        f"  peak memory   {figures['peak_mb']:8.1f} MB (ru_maxrss; {figures['baseline_mb']:.1f} MB "
        f"before the run; target < {TARGET_PEAK_MB:.0f} MB) "
        f"{'ok' if checks['memory'] else 'MISSED'}",
        flush=True,
    )
    return all(checks.values())


def _reset(url: str) -> None:
    """Empty a database the benchmark filled, for the next size."""
    migrate.downgrade(url, "base")


def main() -> None:
    """Parse the arguments and benchmark each size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--sizes", help="comma-separated sizes, e.g. 20000,100000")
    parser.add_argument("--database-url", help="an empty database (default: a temp SQLite file)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--child", choices=("runs", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--child-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        runs = args.child == "runs"
        figures = (
            measure_runs(args.child_url, args.batch_size) if runs else measure_bare(args.child_url)
        )
        print(json.dumps(figures))
        return

    sizes = [int(size) for size in args.sizes.split(",")] if args.sizes else [args.responses]
    all_ok = True
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as folder:
        for size in sizes:
            url = args.database_url or f"sqlite:///{Path(folder) / f'bench-{size}.sqlite3'}"
            fill_s = fill(url, size)
            figures = _child("runs", url, args.batch_size) | _child("bare", url, args.batch_size)
            all_ok &= _report(size, fill_s, figures)
            if args.database_url:
                _reset(url)
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()

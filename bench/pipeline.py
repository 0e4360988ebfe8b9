"""Benchmark the nightly run against bare TextBlob sentiment on the same texts, in one go.

    python bench/pipeline.py [--responses N] [--sizes 20000,100000] [--workers 1,2]
                             [--database-url URL]

For each size: a database with N synthetic responses; then, for each workers setting, in a
child process of its own (so its peak memory is the run's own), a full run on a fresh copy
of it and an incremental run with nothing new; then, in another child (cold, like the
run's), ``TextBlob(t).sentiment.polarity`` and bare ``tag_text`` over every text of those
responses. Prints texts/s of each, each run's ratio to TextBlob, the incremental run's
seconds and the run's memory: ru_maxrss of the main process and of its largest worker
(RUSAGE_CHILDREN), and the peak of the PSS summed over the run's processes (from
/proc/<pid>/smaps_rollup, sampled every 0.1 s during the full run), which counts the pages
the workers share with the main process once.
Then the job as cron starts it (``flask --app survey_app pipeline run --full``, which builds
the app first and writes the workbooks after tagging) on another fresh copy: its peak PSS sum.
Targets: the full run at least half TextBlob's rate; incremental under 2 s at 100,000;
memory under 250 MB (the PSS sum, of the run and of the job) and flat as N grows. Without
``--database-url`` each size gets a SQLite file in a temp dir (copied for each run); a given
database must be empty, is filled again for each workers setting, and is emptied again after
each size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# This script is named like the package it measures: keep its own folder off the import path.
sys.path.remove(str(Path(__file__).resolve().parent))

from sqlalchemy import func, select

from survey_app import create_app
from survey_app.demo import make_demo_responses
from survey_app.events import FIRST_EVENT_FILE, apply_event, parse_event_yaml
from survey_db import migrate
from survey_db.engine import session_factory
from survey_db.models import Event, Response

TARGET_RATIO = 0.5
TARGET_INCREMENTAL_S = 2.0
TARGET_PEAK_MB = 250.0


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory so far (ru_maxrss is in KiB on Linux) of this process, or with
    RUSAGE_CHILDREN of its largest child waited for."""
    return resource.getrusage(who).ru_maxrss / 1024


def _pss_kib(pid: int) -> int:
    """Proportional set size of a process (shared pages divided among their sharers)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    """``pid`` and its children's pids, recursively (from /proc/<pid>/task/*/children)."""
    found = [pid]
    for item in found:
        try:
            tasks = os.listdir(f"/proc/{item}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{item}/task/{task}/children", encoding="ascii") as children:
                    found.extend(int(child) for child in children.read().split())
            except (OSError, ValueError):
                continue
    return found


class PssSampler(threading.Thread):
    """Samples the PSS sum of a process (this one by default) and its descendants until
    stopped; keeps the peak."""

    def __init__(self, interval: float = 0.1, root: int | None = None) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.root = os.getpid() if root is None else root
        self.peak_kib = 0
        self.most_processes = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            pids = _descendants(self.root)
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(pid) for pid in pids))
            self.most_processes = max(self.most_processes, len(pids))
            self._done.wait(self.interval)

    def stop(self) -> float:
        """Stop sampling; the peak PSS sum in MB."""
        self._done.set()
        self.join()
        return self.peak_kib / 1024


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


def measure_runs(url: str, batch_size: int, workers: int) -> dict[str, float]:
    """In a child of its own: a full run, then an incremental one, and their memory."""
    from pipeline.runner import run_pipeline
    from survey_db.engine import make_engine

    engine = make_engine(url)
    before_mb = _peak_mb()
    sampler = PssSampler()
    sampler.start()
    started = time.perf_counter()
    run = run_pipeline(engine, full=True, batch_size=batch_size, trigger="bench", workers=workers)
    full_s = time.perf_counter() - started
    pss_mb = sampler.stop()
    peak_mb = _peak_mb()
    started = time.perf_counter()
    again = run_pipeline(engine, batch_size=batch_size, trigger="bench", workers=workers)
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
        "child_peak_mb": _peak_mb(resource.RUSAGE_CHILDREN),
        "pss_mb": pss_mb,
        "processes": sampler.most_processes,
    }


def measure_job(url: str, workers: int, folder: Path) -> dict[str, float]:
    """The job as cron starts it, ``flask --app survey_app pipeline run --full``: the app
    built first, then the tagging and the workbooks; its peak PSS sum and its seconds. At
    the web app's priority, so its pacer does not pause it for this benchmark's own load."""
    command = [sys.executable, "-m", "flask", "--app", "survey_app", "pipeline", "run"]
    command += ["--full", "--workers", str(workers), "--nice", "0"]
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": url,
        "SURVEY_SECRET_KEY": "bench",
        "SURVEY_EXPORT_DIR": str(folder / "exports"),
    }
    started = time.perf_counter()
    job = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    sampler = PssSampler(root=job.pid)
    sampler.start()
    if job.wait():
        raise SystemExit(f"the job failed ({job.returncode})")
    return {"job_s": time.perf_counter() - started, "job_pss_mb": sampler.stop()}


def measure_bare(url: str) -> dict[str, float]:
    """In another child, cold like the run's: TextBlob, then bare ``tag_text``, on its texts."""
    from textblob import TextBlob

    from pipeline import tag_text
    from survey_db.engine import make_engine

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


def _child(mode: str, url: str, batch_size: int, workers: int = 1) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", mode, "--child-url", url]
    command += ["--batch-size", str(batch_size), "--workers", str(workers)]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.splitlines()[-1])


def _ok(passed: bool) -> str:
    return "ok" if passed else "MISSED"


def _report(
    size: int, fill_s: float, bare: dict[str, float], runs: dict[int, dict[str, float]]
) -> bool:
    texts = bare["texts"]
    textblob_rate = texts / bare["textblob_s"]
    tagger_rate = texts / bare["tagger_s"]
    lines = [
        f"\n{size:,} responses ({texts:,.0f} texts; demo data made in {fill_s:.1f} s)",
        f"  TextBlob bare      {bare['textblob_s']:8.2f} s  {textblob_rate:9,.0f} texts/s",
        f"  tagger bare        {bare['tagger_s']:8.2f} s  {tagger_rate:9,.0f} texts/s"
        f"  ratio {tagger_rate / textblob_rate:.2f} (tag_text alone, one process)",
    ]
    all_ok = True
    for workers, figures in runs.items():
        rate = texts / figures["full_s"]
        ratio = rate / textblob_rate
        checks = {
            "ratio": ratio >= TARGET_RATIO,
            "incremental": figures["incremental_s"] < TARGET_INCREMENTAL_S,
            "memory": figures["pss_mb"] < TARGET_PEAK_MB,
            "job memory": figures["job_pss_mb"] < TARGET_PEAK_MB,
        }
        all_ok &= all(checks.values())
        lines += [
            f"  --workers {workers}",
            f"    full run         {figures['full_s']:8.2f} s  {rate:9,.0f} texts/s"
            f"  ratio {ratio:.2f} (target >= {TARGET_RATIO}) {_ok(checks['ratio'])}",
            f"    incremental      {figures['incremental_s']:8.3f} s"
            f"  (no-op; target < {TARGET_INCREMENTAL_S} s) {_ok(checks['incremental'])}",
            f"    memory PSS sum   {figures['pss_mb']:8.1f} MB"
            f" (peak over {figures['processes']:.0f} processes; target < {TARGET_PEAK_MB:.0f} MB)"
            f" {_ok(checks['memory'])}",
            f"    the job via CLI  {figures['job_pss_mb']:8.1f} MB PSS sum"
            f" in {figures['job_s']:.2f} s"
            f" (the app, tagging, workbooks; target < {TARGET_PEAK_MB:.0f} MB)"
            f" {_ok(checks['job memory'])}",
            f"    ru_maxrss        {figures['peak_mb']:8.1f} MB main"
            f" ({figures['baseline_mb']:.1f} MB before the run),"
            f" {figures['child_peak_mb']:.1f} MB largest worker",
        ]
    print("\n".join(lines), flush=True)
    return all_ok


def _configuration(args: argparse.Namespace, workers: list[int]) -> str:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"Python {platform.python_version()} on {platform.platform()}; {os.cpu_count()} CPUs;"
        f" load average {load}\n"
        f"batch size {args.batch_size}; workers {', '.join(map(str, workers))};"
        f" database {args.database_url or 'SQLite file in a temp dir'}"
    )


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
    parser.add_argument("--workers", default="1,2", help="comma-separated workers settings")
    parser.add_argument("--child", choices=("runs", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--child-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        runs = args.child == "runs"
        figures = (
            measure_runs(args.child_url, args.batch_size, int(args.workers))
            if runs
            else measure_bare(args.child_url)
        )
        print(json.dumps(figures))
        return

    sizes = [int(size) for size in args.sizes.split(",")] if args.sizes else [args.responses]
    workers = [int(count) for count in args.workers.split(",")]
    print(_configuration(args, workers), flush=True)
    all_ok = True
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as folder:
        for size in sizes:
            runs: dict[int, dict[str, float]] = {}
            if args.database_url:
                url = args.database_url
                bare = None
                for count in workers:
                    fill_s = fill(url, size)
                    runs[count] = _child("runs", url, args.batch_size, count)
                    runs[count] |= measure_job(url, count, Path(folder))
                    bare = bare or _child("bare", url, args.batch_size)
                    _reset(url)
            else:
                filled = Path(folder) / f"bench-{size}.sqlite3"
                fill_s = fill(f"sqlite:///{filled}", size)
                for count in workers:
                    copy = Path(folder) / f"bench-{size}-workers-{count}.sqlite3"
                    shutil.copyfile(filled, copy)
                    runs[count] = _child("runs", f"sqlite:///{copy}", args.batch_size, count)
                    shutil.copyfile(filled, copy)
                    runs[count] |= measure_job(f"sqlite:///{copy}", count, Path(folder))
                    copy.unlink()
                bare = _child("bare", f"sqlite:///{filled}", args.batch_size)
            all_ok &= _report(size, fill_s, bare, runs)
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()

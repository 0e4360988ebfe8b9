"""Benchmark the summary workbook against bare openpyxl and pandas on the same rows.

    python bench/export.py [--responses N] [--database-url URL]

Fills a scratch database (a temporary SQLite file unless ``--database-url`` names one; its
demo responses of the first event are replaced) with N demo responses and synthetic machine
tags, then builds the summary three ways, each in a fresh process so peak memory is its own:

- ``summary``: :func:`exports.build_summary` as shipped;
- ``openpyxl``: the same queries and rows, but every value goes to a bare write-only sheet as
  it is (no cell preparation, styles or tables; the two small charts stay);
- ``pandas``: the same rows collected into one DataFrame per sheet and written with
  ``DataFrame.to_excel``.

Each variant is timed ``--repeat`` times (default 3), the variants taking turns so a busy
moment on the machine hits them alike; the fastest run of each counts and the slowest is shown
beside it. One more run of each under tracemalloc gives its peak of Python allocations (the
jieba dictionary the topic phrases load included); ru_maxrss is the largest of the timed runs.
Prints seconds, both memory figures and the file size of each, and the ratios to the summary.

    python bench/export.py --downloads [--responses N] [--database-url URL] [--filled]

times the console's downloads instead, as an organiser meets them (Flask test client, an
admin signed in): the summary with the demo answers (the bench's answers are demo ones) and
the raw responses. For each: the longest a request waited, and the seconds until the file
was in hand. Where the app prepares a large event's workbook in the background, that is the
*Prepare* press, the page's look at the build every second, and the prepared file's download.
``--filled``: the database holds the answers already (from an earlier run); run it from a
checkout of another commit (``PYTHONPATH=that/checkout``) to compare in one sitting.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path
from typing import Any

# Run as a script, Python puts bench/ first on the path, where bench/pipeline.py would hide
# the pipeline package; the project's modules must come from the project root.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import exports.book  # noqa: E402
from exports import build_summary  # noqa: E402
from survey_app.demo import make_demo_responses, purge_demo  # noqa: E402
from survey_app.events import FIRST_EVENT_FILE, apply_event, parse_event_yaml  # noqa: E402
from survey_db.engine import make_engine  # noqa: E402
from survey_db.models import Base, Event, Response, ResponseTag, utcnow  # noqa: E402
from survey_db.models.vocabulary import AREAS, FEEDBACK_TEXT_FIELDS, GROUPS, LEVELS  # noqa: E402

SLUG = "2020-11-10-social-protection"
VARIANTS = ("summary", "openpyxl", "pandas")


def prepare(url: str, count: int) -> None:
    """Load the first event, replace its demo responses with ``count`` new ones, tag them."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    rng = random.Random(7)
    with Session(engine) as db:
        apply_event(db, parse_event_yaml(FIRST_EVENT_FILE.read_text("utf-8")), status="open")
        event = db.scalar(select(Event).where(Event.slug == SLUG))
        purge_demo(db, event)
        make_demo_responses(db, event, count, seed=1)
        db.commit()
        query = select(Response.id, Response.kind, Response.language).where(
            Response.event_id == event.id, Response.channel == "demo"
        )
        batch: list[dict[str, Any]] = []
        for ident, kind, language in db.execute(query).all():
            levels = sorted(rng.sample(LEVELS, k=rng.choice((0, 1, 1, 2))))
            fields = FEEDBACK_TEXT_FIELDS if kind == "feedback" else ("text",)
            batch.append(
                {
                    "response_id": ident,
                    "tagged_version": 1,
                    "tagger_version": "bench",
                    "machine_levels": levels,
                    "machine_scores": {level: 0.8 for level in levels},
                    "machine_evidence": {level: ["word"] for level in levels},
                    "machine_groups": sorted(rng.sample(GROUPS, k=rng.choice((0, 0, 1)))),
                    "machine_areas": sorted(rng.sample(AREAS, k=rng.choice((0, 1)))),
                    "fields": {f: {"levels": levels, "sentiment": 0.1} for f in fields},
                    "sentiment": round(rng.uniform(-1, 1), 2),
                    "text_language": language,
                    "tagged_at": utcnow(),
                }
            )
            if len(batch) == 5_000:
                db.execute(insert(ResponseTag), batch)
                batch.clear()
        if batch:
            db.execute(insert(ResponseTag), batch)
        db.commit()
    engine.dispose()


class BareCells:
    """Stands in for CellMaker: hands values to openpyxl as they are."""

    replaced = 0
    cut = 0

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone

    def link(self, ws: Any, value: Any, url: str | None) -> Any:
        return value

    def __call__(self, ws: Any, value: Any, style: str = "plain") -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        return value


class _Dimensions(dict):
    def __missing__(self, key: str) -> Any:
        return self.setdefault(key, argparse.Namespace())


class _Anything:
    """Takes any page setup, header or row height it is given, and keeps none of it."""

    def __getattr__(self, name: str) -> Any:
        return self

    def __getitem__(self, key: Any) -> Any:
        return self

    def __delitem__(self, key: Any) -> None:
        """Nothing kept, nothing to delete."""


class RecordingSheet:
    """A sheet that only keeps its rows, for pandas to write."""

    def __getattr__(self, name: str) -> Any:
        """Page setup, headers and row heights: pandas writes none of them."""
        return _Anything()

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: list[list[Any]] = []
        self.column_dimensions = _Dimensions()
        self.closed = False

    def append(self, row: list[Any]) -> None:
        self.rows.append(list(row))

    def add_table(self, table: Any) -> None:
        """pandas writes no tables."""

    def add_chart(self, chart: Any, anchor: str) -> None:
        """pandas writes no charts."""


class PandasBook:
    """Takes the place of the write-only workbook; ``save`` hands the rows to pandas."""

    def __init__(self, write_only: bool = True) -> None:
        self.worksheets: list[RecordingSheet] = []

    def create_sheet(self, title: str) -> RecordingSheet:
        self.worksheets.append(RecordingSheet(title))
        return self.worksheets[-1]

    def save(self, path: Path) -> None:
        import pandas

        with pandas.ExcelWriter(path, engine="openpyxl") as writer:
            for sheet in self.worksheets:
                width = max((len(row) for row in sheet.rows), default=0)
                frame = pandas.DataFrame([row + [None] * (width - len(row)) for row in sheet.rows])
                frame.to_excel(writer, sheet_name=sheet.title, header=False, index=False)


def run_variant(variant: str, url: str, output: Path) -> None:
    if variant != "summary":
        exports.book.CellMaker = BareCells  # type: ignore[misc, assignment]
        exports.book.Sheet.table = bare_table  # type: ignore[method-assign]
    if variant == "pandas":
        exports.book.Workbook = PandasBook  # type: ignore[misc, assignment]
    engine = make_engine(url)
    with Session(engine) as db:
        event = db.scalar(select(Event).where(Event.slug == SLUG))
        build_summary(db, event, output, include_demo=True)  # the answers are demo ones
    engine.dispose()


def bare_table(
    sheet: Any, name: str, headers: Any, rows: Any, styles: Any, repeat: Any = None
) -> tuple[int, int]:
    """Header and rows only: no Excel table."""
    sheet.append(headers)
    first = sheet.row + 1
    for values in rows:
        sheet.append(values)
    return first, sheet.row


def child(variant: str, url: str, measure: str) -> None:
    """Run one variant once, timed or under tracemalloc; print JSON."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / f"{variant}.xlsx"
        if measure == "memory":
            tracemalloc.start()
        started = time.perf_counter()
        run_variant(variant, url, output)
        seconds = time.perf_counter() - started
        figures = {
            "seconds": seconds,
            "size_mb": output.stat().st_size / 1e6,
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        if measure == "memory":
            figures["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
    print(json.dumps(figures))


def measure(variant: str, url: str, what: str) -> dict[str, float]:
    """Run :func:`child` in a fresh process, so memory and caches are the variant's own."""
    command = [sys.executable, __file__, "--only", variant, "--measure", what]
    done = subprocess.run([*command, "--database-url", url], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{variant} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_downloads(url: str) -> dict[str, dict[str, float]]:
    """Download both workbooks as an organiser does; seconds of the longest request and until
    the file was in hand, and its size."""
    import re

    from survey_app import create_app
    from survey_app.passwords import hash_password
    from survey_db.models import Organiser

    instance = tempfile.mkdtemp(prefix="bench-downloads-")
    config = {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_PROFILE": "fast",
    }
    app = create_app(config)
    app.instance_path = instance
    email, password = "bench@example.org", "bench password long enough"
    with app.app_context():
        engine = make_engine(url)
        with Session(engine) as db:
            if db.scalar(select(Organiser).where(Organiser.email == email)) is None:
                db.add(Organiser(email=email, password_hash=hash_password(password), is_admin=True))
                db.commit()
        engine.dispose()
    client = app.test_client()
    signed = client.post("/admin/login", data={"email": email, "password": password})
    assert signed.status_code == 302, signed.status_code
    console = f"/admin/e/{SLUG}"
    found: dict[str, dict[str, float]] = {}
    for name, address, key in (
        ("summary", f"{console}/summary.xlsx?demo=yes", "summary-demo"),
        ("raw", f"{console}/responses.xlsx", "raw"),
    ):
        started = time.perf_counter()
        answer = client.get(address)
        body = answer.get_data()
        longest = time.perf_counter() - started
        if answer.status_code == 302:  # prepared in the background
            pressed = time.perf_counter()
            answer = client.post(f"{console}/downloads", data={"workbook": key})
            longest = max(longest, time.perf_counter() - pressed)
            state = "working"
            while state == "working":
                time.sleep(1)
                looked = time.perf_counter()
                html = client.get(f"{console}/downloads/status").get_json()["html"]
                longest = max(longest, time.perf_counter() - looked)
                match = re.search(rf'id="workbook-{key}".*?data-state="(\w+)"', html, re.DOTALL)
                state = match.group(1) if match else "missing"
            if state != "done":
                sys.exit(f"{name}: the build ended {state}")
            fetched = time.perf_counter()
            answer = client.get(f"{console}/prepared.xlsx?workbook={key}")
            body = answer.get_data()
            longest = max(longest, time.perf_counter() - fetched)
        if answer.status_code != 200:
            sys.exit(f"{name}: {answer.status_code}")
        found[name] = {
            "longest_request_s": longest,
            "file_in_hand_s": time.perf_counter() - started,
            "size_mb": len(body) / 1e6,
        }
    shutil.rmtree(instance, ignore_errors=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each variant")
    parser.add_argument("--downloads", action="store_true", help="time the console's downloads")
    parser.add_argument("--filled", action="store_true", help="the database holds the answers")
    parser.add_argument("--only", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--measure", choices=("time", "memory"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        child(args.only, args.database_url, args.measure)
        return
    if args.downloads:
        with tempfile.TemporaryDirectory() as folder:
            url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
            if not args.filled:
                prepare(url, args.responses)
            for name, figures in time_downloads(url).items():
                print(
                    f"{name}: longest request {figures['longest_request_s']:.2f} s, "
                    f"file in hand after {figures['file_in_hand_s']:.1f} s, "
                    f"{figures['size_mb']:.1f} MB"
                )
        return
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        started = time.perf_counter()
        prepare(url, args.responses)
        print(
            f"{args.responses:,} responses with tags ready in {time.perf_counter() - started:.1f} s"
        )
        times: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
        maxrss = dict.fromkeys(VARIANTS, 0.0)
        for round_ in range(1, args.repeat + 1):
            for variant in VARIANTS:
                figures = measure(variant, url, "time")
                times[variant].append(figures["seconds"])
                maxrss[variant] = max(maxrss[variant], figures["maxrss_mb"])
            print(f"round {round_}: " + ", ".join(f"{v} {t[-1]:.1f} s" for v, t in times.items()))
        memory = {variant: measure(variant, url, "memory") for variant in VARIANTS}
    best = {variant: min(runs) for variant, runs in times.items()}
    columns = ("best s", "slowest s", "x summary", "peak MB", "maxrss MB", "file MB")
    print(f"{'variant':<10} " + " ".join(f"{name:>10}" for name in columns))
    for variant in VARIANTS:
        figures = memory[variant]
        print(
            f"{variant:<10} {best[variant]:10.2f} {max(times[variant]):10.2f} "
            f"{best[variant] / best['summary']:10.2f} "
            f"{figures['peak_mb']:10.1f} {maxrss[variant]:10.1f} {figures['size_mb']:10.2f}"
        )
    print(
        f"summary / openpyxl time: {best['summary'] / best['openpyxl']:.2f} "
        f"(target <= 1.5); summary / pandas time: "
        f"{best['summary'] / best['pandas']:.2f} (target < 1)"
    )


if __name__ == "__main__":
    main()

"""Time each console page of an event with 100,000 answers on SQLite.

    python bench/console_pages.py [--responses N] [--repeat R] [--database FILE]

Builds a scratch SQLite database through the migrations (so the console's indexes are
there), loads the first event, adds N answers as ``flask demo-data`` does (the same
function), and gives them synthetic machine tags: a tenth reviewed, a twentieth untagged
(tagging 100,000 answers for real takes minutes and is ``bench/pipeline.py``'s business).
With ``--database FILE`` an existing file is reused (its first event must hold the answers
already), brought to the latest migration first.

Then it signs in as an organiser through the Flask test client and asks for each page R times
(default 5), after one warm-up request each; it prints the median and the slowest time of each
with the median CPU time and the machine's load, and fails (exit 1) when a median is 300 ms or
more. The test client leaves the network out;
everything else (routing, the session cookie, queries, templates) is what gunicorn serves.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script, Python puts bench/ first on the path, where bench/pipeline.py would hide
# the pipeline package; the project's modules must come from the project root.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from sqlalchemy import func, insert, or_, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from survey_app import create_app  # noqa: E402
from survey_app.demo import make_demo_responses  # noqa: E402
from survey_app.events import FIRST_EVENT_FILE, apply_event, parse_event_yaml  # noqa: E402
from survey_app.passwords import hash_password  # noqa: E402
from survey_db import migrate  # noqa: E402
from survey_db.counting import HAS_TEXT  # noqa: E402
from survey_db.engine import make_engine  # noqa: E402
from survey_db.models import Event, Organiser, Response, ResponseTag, utcnow  # noqa: E402
from survey_db.models.vocabulary import FEEDBACK_TEXT_FIELDS, LEVELS  # noqa: E402

SLUG = "2020-11-10-social-protection"
EMAIL = "bench@example.org"
PASSWORD = "bench password long enough"  # noqa: S105 - a scratch database's account
#: The console's budget per page.
BUDGET_MS = 300


def prepare(url: str, count: int) -> None:
    """Load the first event, add ``count`` demo answers and tag most of them."""
    migrate.upgrade(url)
    engine = make_engine(url)
    rng = random.Random(19)
    with Session(engine) as db:
        apply_event(db, parse_event_yaml(FIRST_EVENT_FILE.read_text("utf-8")), status="open")
        event = db.scalar(select(Event).where(Event.slug == SLUG))
        make_demo_responses(db, event, count, seed=19)
        db.add(Organiser(email=EMAIL, password_hash=hash_password(PASSWORD), events=[event]))
        db.commit()
        query = select(Response.id, Response.kind, Response.language, Response.text).where(
            Response.event_id == event.id
        )
        batch: list[dict[str, Any]] = []
        for ident, kind, language, text in db.execute(query).all():
            if rng.random() < 0.05:
                continue  # not tagged yet
            levels = sorted(rng.sample(LEVELS, k=rng.choice((0, 1, 1, 2))))
            reviewed = rng.random() < 0.1
            words = (text or "").split()[:2] or ["word"]
            fields = FEEDBACK_TEXT_FIELDS if kind == "feedback" else ("text",)
            batch.append(
                {
                    "response_id": ident,
                    "tagged_version": 1,
                    "tagger_version": "bench",
                    "machine_levels": levels,
                    "machine_scores": {level: 0.8 for level in levels},
                    "machine_evidence": {level: [" ".join(words)] for level in levels},
                    "machine_groups": [],
                    "machine_areas": [],
                    "fields": {name: {"levels": levels, "sentiment": 0.1} for name in fields},
                    "certainty": round(rng.random(), 3),
                    "text_language": language,
                    "tagged_at": utcnow(),
                    "review_state": "confirmed" if reviewed else "machine",
                    "reviewed_levels": levels if reviewed else None,
                    "reviewed_groups": [] if reviewed else None,
                    "reviewed_areas": [] if reviewed else None,
                }
            )
            if len(batch) == 5_000:
                db.execute(insert(ResponseTag), batch)
                batch.clear()
        if batch:
            db.execute(insert(ResponseTag), batch)
        db.commit()
    engine.dispose()


def pages(url: str) -> list[tuple[str, str]]:
    """The console pages of the event to time: (name, path)."""
    engine = make_engine(url)
    with Session(engine) as db:
        event = db.scalar(select(Event).where(Event.slug == SLUG))
        middle = db.scalar(select(func.max(Response.id)).where(Response.event_id == event.id))
        first_session = event.feedback_sessions()[0].code
        first_theme = event.themes[0].code
        # The queue pages by keys: its 100th page starts after its 4,950th answer.
        deep = db.scalar(
            select(Response.id)
            .outerjoin(ResponseTag, ResponseTag.response_id == Response.id)
            .where(Response.event_id == event.id, Response.status == "active", HAS_TEXT)
            .where(or_(ResponseTag.id.is_(None), ResponseTag.review_state == "machine"))
            .order_by(ResponseTag.id.is_not(None), ResponseTag.certainty, Response.id)
            .offset(99 * 50 - 1)
            .limit(1)
        )
    engine.dispose()
    base = f"/admin/e/{SLUG}"
    middle = (middle or 2) // 2
    return [
        ("overview", f"{base}/"),
        ("overview live figures", f"{base}/live"),
        ("levels", f"{base}/levels"),
        ("levels, demo included", f"{base}/levels?demo=yes"),
        ("responses", f"{base}/responses"),
        ("responses, page 1000", f"{base}/responses?page=1000"),
        ("responses by level and session", f"{base}/responses?level=virus&session={first_session}"),
        ("responses counted, by theme", f"{base}/responses?counted=demo&theme={first_theme}"),
        ("responses, words", f"{base}/responses?q=lockdown"),
        (
            "responses, from academia, reviewed",
            f"{base}/responses?stakeholder=academia&reviewed=yes",
        ),
        ("one answer with filters", f"{base}/responses/{middle}?level=stimulus&language=zh"),
        ("review queue", f"{base}/review"),
        ("review queue, page 100", f"{base}/review?after={deep}"),
        ("run status", f"{base}/run-status"),
    ]


def time_pages(url: str, repeat: int) -> list[tuple[str, float, float, float]]:
    """Median and slowest milliseconds of each page, and its median CPU milliseconds.

    The CPU time of this process (SQLite works in it) is what the page costs on an idle
    machine; on a busy one the wall time is longer by the wait for a core.
    """
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    client = app.test_client()
    login = client.get("/admin/login").get_data(as_text=True)
    token = login.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    signed = client.post(
        "/admin/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302, "could not sign in"
    results = []
    for name, path in pages(url):
        assert client.get(path).status_code == 200, path  # warm-up
        times, cpu = [], []
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            answer = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert answer.status_code == 200, path
        results.append((name, statistics.median(times), max(times), statistics.median(cpu)))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", type=Path, help="reuse this SQLite file as it is")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.database or Path(folder) / "bench.sqlite3"
        url = f"sqlite:///{path}"
        if args.database is None or not path.exists():
            started = time.perf_counter()
            prepare(url, args.responses)
            print(f"prepared {args.responses} answers in {time.perf_counter() - started:.0f} s")
        else:
            migrate.upgrade(url)
        load = os.getloadavg()[0]
        results = time_pages(url, args.repeat)
    width = max(len(row[0]) for row in results)
    print(f"load average before: {load:.1f}, after: {os.getloadavg()[0]:.1f}")
    print(f"{'page':{width}}  median ms  slowest ms  median CPU ms")
    for name, median, slowest, cpu in results:
        print(f"{name:{width}}  {median:9.0f}  {slowest:10.0f}  {cpu:13.0f}")
    over = [row[0] for row in results if row[1] >= BUDGET_MS]
    if over:
        print(f"over {BUDGET_MS} ms: {', '.join(over)}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())

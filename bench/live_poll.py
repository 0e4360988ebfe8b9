"""What one poll of a live screen costs the server, in CPU time, by the state it finds.

    python bench/live_poll.py [--prefill 20000] [--new 300] [--repeat 5]

Builds a scratch SQLite database through the migrations, loads and opens the first event and
adds ``--prefill`` demo answers (as ``bench/load_submit.py`` does), then calls the poll's
function (``live_figures``, what ``/admin/e/<slug>/live/<code>.json`` returns) for the first
session that takes feedback, in the states a web worker meets:

- *first poll ever*: no answer's words kept yet, so all of the session's quotable comments
  are cut with jieba (once for every worker, then kept in ``live_terms``);
- *first poll of another worker*: the words are kept, the worker's memory is empty;
- *counted again, words in memory*: what a poll after a change costs beside cutting the
  new answers (forgetting only the worker's last count);
- *unchanged*: nothing changed since this worker's last poll;
- *after new answers*: ``--new`` demo answers added to the event (a tenth land on the
  session), as during ``--live-screens`` polls under load.

jieba's dictionary is loaded first, as gunicorn's master does before it forks
(``gunicorn.conf.py``). CPU time is the process's own, so another agent's load on the
machine changes it less than wall time; both are printed (median of ``--repeat``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script, Python puts bench/ first on the path, where bench/pipeline.py would hide
# the pipeline package; the project's modules must come from the project root.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from sqlalchemy import delete, func, select  # noqa: E402

from survey_app import create_app  # noqa: E402
from survey_app.admin.live import live_figures  # noqa: E402
from survey_app.admin.live_terms import load_dictionary  # noqa: E402
from survey_app.db import get_session  # noqa: E402
from survey_app.demo import make_demo_responses  # noqa: E402
from survey_app.events import FIRST_EVENT_FILE, apply_event, parse_event_yaml  # noqa: E402
from survey_db import migrate  # noqa: E402
from survey_db.models import Event, LiveTerms, Response  # noqa: E402


def timed(call: Callable[[], object], repeat: int, before: Callable[[], object]) -> str:
    """Median CPU and wall milliseconds of ``call`` over ``repeat`` runs, each after ``before``."""
    cpu, wall = [], []
    for _ in range(repeat):
        before()
        started_cpu, started = time.process_time(), time.perf_counter()
        call()
        cpu.append(1000 * (time.process_time() - started_cpu))
        wall.append(1000 * (time.perf_counter() - started))
    return f"{statistics.median(cpu):8.1f} {statistics.median(wall):8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefill", type=int, default=20000)
    parser.add_argument("--new", type=int, default=300, help="answers added between polls")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'live.sqlite3'}"
        migrate.upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-live-poll"})
        load_dictionary()
        with app.test_request_context():
            db = get_session()
            apply_event(db, parse_event_yaml(FIRST_EVENT_FILE.read_text("utf-8")), status="open")
            db.flush()
            event = db.scalar(select(Event))
            make_demo_responses(db, event, args.prefill, seed=20201110)
            db.commit()
            session = event.feedback_sessions()[0]
            on_session = Response.session_id == session.id
            answers = db.scalar(select(func.count()).where(on_session)) or 0
            print(
                f"{args.prefill} answers in the event, {answers} on session {session.code!r}; "
                f"median of {args.repeat}\n{'state':40} {'CPU ms':>8} {'wall ms':>8}"
            )

            def poll() -> None:
                live_figures(db, session)
                db.commit()

            def recount() -> None:
                app.extensions.pop("live_screens", None)

            def new_worker() -> None:
                recount()
                app.extensions.pop("live_terms", None)

            def new_database() -> None:
                new_worker()
                db.execute(delete(LiveTerms))
                db.commit()

            def add() -> None:
                make_demo_responses(db, event, args.new)
                db.commit()

            print(f"{'first poll ever (cuts every comment)':40} {timed(poll, 1, new_database)}")
            print(f"{'first poll of another worker':40} {timed(poll, args.repeat, new_worker)}")
            print(f"{'counted again, words in memory':40} {timed(poll, args.repeat, recount)}")
            print(f"{'unchanged':40} {timed(poll, args.repeat, lambda: None)}")
            after = f"after {args.new} new answers in the event"
            print(f"{after:40} {timed(poll, args.repeat, add)}")
        app.extensions["survey_db"]["engine"].dispose()


if __name__ == "__main__":
    main()

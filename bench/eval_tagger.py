"""Score the tagger against labelled JSONL sets: per-level precision, recall and F1.

Usage: python bench/eval_tagger.py [--file PATH ...] [--errors] [--blind]
       python bench/eval_tagger.py --database URL [--event SLUG]
Without --file the shipped sets are scored, each on its own and per language:
- eval_set: the statements the codebook was built on;
- heldout_set: written blind by someone else, then used to find general gaps (tuned on);
- test_set: written blind by a third writer and scored once, never tuned on. It is the
  honest estimate for unseen statements; tune on it and it stops being one;
- field_set: real registers (reports, notices, people's own words), tuned on;
- field_blind: spent: scored once at 0.819 (en) / 0.803 (zh), then tuned on.
--blind also scores field_blind_2, the new blind quarter: once, at the end, never tuned on.
Each line: {"id", "language", "text", "levels": [...], "groups": [...], "areas": [...]}.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import tag_text
from pipeline.codebook import LEVEL_CODES
from pipeline.quality import Rate

DATA = Path(__file__).resolve().parents[1] / "pipeline" / "data"
DEFAULT_FILES = tuple(
    DATA / f"{name}.jsonl"
    for name in ("eval_set", "heldout_set", "test_set", "field_set", "field_blind")
)
# the blind quarter still unseen; field_blind.jsonl was scored once, then tuned on
BLIND_FILE = DATA / "field_blind_2.jsonl"
# sets never tuned on: --errors never lists their texts
NEVER_LISTED = (DATA / "test_set.jsonl", BLIND_FILE)


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1; an empty class (no gold, no predictions) scores 1."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return (
        precision,
        recall,
        (2 * precision * recall / (precision + recall) if precision + recall else 0.0),
    )


def counts(
    pairs: Iterable[tuple[set[str], set[str]]], codes: Iterable[str]
) -> dict[str, list[int]]:
    """Per code [tp, fp, fn] over (gold, predicted) pairs."""
    table = {code: [0, 0, 0] for code in codes}
    for gold, predicted in pairs:
        for code, row in table.items():
            row[0] += code in gold and code in predicted
            row[1] += code not in gold and code in predicted
            row[2] += code in gold and code not in predicted
    return table


def micro(table: dict[str, list[int]]) -> float:
    return f1(*(sum(row[i] for row in table.values()) for i in range(3)))[2]


def report(name: str, rows: list[dict], predictions: list) -> None:
    levels = counts(
        ((set(r["levels"]), set(p.levels)) for r, p in zip(rows, predictions, strict=True)),
        LEVEL_CODES,
    )
    print(f"\n== {name}: {len(rows)} texts")
    print(f"{'level':<16}{'P':>7}{'R':>7}{'F1':>7}{'gold':>6}")
    for code, (tp, fp, fn) in levels.items():
        p, r, f = f1(tp, fp, fn)
        print(f"{code:<16}{p:7.3f}{r:7.3f}{f:7.3f}{tp + fn:6d}")
    macro = sum(f1(*row)[2] for row in levels.values()) / len(levels)
    exact = sum(
        set(r["levels"]) == set(p.levels) for r, p in zip(rows, predictions, strict=True)
    ) / len(rows)
    p, r, _ = f1(*(sum(row[i] for row in levels.values()) for i in range(3)))
    print(
        f"levels micro-F1 {micro(levels):.3f}  macro-F1 {macro:.3f}  exact match {exact:.3f}"
        f"  micro-P {p:.3f}  micro-R {r:.3f}"
    )
    for kind in ("groups", "areas"):
        codes = {c for r in rows for c in r[kind]} | {
            c for p in predictions for c in getattr(p, kind)
        }
        table = counts(
            ((set(r[kind]), set(getattr(p, kind))) for r, p in zip(rows, predictions, strict=True)),
            codes,
        )
        print(f"{kind} micro-F1 {micro(table):.3f}")


def evaluate(path: Path, errors: bool = False) -> None:
    """Score one labelled set, per language and overall."""
    rows = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    predictions = [tag_text(row["text"]) for row in rows]
    print(f"\n######## {path.name}")
    for language in ("en", "zh"):
        picked = [
            (r, p) for r, p in zip(rows, predictions, strict=True) if r["language"] == language
        ]
        if picked:
            report(f"{path.stem} {language}", [r for r, _ in picked], [p for _, p in picked])
    report(f"{path.stem} overall", rows, predictions)
    if errors:
        print()
        for row, pred in zip(rows, predictions, strict=True):
            if set(row["levels"]) != set(pred.levels):
                print(
                    f"{row['id']} gold={sorted(row['levels'])} got={sorted(pred.levels)} "
                    f"ev={dict(pred.evidence)} | {row['text']}"
                )


def _rate(rate: Rate) -> str:
    """A share with its counts and Wilson's 95% interval, or a dash when there is none."""
    if not rate.total:
        return f"{'-':>7} {'0/0':>9} {'':>13}"
    low, high = rate.interval
    return f"{rate.value:7.3f} {f'{rate.hits}/{rate.total}':>9} [{low:.2f}, {high:.2f}]"


def evaluate_database(url: str, slug: str | None) -> int:
    """Score the machine against the reviews stored in a database, as the console does."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from survey_app.admin.quality import quality_report
    from survey_db.engine import make_engine, session_factory
    from survey_db.models import Event

    try:
        engine = make_engine(url)
    except SQLAlchemyError as error:
        print(f"cannot use that database URL: {error}", file=sys.stderr)
        return 2
    try:
        with session_factory(engine)() as db:
            event = None
            if slug is not None:
                event = db.scalar(select(Event).where(Event.slug == slug))
                if event is None:
                    print(f"no event '{slug}' in that database", file=sys.stderr)
                    return 2
            report = quality_report(db, event)
    except SQLAlchemyError as error:
        print(f"cannot read the reviews: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(
        f"== reviews in {slug or 'all events'}: {report.compared} reviewed answers compared, "
        f"{report.unreviewed} with text not reviewed"
    )
    print(
        f"{'level':<16}{'precision':>9} {'counts':>9} {'95% interval':>13}"
        f"{'recall':>9} {'counts':>9} {'95% interval':>13}"
    )
    for row in (*report.levels, report.pooled):
        print(f"{row.level:<16}{_rate(row.precision)}  {_rate(row.recall)}")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--file",
        type=Path,
        action="append",
        help="a labelled JSONL set (repeatable); default: the shipped sets",
    )
    parser.add_argument(
        "--blind",
        action="store_true",
        help="also score field_blind_2 (once, at the end; never with --errors)",
    )
    parser.add_argument(
        "--errors",
        action="store_true",
        help="list the texts whose levels differ (never for test_set or field_blind_2)",
    )
    parser.add_argument(
        "--database", metavar="URL", help="score against the reviews stored in this database"
    )
    parser.add_argument("--event", metavar="SLUG", help="with --database: one event only")
    args = parser.parse_args()
    if args.event and not args.database:
        parser.error("--event needs --database")
    if args.database:
        sys.exit(evaluate_database(args.database, args.event))
    for path in args.file or DEFAULT_FILES:
        evaluate(path, args.errors and path.resolve() not in NEVER_LISTED)
    if args.blind:
        evaluate(BLIND_FILE)


if __name__ == "__main__":
    main()

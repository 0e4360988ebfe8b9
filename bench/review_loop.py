"""Simulate the review loop on labelled sets: does accepting suggestions help the tagger?

Usage: python bench/review_loop.py [--file PATH ...] [--min-support N] [--min-precision P]
                                   [--seed N] [--list]

For each set, per language: the statements are shuffled with a fixed seed and split in
halves. A "reviewer" reviews the first half (its reviewed levels are the gold labels, its
machine levels what the tagger says now); ``pipeline.suggest`` proposes terms from those
reviews (indicators where the reviewer added a level, shields where it removed one); the rule:
every suggestion with at least ``--min-support`` answers (default 2) and ``--min-precision``
(default 0.8) is accepted into an overlay; the second half, never seen by the suggester, is
tagged with the bundled codebook and with the overlay. Micro-F1 (with precision and recall)
over the four levels, before and after, per language. Default sets: eval_set, heldout_set,
test_set and the field set; field_blind_2.jsonl (the unspent blind quarter) is never read.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import Addition, build_tagger, load_codebook
from pipeline.suggest import MIN_PRECISION, MIN_SUPPORT, ReviewedText, Suggestion, suggest
from pipeline.tagger import Tagger

DATA = Path(__file__).resolve().parents[1] / "pipeline" / "data"
DEFAULT_FILES = tuple(
    DATA / f"{name}.jsonl" for name in ("eval_set", "heldout_set", "test_set", "field_set")
)
#: Never scored here: the field set's unspent blind quarter is kept for the tagger's final check
#: (field_blind.jsonl was scored once and tuned on since: it is an ordinary set now).
FORBIDDEN = "field_blind_2.jsonl"


def scores(pairs: list[tuple[set[str], set[str]]]) -> tuple[float, float, float]:
    """Micro precision, recall and F1 over the levels of (gold, predicted) pairs."""
    tp = sum(len(gold & got) for gold, got in pairs)
    fp = sum(len(got - gold) for gold, got in pairs)
    fn = sum(len(gold - got) for gold, got in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return precision, recall, f1


def halves(rows: list[dict], seed: int) -> tuple[list[dict], list[dict]]:
    """The rows shuffled with ``seed``, split into a reviewed half and a held-out half."""
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    middle = len(shuffled) // 2
    return shuffled[:middle], shuffled[middle:]


def accepted(
    reviewed: list[dict],
    base: Tagger,
    support: int,
    precision: float,
    trial: Callable[[list[Addition]], Tagger],
) -> list[Suggestion]:
    """The suggestions from reviewing ``reviewed`` that meet the acceptance rule."""

    def known(level: str, language: str, term: str) -> bool:
        return level in base.tag(term).evidence

    answers = []
    for row in reviewed:
        machine = base.tag(row["text"])
        pairs = tuple((level, q) for level, found in machine.evidence.items() for q in found)
        answers.append(
            ReviewedText(
                row["text"],
                row["language"],
                machine.levels,
                frozenset(row["levels"]),
                frozenset(quote for _, quote in pairs),
                pairs,
            )
        )
    return suggest(answers, min_support=support, min_precision=precision, known=known, trial=trial)


def taggers(codebook: Path | None, additions: list[Addition]) -> Tagger:
    """The bundled codebook's tagger (or ``codebook``'s) with ``additions``."""
    if codebook is None:
        return build_tagger(additions)
    return Tagger(load_codebook(codebook, additions))


def simulate(
    path: Path, support: int, precision: float, seed: int, listing: bool, codebook: Path | None
) -> None:
    """Run the loop on one set and print before/after per language."""
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    base = taggers(codebook, [])
    print(f"\n######## {path.name}: rule support >= {support}, precision >= {precision}")
    print(f"codebook {base.codebook.tagger_version}" + (f" ({codebook})" if codebook else ""))
    print(
        f"{'language':<9}{'held out':>9}{'added':>6}   before P/R/F1        after P/R/F1      ΔF1"
    )
    for language in ("en", "zh"):
        mine = [row for row in rows if row["language"] == language]
        if len(mine) < 4:
            continue
        first, second = halves(mine, seed)
        chosen = accepted(
            first, base, support, precision, lambda additions: taggers(codebook, additions)
        )
        overlay = taggers(codebook, [s.addition() for s in chosen])
        gold = [set(row["levels"]) for row in second]
        before = scores(
            [(g, set(base.tag(r["text"]).levels)) for g, r in zip(gold, second, strict=True)]
        )
        after = scores(
            [(g, set(overlay.tag(r["text"]).levels)) for g, r in zip(gold, second, strict=True)]
        )
        print(
            f"{language:<9}{len(second):>9}{len(chosen):>6}   "
            f"{before[0]:.3f} {before[1]:.3f} {before[2]:.3f}   "
            f"{after[0]:.3f} {after[1]:.3f} {after[2]:.3f}   {after[2] - before[2]:+.3f}"
        )
        if listing:
            for s in chosen:
                print(
                    f"    {s.level:<16}{s.kind:<10}{s.term:<28}"
                    f"support {s.support:>3}  precision {s.precision:.2f} (lower {s.lower:.2f})"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, action="append", help="a labelled JSONL set")
    parser.add_argument("--min-support", type=int, default=MIN_SUPPORT)
    parser.add_argument("--min-precision", type=float, default=MIN_PRECISION)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--list", action="store_true", help="list the accepted terms")
    parser.add_argument(
        "--codebook",
        type=Path,
        help="start from this codebook file instead of the bundled one (e.g. an older one, "
        "from before a set was used to build it: git show REV:pipeline/codebook.yaml)",
    )
    args = parser.parse_args()
    for path in args.file or DEFAULT_FILES:
        if path.name == FORBIDDEN:
            parser.error(f"{FORBIDDEN} is the blind quarter: it is never used here")
        if not path.exists():
            print(f"\n{path.name}: not found, skipped")
            continue
        simulate(path, args.min_support, args.min_precision, args.seed, args.list, args.codebook)


if __name__ == "__main__":
    main()

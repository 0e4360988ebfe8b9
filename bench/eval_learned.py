"""Does the learned level model earn its place beside the rules? Scores both ways, and speed.

Usage: python bench/eval_learned.py [--sweep] [--speed-rounds N]
       python bench/eval_learned.py --blind

The combination: the rules' levels, plus each level the model gives at least its language's
threshold (chosen by cross-validation in pipeline/train_model.py) with at least one evidence
word (``LevelModel.additions``). Printed per language, micro precision / recall / F1 over the
four levels, rules alone and combined:
- test_set (blind, never trained or tuned on): the committed model;
- field_set, eval_set, heldout_set (the training sets): cross-validated, each statement
  scored by the fold model that did not see it (the folds of train_model). The rules were
  tuned on these sets, so their own figures there are optimistic; the model's are not.
``--sweep`` also prints the cross-validated combination at each threshold tried. Then the
time per text of ``predict`` against the tagger's ``tag_text`` on the same texts.
``--blind`` scores only field_blind.jsonl, both ways, figures only: for the lead, once, at the
end (the quarter nobody tunes on; nothing else here reads it). Needs scikit-learn (the dev
extras) for the folds, not for --blind.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import tag_text
from pipeline.codebook import LEVEL_CODES
from pipeline.learned import LevelModel, load_model
from pipeline.train_model import (
    LANGUAGES,
    THRESHOLDS,
    TRAINING_SETS,
    fold_models,
    fold_of,
    read_rows,
)

Levels = set[str]


def micro(pairs: list[tuple[Levels, Levels]]) -> tuple[float, float, float, int, int, int]:
    """Micro precision, recall, F1 and tp, fp, fn over (gold, predicted) level sets."""
    tp = sum(len(gold & got) for gold, got in pairs)
    fp = sum(len(got - gold) for gold, got in pairs)
    fn = sum(len(gold - got) for gold, got in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, fp, fn


def line(label: str, pairs: list[tuple[Levels, Levels]]) -> str:
    p, r, f, tp, fp, fn = micro(pairs)
    return f"  {label:<16} P {p:.3f}  R {r:.3f}  F1 {f:.3f}   (tp {tp}, fp {fp}, fn {fn})"


def compare(name: str, rows: list[dict], rules: list[Levels], combined: list[Levels]) -> None:
    """Rules alone and combined, with the moves in precision and recall."""
    gold = [set(row["levels"]) for row in rows]
    before = list(zip(gold, rules, strict=True))
    after = list(zip(gold, combined, strict=True))
    pb, rb, fb, *_ = micro(before)
    pa, ra, fa, *_ = micro(after)
    added = sum(len(c - r) for c, r in zip(combined, rules, strict=True))
    right = sum(len((c - r) & g) for c, r, g in zip(combined, rules, gold, strict=True))
    print(f"{name}: {len(rows)} texts, the model adds {added} levels, {right} of them right")
    print(line("rules", before))
    print(line("rules + model", after))
    print(f"  {'moves':<16} P {pa - pb:+.3f}  R {ra - rb:+.3f}  F1 {fa - fb:+.3f}")


def combine(model: LevelModel, row: dict, rules: Levels) -> Levels:
    return rules | set(model.additions(row["text"], row["language"], frozenset(rules)))


def cross_validated(rows: list[dict], rules: list[Levels], sweep: bool) -> None:
    """Each training set per language, every statement scored by its fold's model."""
    committed = load_model()
    for language in LANGUAGES:
        picked = [i for i, row in enumerate(rows) if row["language"] == language]
        models = fold_models([rows[i] for i in picked])
        threshold = committed.thresholds[language]
        combined = {}
        for i in picked:
            model = models[fold_of(rows[i])]
            model.thresholds[language] = threshold
            combined[i] = combine(model, rows[i], rules[i])
        for name in TRAINING_SETS:
            chosen = [i for i in picked if rows[i]["set"] == name]
            compare(
                f"{name} {language} (cross-validated, threshold {threshold})",
                [rows[i] for i in chosen],
                [rules[i] for i in chosen],
                [combined[i] for i in chosen],
            )
        if sweep:
            print(f"  sweep, field_set {language}, cross-validated:")
            chosen = [i for i in picked if rows[i]["set"] == "field_set"]
            for value in THRESHOLDS:
                pairs = []
                for i in chosen:
                    model = models[fold_of(rows[i])]
                    model.thresholds[language] = value
                    pairs.append((set(rows[i]["levels"]), combine(model, rows[i], rules[i])))
                print("  " + line(f"threshold {value}", pairs))


def speed(texts: list[tuple[str, str]], rounds: int) -> None:
    """Seconds per text of tag_text, of predict, of tag_text plus the model's additions, and
    of bare TextBlob sentiment (the nightly job's yardstick, bench/pipeline.py), each the
    fastest of ``rounds`` interleaved rounds in CPU time (the machine is shared)."""
    from textblob import TextBlob

    model = load_model()
    calls = {
        "tag_text": lambda text, language: tag_text(text),
        "predict": lambda text, language: model.predict(text, language),
        "tag_text + additions": lambda text, language: model.additions(
            text, language, tag_text(text).levels
        ),
        "TextBlob sentiment": lambda text, language: TextBlob(text).sentiment.polarity,
    }
    for call in calls.values():  # warm: codebook, jieba, the caches
        for text, language in texts:
            call(text, language)
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.process_time()
            for text, language in texts:
                call(text, language)
            best[name] = min(best[name], (time.process_time() - start) / len(texts))
    tagger = best["tag_text"]
    print(f"\nspeed over {len(texts)} texts, fastest of {rounds} rounds, CPU time:")
    for name, seconds in best.items():
        print(f"  {name:<22} {seconds * 1e6:8.1f} us/text  {seconds / tagger:5.2f}x tag_text")


def blind_quarter(model: LevelModel) -> None:
    """field_blind per language, rules alone and with the model: figures, never the texts."""
    rows = read_rows(["field_blind"])
    for language in LANGUAGES:
        picked = [row for row in rows if row["language"] == language]
        before = [set(tag_text(row["text"]).levels) for row in picked]
        after = [combine(model, row, levels) for row, levels in zip(picked, before, strict=True)]
        compare(f"field_blind {language} (scored once)", picked, before, after)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="print every threshold tried")
    parser.add_argument("--speed-rounds", type=int, default=3, help="rounds of the speed check")
    parser.add_argument("--blind", action="store_true", help="score field_blind only (once)")
    args = parser.parse_args()
    model = load_model()
    print(f"model {model.digest}, thresholds {model.thresholds}, levels {', '.join(LEVEL_CODES)}")
    if args.blind:
        blind_quarter(model)
        return 0
    training = []
    for name in TRAINING_SETS:
        training += [row | {"set": name} for row in read_rows([name])]
    rules = [set(tag_text(row["text"]).levels) for row in training]
    cross_validated(training, rules, args.sweep)
    test = read_rows(["test_set"])
    print()
    for language in LANGUAGES:
        picked = [row for row in test if row["language"] == language]
        before = [set(tag_text(row["text"]).levels) for row in picked]
        after = [combine(model, row, levels) for row, levels in zip(picked, before, strict=True)]
        compare(f"test_set {language} (blind, committed model)", picked, before, after)
    speed([(row["text"], row["language"]) for row in test + training], args.speed_rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build the learned level model from the labelled sets: ``python -m pipeline.train_model``.

Trains, per language, one logistic regression per level (balanced class weights, binary
features from :mod:`pipeline.learned`) on eval_set, heldout_set and field_set. Never on
test_set (the blind estimate) nor field_blind (scored once by the lead). The threshold at
which the model may add a level on its own is chosen by cross-validation on those same sets:
the lowest one at which the out-of-fold predictions reach TARGET_PRECISION. Deterministic: the
folds come from a hash of each id, the solver is deterministic, weights are rounded, and the
JSON is written with sorted keys, so the same data gives a byte-identical file.
Needs scikit-learn (the ``dev`` extras); the run time does not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline.codebook import LEVEL_CODES
from pipeline.learned import FORMAT, MODEL_PATH, LevelModel, features, units_of

DATA = Path(__file__).resolve().parent / "data"
TRAINING_SETS = ("eval_set", "heldout_set", "field_set")
LANGUAGES = ("en", "zh")
#: Inverse regularisation strength of the logistic regressions.
C = 1.0
#: A feature must occur in at least this many training texts of its language.
MIN_DF = 2
FOLDS = 5
#: Out-of-fold precision the model alone must reach at its threshold.
TARGET_PRECISION = 0.9
THRESHOLDS = tuple(round(0.5 + 0.025 * step, 3) for step in range(20))  # 0.5 .. 0.975
DECIMALS = 3


def read_rows(names: Sequence[str] = TRAINING_SETS) -> list[dict]:
    """The labelled statements of the named sets, in file order."""
    rows = []
    for name in names:
        path = DATA / f"{name}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def feature_set(row: dict) -> set[str]:
    """The distinct features of one labelled statement."""
    return {name for name, _, _ in features(units_of(row["text"], row["language"]))}


def fold_of(row: dict) -> int:
    """A stable fold number from the statement's id."""
    return int(hashlib.sha256(row["id"].encode("utf-8")).hexdigest(), 16) % FOLDS


def fit(rows: list[dict]) -> dict:
    """One language's part of the model: bias, weight rows per kept feature."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    found = [feature_set(row) for row in rows]
    df: dict[str, int] = {}
    for names in found:
        for name in names:
            df[name] = df.get(name, 0) + 1
    vocabulary = sorted(name for name, count in df.items() if count >= MIN_DF)
    index = {name: i for i, name in enumerate(vocabulary)}
    indptr, columns = [0], []
    for names in found:
        columns.extend(sorted(index[name] for name in names if name in index))
        indptr.append(len(columns))
    matrix = csr_matrix(
        (np.ones(len(columns)), np.array(columns, dtype=np.int64), np.array(indptr)),
        shape=(len(rows), len(vocabulary)),
    )
    bias, columns_of_levels = [], []
    for code in LEVEL_CODES:
        target = np.array([code in row["levels"] for row in rows], dtype=int)
        model = LogisticRegression(C=C, class_weight="balanced", solver="lbfgs", max_iter=5000)
        model.fit(matrix, target)
        bias.append(round(float(model.intercept_[0]), DECIMALS))
        columns_of_levels.append(model.coef_[0])
    weights = {}
    for name, i in index.items():
        row = [round(float(column[i]), DECIMALS) for column in columns_of_levels]
        if any(row):
            weights[name] = row
    return {"bias": bias, "weights": weights}


def fold_models(rows: list[dict]) -> list[LevelModel]:
    """For each fold, a model trained on the other folds; ``rows`` in one language."""
    language = rows[0]["language"]
    models = []
    for fold in range(FOLDS):
        part = fit([row for row in rows if fold_of(row) != fold]) | {"threshold": 1.0}
        data = {"format": FORMAT, "levels": list(LEVEL_CODES), "languages": {language: part}}
        models.append(LevelModel(data, f"fold{fold}"))
    return models


def out_of_fold(rows: list[dict]) -> list[dict[str, tuple[float, list[str]]]]:
    """Each statement's probabilities and evidence (where the probability reaches the lowest
    threshold tried) from the model that did not see it; ``rows`` in one language."""
    models = fold_models(rows)
    return [
        models[fold_of(row)].predict(row["text"], row["language"], THRESHOLDS[0]) for row in rows
    ]


def choose_threshold(
    rows: list[dict], predictions: list[dict[str, tuple[float, list[str]]]]
) -> float:
    """The lowest threshold at which the out-of-fold levels the model would add (probability
    at the threshold, at least one evidence word) reach TARGET_PRECISION."""
    for threshold in THRESHOLDS:
        tp = fp = 0
        for row, found in zip(rows, predictions, strict=True):
            for code, (p, words) in found.items():
                if p >= threshold and words:
                    tp += code in row["levels"]
                    fp += code not in row["levels"]
        if tp + fp and tp / (tp + fp) >= TARGET_PRECISION:
            return threshold
    return 1.0


def build(rows: list[dict]) -> dict:
    """The whole model file's content."""
    languages = {}
    for language in LANGUAGES:
        picked = [row for row in rows if row["language"] == language]
        threshold = choose_threshold(picked, out_of_fold(picked))
        languages[language] = fit(picked) | {"threshold": threshold}
    return {
        "format": FORMAT,
        "levels": list(LEVEL_CODES),
        "trained_on": list(TRAINING_SETS),
        "texts": {language: sum(r["language"] == language for r in rows) for language in LANGUAGES},
        "languages": languages,
    }


def dump(model: dict) -> bytes:
    """The model as compact JSON with sorted keys: the same model, the same bytes."""
    return (
        json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    ).encode("utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=MODEL_PATH, help="where to write the model")
    args = parser.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn is needed: pip install -e '.[dev]'", file=sys.stderr)
        return 2
    content = dump(build(read_rows()))
    args.output.write_bytes(content)
    model = json.loads(content)
    for language, part in model["languages"].items():
        print(
            f"{language}: {model['texts'][language]} texts, {len(part['weights'])} features, "
            f"threshold {part['threshold']}"
        )
    print(f"wrote {args.output} ({len(content):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

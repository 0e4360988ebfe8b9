"""The learned level model: probabilities with evidence quoted from the text, Traditional
Chinese read like Simplified, the committed file small, versioned and rebuilt byte for byte."""

import hashlib
import json
import math
from pathlib import Path

import pytest

from pipeline import tag_text
from pipeline.codebook import LEVEL_CODES
from pipeline.learned import (
    FUNCTION_WORDS,
    MODEL_PATH,
    LevelModel,
    features,
    load_model,
    model_version,
    predict,
    units_of,
)

DATA = Path(__file__).resolve().parents[1] / "pipeline" / "data"
SUPPORT_EN = "The council paid each family a one-off cash transfer and extended jobless benefits."
SUPPORT_ZH = "政府给每户发放了临时生活补贴和失业补助金。"
SUPPORT_ZH_TRADITIONAL = "政府給每戶發放了臨時生活補貼和失業補助金。"


def _eval_rows() -> list[dict]:
    lines = (DATA / "eval_set.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_every_level_gets_a_probability() -> None:
    for text, language in ((SUPPORT_EN, "en"), (SUPPORT_ZH, "zh"), ("", "en"), ("", "zh")):
        found = predict(text, language)
        assert set(found) == set(LEVEL_CODES)
        assert all(0.0 < p < 1.0 for p, _ in found.values())


def test_a_plain_support_statement_is_stimulus_with_its_own_words() -> None:
    for text, language in ((SUPPORT_EN, "en"), (SUPPORT_ZH, "zh")):
        found = predict(text, language)
        probability, words = found["stimulus"]
        assert probability >= load_model().thresholds[language]
        assert max(found.values())[0] == probability
        assert words and all(word in text for word in words)
    assert any("cash transfer" in word for word in predict(SUPPORT_EN, "en")["stimulus"][1])
    assert "补贴" in predict(SUPPORT_ZH, "zh")["stimulus"][1]


def test_traditional_chinese_scores_as_simplified_and_is_quoted_as_written() -> None:
    simplified = predict(SUPPORT_ZH, "zh")
    traditional = predict(SUPPORT_ZH_TRADITIONAL, "zh")
    for code in LEVEL_CODES:
        assert traditional[code][0] == pytest.approx(simplified[code][0])
    words = traditional["stimulus"][1]
    assert "補貼" in words
    assert all(word in SUPPORT_ZH_TRADITIONAL for word in words)


def test_evidence_is_verbatim_and_never_function_words_alone() -> None:
    quoted = 0
    for row in _eval_rows():
        for _, words in predict(row["text"], row["language"]).values():
            assert len(words) <= 3
            for word in words:
                quoted += 1
                assert word in row["text"]
                keys = {unit.key for unit in units_of(word, row["language"])}
                assert not keys <= FUNCTION_WORDS, (word, row["text"])
    assert quoted > 500
    assert predict("the and of it at", "en")["stimulus"][1] == []


def test_the_fast_lookup_reads_the_features_training_reads() -> None:
    """predict looks features up without naming them; training names them with features()."""
    data = json.loads(MODEL_PATH.read_bytes())
    model = load_model()
    for row in _eval_rows()[::3]:
        part = data["languages"][row["language"]]
        names = {name for name, _, _ in features(units_of(row["text"], row["language"]))}
        found = model.predict(row["text"], row["language"])
        for level, code in enumerate(data["levels"]):
            logit = part["bias"][level] + sum(
                part["weights"][name][level] for name in names if name in part["weights"]
            )
            assert found[code][0] == pytest.approx(1 / (1 + math.exp(-logit)))


def test_additions_are_new_levels_over_the_threshold_with_evidence() -> None:
    model = load_model()
    added = 0
    for row in _eval_rows():
        tagged = tag_text(row["text"]).levels
        extra = model.additions(row["text"], row["language"], tagged)
        assert not set(extra) & tagged
        for probability, words in extra.values():
            added += 1
            assert probability >= model.thresholds[row["language"]] and words
    everything = frozenset(LEVEL_CODES)
    assert model.additions(SUPPORT_EN, "en", everything) == {}
    assert "stimulus" in model.additions(SUPPORT_EN, "en", frozenset())
    assert added < len(_eval_rows())


def test_bad_language_and_format_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        predict("Le chômage partiel", "fr")
    with pytest.raises(ValueError, match="format 99"):
        LevelModel({"format": 99, "levels": [], "languages": {}}, "x")


def test_the_model_file_is_small_and_its_hash_is_its_version(tmp_path: Path) -> None:
    raw = MODEL_PATH.read_bytes()
    assert len(raw) < 512 * 1024
    assert model_version() == hashlib.sha256(raw).hexdigest()[:8]
    data = json.loads(raw)
    data["languages"]["en"]["threshold"] = 0.99
    changed = tmp_path / "model.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    assert load_model(changed).digest != model_version()
    assert load_model(changed).thresholds["en"] == 0.99


def test_the_command_rebuilds_the_committed_model_byte_for_byte(tmp_path: Path) -> None:
    """Built again from the labelled sets, the model is the committed file, byte for byte."""
    pytest.importorskip("sklearn")
    from pipeline import train_model

    built = tmp_path / "model.json"
    assert train_model.main(["--output", str(built)]) == 0
    assert built.read_bytes() == MODEL_PATH.read_bytes(), (
        "the committed model is not what the labelled sets give: "
        "run python -m pipeline.train_model and commit pipeline/data/level_model.json"
    )
    trained_on = json.loads(built.read_bytes())["trained_on"]
    assert "test_set" not in trained_on and "field_blind" not in trained_on

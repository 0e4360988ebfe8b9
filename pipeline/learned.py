"""The learned level model at run time: a per-level linear model read from a committed file.

Pure Python (no scikit-learn here: ``pipeline/train_model.py`` builds the file with it).
Features are binary: English Snowball stems and their adjacent pairs, Chinese characters
(Traditional read as Simplified) and their adjacent pairs, which needs no jieba cut. A level's
probability is the logistic of its bias plus the weights of the features present. Its evidence
is the text's words behind the strongest positive features, never function words alone,
overlapping ones quoted together verbatim, so a level the model adds still carries its words.

The tagger does not use it: ``bench/eval_learned.py`` shows that the levels it would add
(``LevelModel.additions``) raise recall but cost precision. Wiring it in means calling
``additions`` after the rules' levels in ``Tagger.tag`` and adding ``model_version()`` to the
tagger version, so that a new model re-tags everything.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import snowballstemmer

from pipeline.traditional import to_simplified

MODEL_PATH = Path(__file__).resolve().parent / "data" / "level_model.json"
FORMAT = 1
#: A word needs at least this contribution (and a share of the level's top word) to be quoted.
MIN_EVIDENCE = 0.3
EVIDENCE_SHARE = 0.3
MAX_EVIDENCE = 3

# a word, or a clause mark (a break)
_EN_UNIT = re.compile(r"([^\W_]+(?:['’][^\W_]+)?)|[.,;:!?()\[\]\"“”—–]")
# a CJK character, a Latin or digit run, or a break (any other mark; spaces are skipped)
_ZH_UNIT = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])|([^\W_]+)|[^\w\s]")
_DIGIT = re.compile(r"\d")
_STEMMER = snowballstemmer.stemmer("english")
_FUNCTION_EN = str.split(
    "a an the this that these those it its i me my we our us you your he she his her they "
    "them their there here is are was were be been being am do does did have has had will "
    "would could should can may might must shall of in on at to for from by with into onto "
    "over under about after before during since until up out off as than then so and or but "
    "if because while when where which who whom what how all any some each every just still "
    "also even only very too more most much many lot lol now"
)
_FUNCTION_ZH = "的了是在我你他她它们也都就还和与及把被让到对这那个一有着过吧呢啊吗么之其"
#: Keys never quoted alone as evidence (a stem, a character, a number).
FUNCTION_WORDS = frozenset(
    [_STEMMER.stemWord(word) for word in _FUNCTION_EN] + list(_FUNCTION_ZH) + ["<num>"]
)
_CACHE_LIMIT = 65536
_stems: dict[str, str] = {}


_new_unit = tuple.__new__  # builds a Unit without NamedTuple's Python-level __new__


class Unit(NamedTuple):
    """A word (en) or character (zh) with its place; ``key`` "" marks a clause break."""

    key: str
    start: int
    end: int


def _stem(word: str) -> str:
    key = _stems.get(word)
    if key is None:
        lower = word.lower().replace("’", "'")
        key = "<num>" if _DIGIT.search(lower) else _STEMMER.stemWord(lower.replace("'", ""))
        if len(_stems) >= _CACHE_LIMIT:
            _stems.clear()
        _stems[word] = key
    return key


def english_units(text: str) -> list[Unit]:
    """Stemmed words, numbers as <num>, with a break unit at each clause mark."""
    stems = _stems
    return [
        _new_unit(Unit, ((stems.get(word) or _stem(word)) if word else "", *match.span()))
        for match in _EN_UNIT.finditer(text)
        for word in (match.group(1),)
    ]


def chinese_units(text: str) -> list[Unit]:
    """CJK characters one by one (Traditional read as Simplified, in place), Latin words
    lower-cased, numbers as <num>, breaks between."""
    units = []
    for match in _ZH_UNIT.finditer(to_simplified(text)):
        key = match.group(1)
        if key is None:
            word = match.group(2)
            key = "" if word is None else "<num>" if _DIGIT.search(word) else word.lower()
        units.append(_new_unit(Unit, (key, *match.span())))
    return units


def features(units: list[Unit]) -> list[tuple[str, int, int]]:
    """Each unigram and adjacent pair as (feature, first unit, last unit); pairs never cross
    a break. Training and run time share this, so their features are the same."""
    found = []
    previous = ""
    for index, unit in enumerate(units):
        key = unit.key
        if key:
            found.append((key, index, index))
            if previous:
                found.append((f"{previous} {key}", index - 1, index))
        previous = key
    return found


def units_of(text: str, language: str) -> list[Unit]:
    """The units the model reads for a text in ``language`` ('en' or 'zh')."""
    if language == "zh":
        return chinese_units(text)
    if language == "en":
        return english_units(text)
    raise ValueError(f"unknown language {language!r}: expected 'en' or 'zh'")


class LevelModel:
    """The model file loaded: per language a bias and a weight row per feature."""

    def __init__(self, data: dict[str, Any], digest: str) -> None:
        if data.get("format") != FORMAT:
            raise ValueError(f"level model format {data.get('format')!r}, expected {FORMAT}")
        self.levels: tuple[str, ...] = tuple(data["levels"])
        self.digest = digest
        self.thresholds: dict[str, float] = {}
        self._bias: dict[str, list[float]] = {}
        # unigrams by key, pairs by first key then second: no pair string built per text
        self._single: dict[str, dict[str, list[float]]] = {}
        self._pairs: dict[str, dict[str, dict[str, list[float]]]] = {}
        for language, part in data["languages"].items():
            self.thresholds[language] = float(part["threshold"])
            self._bias[language] = [float(b) for b in part["bias"]]
            single = self._single[language] = {}
            pairs: dict[str, dict[str, list[float]]] = self._pairs.setdefault(language, {})
            for name, row in part["weights"].items():
                first, _, second = name.partition(" ")
                if second:
                    pairs.setdefault(first, {})[second] = row
                else:
                    single[name] = row

    def predict(
        self, text: str, language: str, min_probability: float = 0.0
    ) -> dict[str, tuple[float, list[str]]]:
        """Probability and evidence words per level; evidence only where the probability
        reaches ``min_probability`` (the rest get an empty list, which saves the work)."""
        units, present, probabilities = self._read(text, language)
        return {
            code: (
                probability,
                _evidence(text, units, present, level) if probability >= min_probability else [],
            )
            for level, (code, probability) in enumerate(
                zip(self.levels, probabilities, strict=True)
            )
        }

    def additions(
        self, text: str, language: str, tagged: frozenset[str] | set[str]
    ) -> dict[str, tuple[float, list[str]]]:
        """The levels the model adds to the rules' ``tagged`` ones: probability at least the
        language's threshold and at least one evidence word; with both, per level."""
        threshold = self.thresholds[language]
        units, present, probabilities = self._read(text, language)
        found = {}
        for level, (code, probability) in enumerate(zip(self.levels, probabilities, strict=True)):
            if probability >= threshold and code not in tagged:
                words = _evidence(text, units, present, level)
                if words:
                    found[code] = (probability, words)
        return found

    def _read(
        self, text: str, language: str
    ) -> tuple[list[Unit], list[tuple[list[float], int, int]], list[float]]:
        """The text's units, its features found in the model (row, first, last unit) and the
        probability per level: the features of :func:`features`, looked up without names."""
        units = units_of(text, language)
        single = self._single[language]
        pairs = self._pairs[language]
        seen: set[Any] = set()
        present = []
        previous = ""
        for index, (key, _, _) in enumerate(units):
            if key:
                row = single.get(key)
                if row is not None and key not in seen:
                    seen.add(key)
                    present.append((row, index, index))
                if previous:
                    following = pairs.get(previous)
                    row = following.get(key) if following is not None else None
                    if row is not None and (previous, key) not in seen:
                        seen.add((previous, key))
                        present.append((row, index - 1, index))
            previous = key
        bias = self._bias[language]
        sums = bias
        if present:
            columns = zip(*(row for row, _, _ in present), strict=True)
            sums = [base + sum(column) for base, column in zip(bias, columns, strict=True)]
        return units, present, [_logistic(value) for value in sums]


def _logistic(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    small = math.exp(value)
    return small / (1.0 + small)


def _evidence(
    text: str, units: list[Unit], present: list[tuple[list[float], int, int]], level: int
) -> list[str]:
    """The text's words behind the strongest positive features of ``level``, strongest first.

    A feature made only of function words ("at the", "了") is never quoted; overlapping or
    adjacent features are quoted as one stretch of the text, as it was written.
    """
    strong = [
        (row[level], first, last)
        for row, first, last in present
        if row[level] >= MIN_EVIDENCE
        and not all(units[i].key in FUNCTION_WORDS for i in range(first, last + 1))
    ]
    if not strong:
        return []
    floor = EVIDENCE_SHARE * max(weight for weight, _, _ in strong)
    spans: list[list[float]] = []  # [strength, first, last], in text order
    for weight, first, last in sorted(
        (item for item in strong if item[0] >= floor), key=lambda item: item[1:]
    ):
        if spans and first <= spans[-1][2] + 1:
            spans[-1][0] += weight
            spans[-1][2] = max(spans[-1][2], last)
        else:
            spans.append([weight, first, last])
    spans.sort(key=lambda span: -span[0])
    quotes = []
    for _, first, last in spans[:MAX_EVIDENCE]:
        quote = text[units[int(first)].start : units[int(last)].end]
        if quote not in quotes:
            quotes.append(quote)
    return quotes


@lru_cache(maxsize=1)
def load_model(path: str | Path | None = None) -> LevelModel:
    """The committed model (or the file at ``path``), read once."""
    raw = Path(path or MODEL_PATH).read_bytes()
    return LevelModel(json.loads(raw), hashlib.sha256(raw).hexdigest()[:8])


def model_version() -> str:
    """Hash of the committed model file: part of the tagger version, so a new model re-tags."""
    return load_model().digest


def predict(text: str, language: str) -> dict[str, tuple[float, list[str]]]:
    """Per level the committed model's probability for ``text`` and its evidence words."""
    return load_model().predict(text, language)

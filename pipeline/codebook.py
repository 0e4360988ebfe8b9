"""Load and validate the tagger's codebook (``codebook.yaml``) into frozen dataclasses.

The codebook is data that organisers edit; the tagger version is derived from it, so a
tagged text always says which codebook produced its tags.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from survey_db.models.overlay import KINDS as ADDITION_KINDS
from survey_db.models.vocabulary import AREAS, GROUPS, LANGUAGES, LEVELS

DEFAULT_PATH = Path(__file__).with_name("codebook.yaml")
# The codes are the product's vocabulary (survey_db/models/vocabulary.py); the codebook must
# use exactly these.
LEVEL_CODES = LEVELS
GROUP_CODES = GROUPS
AREA_CODES = AREAS
STRENGTHS = ("strong", "weak")
# a term needs at least one letter, digit or CJK character to match anything real
_WORDLIKE = re.compile(r"[^\W_]")


class CodebookError(ValueError):
    """The codebook file does not have the expected shape."""


@dataclass(frozen=True)
class Indicator:
    """One indicator pattern as written in the codebook, with its weight."""

    pattern: str
    weight: float


@dataclass(frozen=True)
class Addition:
    """An indicator or shield added to the bundled codebook from outside it (the review
    overlay).

    Written like a codebook indicator (``*`` gaps, English stemmed); ``weak`` gives it the
    weak weight. A shield joins the language's shields (it wins over the shorter indicators
    inside it and counts for nothing); its ``level`` is the one it is meant to stop. Invalid
    additions raise :class:`CodebookError` with a message for people.
    """

    level: str
    language: str
    term: str
    weak: bool = False
    kind: str = "indicator"

    def __post_init__(self) -> None:
        if self.level not in LEVEL_CODES:
            raise CodebookError(
                f"unknown level {self.level!r}: use one of {', '.join(LEVEL_CODES)}"
            )
        if self.language not in LANGUAGES:
            raise CodebookError(
                f"unknown language {self.language!r}: use one of {', '.join(LANGUAGES)}"
            )
        if self.kind not in ADDITION_KINDS:
            raise CodebookError(
                f"unknown kind {self.kind!r}: use one of {', '.join(ADDITION_KINDS)}"
            )
        if self.kind == "shield" and self.weak:
            raise CodebookError("a shield has no weight: it cannot be weak")
        pieces = self.term.split() if isinstance(self.term, str) else []
        if not pieces or not _WORDLIKE.search(self.term):
            raise CodebookError("a term needs at least one letter, digit or Chinese character")
        if pieces[0] == "*" or pieces[-1] == "*":
            raise CodebookError("a term cannot begin or end with the wildcard *")


@dataclass(frozen=True)
class Category:
    """A level, group or area: labels, definitions and indicators per language."""

    code: str
    label_en: str
    label_zh: str
    definition_en: str
    definition_zh: str
    indicators: dict[str, tuple[Indicator, ...]]
    plain_negation_cancels: bool = True
    #: by language, words that end a payment of this level named after a containment measure
    #: ("self-isolation payment" names the isolation too; see pipeline/matching.py)
    payment_words: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class NegationRules:
    """Negation and contrast vocabulary of one language (see codebook.yaml)."""

    cues: frozenset[str]
    scope_only: frozenset[str]  # cues that negate what follows but never stand for "no"
    not_after: frozenset[str]
    scope: int
    fillers: frozenset[str]
    boundaries: frozenset[str]
    contrast: tuple[str, ...]
    contrast_after: frozenset[str]
    backward: frozenset[str]
    breakers: frozenset[str]
    unrelated_open: frozenset[str]
    unrelated_close: frozenset[str]
    # counterfactuals: what follows (in its clause) did not happen ("would otherwise have")
    counterfactual: tuple[str, ...] = ()
    # conditions of a counterfactual ("要不是 X，Y"): the clause after the next comma did not
    counterfactual_if: tuple[str, ...] = ()


@dataclass(frozen=True)
class Codebook:
    """The whole codebook; ``tagger_version`` changes whenever the file changes."""

    version: str
    tagger_version: str
    threshold: float
    levels: tuple[Category, ...]
    groups: tuple[Category, ...]
    areas: tuple[Category, ...]
    shields: dict[str, tuple[str, ...]]
    negation: dict[str, NegationRules]
    #: English words whose TextBlob polarity is read as neutral (see codebook.yaml)
    neutral_sentiment: frozenset[str] = frozenset()
    #: indicators added from outside the file (see :class:`Addition`), already merged
    additions: tuple[Addition, ...] = ()


@cache
def bundled_codebook() -> Codebook:
    """The bundled codebook, read once per process: a workbook build or a page that only
    names its categories need not parse 5,000 entries again (a running app, like its
    tagger, reads a changed file at its next start)."""
    return load_codebook()


def load_codebook(path: str | Path | None = None, additions: Iterable[Addition] = ()) -> Codebook:
    """Read, validate and freeze a codebook (the bundled one by default), with ``additions``
    merged as extra indicators of their levels (or extra shields of their languages).

    The tagger version is "<version>+<hash of the file>", followed by "+<hash of the
    additions>" when there are any: a change to either re-tags everything at the next run.
    """
    raw_bytes = Path(path or DEFAULT_PATH).read_bytes()
    try:
        # libyaml's safe loader: the same result as ``yaml.safe_load`` in a tenth of the time,
        # which every workbook build and console codebook page pays.
        data = yaml.load(raw_bytes, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        raise CodebookError(f"codebook is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CodebookError("codebook must be a mapping")
    version = _require(data, "version", str)
    scoring = _require(data, "scoring", dict)
    weights = _require(scoring, "weights", dict)
    threshold = float(_require(scoring, "threshold", (int, float)))
    if not 0 < threshold < 1:
        raise CodebookError("scoring.threshold must be between 0 and 1")
    digest = hashlib.sha256(raw_bytes).hexdigest()[:8]
    added = unique_additions(additions)
    levels = _categories(data, "levels", LEVEL_CODES, weights)
    tagger_version = f"{version}+{digest}"
    shields = _shields(_require(data, "shields", dict))
    if added:
        shields = {
            lang: phrases
            + tuple(a.term for a in added if a.kind == "shield" and a.language == lang)
            for lang, phrases in shields.items()
        }
        levels = _merge(levels, added, weights)
        tagger_version += f"+{_additions_digest(added)}"
    return Codebook(
        version=version,
        tagger_version=tagger_version,
        threshold=threshold,
        levels=levels,
        groups=_categories(data, "groups", GROUP_CODES, weights),
        areas=_categories(data, "areas", AREA_CODES, weights),
        shields=shields,
        negation={
            lang: _negation(_require(_require(data, "negation", dict), lang, dict))
            for lang in LANGUAGES
        },
        neutral_sentiment=_neutral_sentiment(data.get("sentiment") or {}),
        additions=added,
    )


def unique_additions(additions: Iterable[Addition]) -> tuple[Addition, ...]:
    """The additions with blanks squeezed, each once, in a fixed order (order never matters)."""
    found = set()
    for addition in additions:
        if not isinstance(addition, Addition):
            raise CodebookError(f"not a codebook addition: {addition!r}")
        found.add(replace(addition, term=" ".join(addition.term.split())))
    return tuple(sorted(found, key=lambda a: (a.level, a.language, a.term, a.weak, a.kind)))


def _merge(
    levels: tuple[Category, ...], additions: tuple[Addition, ...], weights: dict[str, Any]
) -> tuple[Category, ...]:
    """The levels with the indicator additions appended to their indicators."""
    merged = []
    for category in levels:
        indicators = {lang: list(found) for lang, found in category.indicators.items()}
        for addition in additions:
            if addition.level == category.code and addition.kind == "indicator":
                weight = float(
                    _require(weights, "weak" if addition.weak else "strong", (int, float))
                )
                indicators[addition.language].append(Indicator(addition.term, weight))
        frozen = {lang: tuple(found) for lang, found in indicators.items()}
        merged.append(replace(category, indicators=frozen))
    return tuple(merged)


def _additions_digest(additions: tuple[Addition, ...]) -> str:
    # a shield's row says so; an indicator's is as before kinds existed (same versions)
    rows = [
        [a.level, a.language, a.term, a.weak] + ([a.kind] if a.kind != "indicator" else [])
        for a in additions
    ]
    encoded = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:8]


def _require(mapping: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = mapping.get(key)
    if not isinstance(value, kind):
        raise CodebookError(f"codebook key {key!r} is missing or has the wrong type")
    return value


def _categories(
    data: dict[str, Any], section: str, codes: tuple[str, ...], weights: dict[str, Any]
) -> tuple[Category, ...]:
    entries = _require(data, section, dict)
    if set(entries) != set(codes):
        raise CodebookError(f"{section} must be exactly {', '.join(codes)}")
    return tuple(_category(code, entries[code], weights) for code in codes)


def _category(code: str, entry: Any, weights: dict[str, Any]) -> Category:
    if not isinstance(entry, dict):
        raise CodebookError(f"{code} must be a mapping")
    texts = {
        key: _require(entry, key, str)
        for key in ("label_en", "label_zh", "definition_en", "definition_zh")
    }
    by_language = _require(entry, "indicators", dict)
    indicators: dict[str, tuple[Indicator, ...]] = {}
    for lang in LANGUAGES:
        tiers = _require(by_language, lang, dict)
        found = []
        for strength in STRENGTHS:
            weight = float(_require(weights, strength, (int, float)))
            for pattern in tiers.get(strength) or ():
                if not isinstance(pattern, str) or not pattern.strip():
                    raise CodebookError(f"{code}: indicator {pattern!r} must be a non-empty string")
                found.append(Indicator(pattern.strip(), weight))
        if not found:
            raise CodebookError(f"{code} has no {lang} indicators")
        indicators[lang] = tuple(found)
    return Category(
        code=code,
        indicators=indicators,
        plain_negation_cancels=bool(entry.get("plain_negation_cancels", True)),
        payment_words=_payment_words(code, entry.get("payment_words") or {}),
        **texts,
    )


def _payment_words(code: str, section: Any) -> dict[str, tuple[str, ...]]:
    """``<level>.payment_words`` (optional): per language, a list of quoted words."""
    if not isinstance(section, dict) or not set(section) <= set(LANGUAGES):
        raise CodebookError(
            f"{code}.payment_words must map languages ({', '.join(LANGUAGES)}) to words"
        )
    found = {}
    for lang, words in section.items():
        if not isinstance(words, list) or not all(
            isinstance(word, str) and word.strip() for word in words
        ):
            raise CodebookError(f"{code}.payment_words.{lang} must be a list of quoted words")
        found[lang] = tuple(word.strip() for word in words)
    return found


def _shields(entry: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    shields = {lang: tuple(entry.get(lang) or ()) for lang in LANGUAGES}
    if not all(isinstance(phrase, str) for phrases in shields.values() for phrase in phrases):
        raise CodebookError("shields must hold strings only")
    return shields


def _neutral_sentiment(section: Any) -> frozenset[str]:
    """``sentiment.en.neutral`` (optional): the words whose polarity is not counted."""
    english = (section.get("en") or {}) if isinstance(section, dict) else None
    if not isinstance(english, dict):
        raise CodebookError("sentiment and sentiment.en must be mappings")
    words = english.get("neutral") or []
    if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
        raise CodebookError("sentiment.en.neutral must be a list of quoted words")
    return frozenset(word.strip().lower() for word in words)


def _negation(entry: dict[str, Any]) -> NegationRules:
    def strings(key: str) -> list[str]:
        values = entry.get(key) or []
        if not all(isinstance(value, str) for value in values):
            # YAML reads a bare no/yes/on/off as a boolean: quote such words
            raise CodebookError(f"negation.{key} must hold quoted strings only")
        return [value.lower() for value in values]

    def words(key: str) -> frozenset[str]:
        return frozenset(strings(key))

    return NegationRules(
        cues=words("cues") | words("scope_only"),
        scope_only=words("scope_only"),
        not_after=words("not_after"),
        scope=int(_require(entry, "scope", int)),
        fillers=words("fillers"),
        boundaries=words("boundaries"),
        contrast=tuple(strings("contrast")),
        contrast_after=words("contrast_after"),
        backward=words("backward"),
        breakers=words("breakers"),
        unrelated_open=words("unrelated_open"),
        unrelated_close=words("unrelated_close"),
        counterfactual=tuple(strings("counterfactual")),
        counterfactual_if=tuple(strings("counterfactual_if")),
    )

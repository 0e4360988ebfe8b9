"""Tag one free-text answer with impact levels, groups and areas: text in, result out.

Pure by design (no database, no I/O beyond loading the codebook and jieba's bundled
dictionary once) so the nightly runner can batch it and tests can call it directly. The
steps live in their own modules: :mod:`pipeline.tokens` (words), :mod:`pipeline.matching`
(indicator patterns), :mod:`pipeline.negation` (what a "no" or a contrast cancels),
:mod:`pipeline.scoring` (weights, confidence, evidence) and :mod:`pipeline.sentiment`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.codebook import (
    Addition,
    Codebook,
    bundled_codebook,
    load_codebook,
    unique_additions,
)
from pipeline.matching import (
    SHIELD,
    Matchers,
    compile_language,
    cut_needed,
    level_matches,
    raw_matches,
    tag_weights,
)
from pipeline.negation import negation_marks
from pipeline.scoring import confidence, level_weights, passing
from pipeline.sentiment import Polarity
from pipeline.tokens import GAP, ChineseTokens, EnglishTokens, Token, language_of
from pipeline.traditional import to_simplified

__all__ = [
    "TagResult",
    "Tagger",
    "build_tagger",
    "default_tagger",
    "language_of",
    "tag_text",
    "tagger_version",
]


@dataclass(frozen=True)
class TagResult:
    """What the tagger says about one text; ``evidence`` quotes the text verbatim."""

    levels: frozenset[str]
    scores: dict[str, float]
    evidence: dict[str, tuple[str, ...]]
    groups: frozenset[str]
    areas: frozenset[str]
    sentiment: float | None
    language: str
    version: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form, with sorted lists so stored rows compare equal."""
        return {
            "levels": sorted(self.levels),
            "scores": {code: round(score, 4) for code, score in self.scores.items()},
            "evidence": {code: list(quotes) for code, quotes in sorted(self.evidence.items())},
            "groups": sorted(self.groups),
            "areas": sorted(self.areas),
            "sentiment": None if self.sentiment is None else round(self.sentiment, 4),
            "language": self.language,
            "version": self.version,
        }


class Tagger:
    """A codebook compiled into matchers; build once, call ``tag`` many times."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._tokens = {
            "en": EnglishTokens(codebook.negation["en"]),
            "zh": ChineseTokens(codebook.negation["zh"], chinese_terms(codebook)),
        }
        self._compiled: dict[str, Matchers] = {}
        self._level_codes = tuple(cat.code for cat in codebook.levels)
        self._cancels = {cat.code: cat.plain_negation_cancels for cat in codebook.levels}
        self._polarity = Polarity(codebook.neutral_sentiment)

    def tag(self, text: str) -> TagResult:
        """Tag ``text``; any string is accepted, empty ones get no tags."""
        language = language_of(text)
        compiled = self._language(language)
        tokenise = self._tokens[language]
        if language == "zh":
            # matched in Simplified, quoted as written: the two have the same places
            read = to_simplified(text)
            raw_hits = raw_matches(read, compiled)
            tokens = tokenise(read) if cut_needed(read, raw_hits, compiled) else []
        else:
            read = text
            raw_hits = []
            tokens = tokenise(text)
        weights, evidence = self._levels(text, tokens, raw_hits, compiled)
        scores = {
            code: confidence(weights[code]) if code in weights else 0.0
            for code in self._level_codes
        }
        threshold = self.codebook.threshold
        levels = frozenset(code for code, score in scores.items() if score >= threshold)
        found = tag_weights(read, tokens, compiled)
        return TagResult(
            levels=levels,
            scores=scores,
            evidence={code: tuple(evidence[code]) for code in levels},
            groups=passing(self.codebook.groups, found, threshold),
            areas=passing(self.codebook.areas, found, threshold),
            sentiment=self._polarity(text) if language == "en" else None,
            language=language,
            version=self.codebook.tagger_version,
        )

    def _levels(
        self, text: str, tokens: list[Token], raw_hits: list[Any], compiled: Matchers
    ) -> tuple[dict[str, list[float]], dict[str, list[str]]]:
        """Leftmost-longest matching over levels and shields; negated matches are dropped."""
        hits = level_matches(tokens, raw_hits, compiled)
        if not any(hit[4] != SHIELD for hit in hits):
            return {}, {}
        # negation is only worked out for texts that have something it could cancel
        marks = negation_marks(
            tokens,
            compiled.rules,
            compiled.contrast,
            compiled.counterfactual,
            compiled.counterfactual_if,
        )
        return level_weights(text, hits, marks, self._cancels)

    def _language(self, language: str) -> Matchers:
        compiled = self._compiled.get(language)
        if compiled is None:
            compiled = compile_language(self.codebook, language, self._tokens[language])
            self._compiled[language] = compiled
        return compiled


def chinese_terms(book: Codebook) -> list[str]:
    """Every Chinese word of the codebook that jieba must cut whole."""
    rules = book.negation["zh"]
    terms = [ind.pattern for cat in book.levels for ind in cat.indicators["zh"]]
    terms += (
        list(book.shields["zh"])
        + list(rules.cues)
        + list(rules.contrast)
        + list(rules.counterfactual)
        + list(rules.counterfactual_if)
        + list(rules.unrelated_close)
    )
    return [piece for term in terms for piece in term.split() if piece != GAP and len(piece) > 1]


@lru_cache(maxsize=1)
def default_tagger() -> Tagger:
    """The tagger for the bundled codebook, built on first use."""
    return Tagger(bundled_codebook())


@lru_cache(maxsize=4)
def _tagger_with(additions: tuple[Addition, ...]) -> Tagger:
    return Tagger(load_codebook(additions=additions))


def build_tagger(additions: Iterable[Addition] = ()) -> Tagger:
    """The tagger for the bundled codebook with ``additions`` (the review overlay) merged.

    Built once per set of additions (their order does not matter); its ``codebook`` has the
    tagger version to store with its tags.
    """
    added = unique_additions(additions)
    return _tagger_with(added) if added else default_tagger()


def tag_text(text: str) -> TagResult:
    """Tag one text with the bundled codebook."""
    return default_tagger().tag(text)


def tagger_version(path: str | Path | None = None) -> str:
    """Version string of the tagger for a codebook (the bundled one by default)."""
    return load_codebook(path).tagger_version if path else default_tagger().codebook.tagger_version

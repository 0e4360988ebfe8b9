"""Tag one free-text answer with impact levels, groups and areas: text in, result out.

Pure by design (no database, no I/O beyond loading the codebook and jieba's bundled
dictionary once) so the nightly runner can batch it and tests can call it directly.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import jieba
import snowballstemmer
from textblob.en import sentiment as _pattern_sentiment

from pipeline.codebook import Category, Codebook, NegationRules, load_codebook

NEG = "<neg>"  # every negation cue stems to this, so "no income" also matches "without income"
SOFT = "<neg?>"  # a scope-only cue ("few", "avoided"): negates what follows, is never a "no"
GAP = "*"  # a pattern gap: up to MAX_GAP tokens of any kind
MAX_GAP = 4
SHIELD = ""  # code of a shield match: blocks shorter indicators, counts for nothing
PLAIN, CONTRAST = 1, 2  # kinds of negation marked on tokens

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
# words, punctuation, and dashes that separate clauses ("—", or "-" between spaces)
_EN_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?|[.,;:!?()\[\]\"“”—–]|(?<=\s)--?(?=\s)")
_SENTENCE_END = frozenset(".;!?。；！？")
_PUNCT = frozenset('.,;:!?()[]"“”，。；：！？、（）【】「」『』…—–') | {"-", "--"}
# Chinese patterns are matched on the raw text: a "*" gap is up to this many characters,
# never across punctuation or a negation character
_ZH_GAP = f"[^\\s，。；：！？、,.;:!?（）()“”不没未无非]{{0,{2 * MAX_GAP}}}?"
_STEMMER = snowballstemmer.stemmer("english")


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


class _Token(NamedTuple):
    """A word with its place in the text (a tuple: cheaper to build than a dataclass)."""

    key: str  # stem (en) or word (zh); NEG for cues, "" for punctuation
    raw: str  # lower-cased surface form ("not" for n't-forms), for the negation rules
    start: int
    end: int


@dataclass
class _Language:
    """Compiled matchers for one language."""

    rules: NegationRules
    levels: dict[str, list[tuple[tuple[str, ...], str, float]]] = field(default_factory=dict)
    tags: dict[str, list[tuple[tuple[str, ...], str, float]]] = field(default_factory=dict)
    contrast: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # by first word
    substrings: dict[str, tuple[re.Pattern[str], dict[str, float]]] = field(
        default_factory=dict
    )  # zh tags
    # zh levels and shields found on the raw text: by first character, an alternation of
    # its patterns, longest first (group n is entries[n - 1]: pattern, code, weight)
    raw_first: re.Pattern[str] | None = None
    raw_levels: dict[str, tuple[re.Pattern[str], list[tuple[str, str, float]]]] = field(
        default_factory=dict
    )


def language_of(text: str) -> str:
    """'zh' when CJK characters are at least a quarter of the letters, else 'en'."""
    cjk = len(_CJK.findall(text))
    if not cjk:
        return "en"
    return "zh" if cjk * 4 >= cjk + len(_LATIN.findall(text)) else "en"


@lru_cache(maxsize=65536)
def _en_key(word: str, cues: frozenset[str], soft: frozenset[str]) -> str:
    """Stem of a word, cached because the same few thousand words recur in every text."""
    lower = word.lower().replace("’", "'")
    if lower in soft:
        return SOFT
    if lower in cues or lower.endswith("n't"):
        return NEG
    return _STEMMER.stemWord(lower.replace("'", ""))


def _en_tokens(text: str, cues: frozenset[str], soft: frozenset[str]) -> list[_Token]:
    tokens = []
    for match in _EN_TOKEN.finditer(text):
        word = match.group()
        key = "" if word in _PUNCT else _en_key(word, cues, soft)
        raw = "not" if key == NEG and word[-1:] in "tT" and word[-3:-2] in "nN" else word.lower()
        tokens.append(_Token(key, raw, match.start(), match.end()))
    return tokens


class Tagger:
    """A codebook compiled into matchers; build once, call ``tag`` many times."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._zh_words = jieba.Tokenizer()
        self._zh_ready = False
        self._compiled: dict[str, _Language] = {}

    def tag(self, text: str) -> TagResult:
        """Tag ``text``; any string is accepted, empty ones get no tags."""
        language = language_of(text)
        tokens = self._zh_tokens(text) if language == "zh" else self._en_tokens(text)
        compiled = self._language(language)
        negated = _negation_marks(tokens, compiled)
        weights, evidence = self._levels(text, tokens, negated, compiled)
        scores = {cat.code: _confidence(weights.get(cat.code, ())) for cat in self.codebook.levels}
        threshold = self.codebook.threshold
        levels = frozenset(code for code, score in scores.items() if score >= threshold)
        tag_weights = _tag_weights(text, tokens, compiled)
        return TagResult(
            levels=levels,
            scores=scores,
            evidence={code: tuple(evidence[code]) for code in levels},
            groups=self._passing(self.codebook.groups, tag_weights),
            areas=self._passing(self.codebook.areas, tag_weights),
            sentiment=_sentiment(text) if language == "en" else None,
            language=language,
            version=self.codebook.tagger_version,
        )

    def _passing(
        self, categories: tuple[Category, ...], weights: dict[str, dict[str, float]]
    ) -> frozenset[str]:
        threshold = self.codebook.threshold
        return frozenset(
            cat.code
            for cat in categories
            if _confidence(weights.get(cat.code, {}).values()) >= threshold
        )

    def _levels(
        self, text: str, tokens: list[_Token], negated: list[int], compiled: _Language
    ) -> tuple[dict[str, list[float]], dict[str, list[str]]]:
        """Leftmost-longest matching over levels and shields; negated matches are dropped."""
        cancels = {cat.code: cat.plain_negation_cancels for cat in self.codebook.levels}
        seen: set[tuple[str, Any]] = set()
        weights: dict[str, list[float]] = {}
        evidence: dict[str, list[str]] = {}
        for start, end, first, pattern, code, weight in _level_matches(text, tokens, compiled):
            kind = negated[first] if first >= 0 else 0
            if code != SHIELD and not (kind == CONTRAST or (kind == PLAIN and cancels[code])):
                quote = text[start:end]
                if (code, pattern) not in seen:
                    seen.add((code, pattern))
                    weights.setdefault(code, []).append(weight)
                quotes = evidence.setdefault(code, [])
                if quote not in quotes:
                    quotes.append(quote)
        return weights, evidence

    def _language(self, language: str) -> _Language:
        compiled = self._compiled.get(language)
        if compiled is None:
            compiled = self._compile(language)
            self._compiled[language] = compiled
        return compiled

    def _compile(self, language: str) -> _Language:
        book = self.codebook
        if language == "zh":
            self._prepare_jieba()
        rules = book.negation[language]
        compiled = _Language(rules=rules)
        level_terms = [
            (ind.pattern, cat.code, ind.weight)
            for cat in book.levels
            for ind in cat.indicators[language]
        ] + [(phrase, SHIELD, 0.0) for phrase in book.shields[language]]
        raw: dict[str, list[tuple[str, str, float]]] = {}
        for pattern, code, weight in level_terms:
            if language == "zh" and len(pattern.replace(" ", "")) > 1:
                # raw text: no word cut can hide "停课" in "全停课" or merge "收入大减"
                raw.setdefault(pattern[0], []).append((pattern, code, weight))
            else:
                _add(compiled.levels, self._pattern(pattern, language), code, weight)
        for first, entries in raw.items():
            # longest first, so that at one place the longest pattern (or shield) wins
            entries.sort(key=lambda entry: -len(entry[0].replace(" ", "").replace(GAP, "")))
            regex = re.compile("|".join(f"({_zh_regex(entry[0])})" for entry in entries))
            compiled.raw_levels[first] = (regex, entries)
        if raw:
            compiled.raw_first = re.compile("[" + re.escape("".join(raw)) + "]")
        plain_terms: dict[str, dict[str, float]] = {}
        for cat in book.groups + book.areas:
            for ind in cat.indicators[language]:
                if language == "zh" and GAP not in ind.pattern.split():
                    # plain substrings: no word cut can then hide "稳岗" inside "稳岗政策"
                    plain_terms.setdefault(cat.code, {})[ind.pattern] = ind.weight
                else:
                    _add(compiled.tags, self._pattern(ind.pattern, language), cat.code, ind.weight)
        for code, terms in plain_terms.items():
            longest_first = sorted(terms, key=len, reverse=True)
            pattern = re.compile("|".join(re.escape(term) for term in longest_first))
            compiled.substrings[code] = (pattern, terms)
        for table in (compiled.levels, compiled.tags):
            for entries in table.values():
                entries.sort(key=lambda entry: -len(entry[0]))
        tokenise = self._zh_tokens if language == "zh" else self._en_tokens
        for phrase in rules.contrast:
            words = tuple(tok.raw for tok in tokenise(phrase))
            if words:
                compiled.contrast.setdefault(words[0], []).append(words)
        return compiled

    def _pattern(self, pattern: str, language: str) -> tuple[str, ...]:
        tokenise = self._zh_tokens if language == "zh" else self._en_tokens
        keys: list[str] = []
        for piece in pattern.split():
            if piece == GAP:
                keys.append(GAP)
            else:
                keys.extend(tok.key for tok in tokenise(piece))
        return tuple(keys)

    def _prepare_jieba(self) -> None:
        """Load jieba's bundled dictionary and teach it every codebook term, once."""
        if self._zh_ready:
            return
        jieba.setLogLevel(60)
        self._zh_words.initialize()
        book = self.codebook
        rules = book.negation["zh"]
        terms = [ind.pattern for cat in book.levels for ind in cat.indicators["zh"]]
        terms += (
            list(book.shields["zh"])
            + list(rules.cues)
            + list(rules.contrast)
            + list(rules.unrelated_close)
        )
        for term in terms:
            for piece in term.split():
                if piece != GAP and len(piece) > 1:
                    self._zh_words.add_word(piece)
        self._zh_ready = True

    def _en_tokens(self, text: str) -> list[_Token]:
        rules = self.codebook.negation["en"]
        return _en_tokens(text, rules.cues, rules.scope_only)

    def _zh_tokens(self, text: str) -> list[_Token]:
        self._prepare_jieba()
        cues = self.codebook.negation["zh"].cues
        soft = self.codebook.negation["zh"].scope_only
        tokens = []
        offset = 0
        for word in self._zh_words.cut(text, HMM=False):
            start, offset = offset, offset + len(word)
            if word.isspace():
                continue
            lower = word.lower()
            if word in _PUNCT:
                key = ""
            elif lower in soft:
                key = SOFT
            else:
                key = NEG if lower in cues else lower
            tokens.append(_Token(key, lower, start, offset))
        return tokens


def _add(
    table: dict[str, list[tuple[tuple[str, ...], str, float]]],
    keys: tuple[str, ...],
    code: str,
    weight: float,
) -> None:
    if keys and keys[0] != GAP:
        table.setdefault(keys[0], []).append((keys, code, weight))


def _zh_regex(pattern: str) -> str:
    """A Chinese pattern as a regex: pieces in order, a "*" gap as up to 2 * MAX_GAP chars."""
    parts = []
    for piece in pattern.split():
        parts.append(_ZH_GAP if piece == GAP else re.escape(piece))
    return "".join(parts)


def _level_matches(
    text: str, tokens: list[_Token], compiled: _Language
) -> list[tuple[int, int, int, Any, str, float]]:
    """Non-overlapping level and shield matches, leftmost-longest first.

    Each is (start char, end char, first token, pattern, code, weight); token patterns
    and (zh) raw-text patterns compete for the same characters.
    """
    found: list[tuple[int, int, int, Any, str, float]] = []
    i = 0
    while i < len(tokens):
        hit = _longest(tokens, i, compiled.levels.get(tokens[i].key, ()))
        if hit is None:
            i += 1
            continue
        end, keys, code, weight = hit
        found.append((tokens[i].start, tokens[end].end, i, keys, code, weight))
        i = end + 1
    first = compiled.raw_first
    if first is None:
        return found
    starts = [tok.start for tok in tokens]
    pos = 0
    while (candidate := first.search(text, pos)) is not None:
        pos = candidate.start()
        regex, entries = compiled.raw_levels[text[pos]]
        match = regex.match(text, pos)
        if match is None:
            pos += 1
            continue
        pattern, code, weight = entries[(match.lastindex or 1) - 1]
        found.append((pos, match.end(), bisect_right(starts, pos) - 1, pattern, code, weight))
        pos = match.end()
    found.sort(key=lambda hit: (hit[0], hit[0] - hit[1]))
    kept: list[tuple[int, int, int, Any, str, float]] = []
    reached = -1
    for hit in found:
        if hit[0] >= reached:
            kept.append(hit)
            reached = hit[1]
    return kept


def _longest(
    tokens: list[_Token], start: int, candidates: list[tuple[tuple[str, ...], str, float]]
) -> tuple[int, tuple[str, ...], str, float] | None:
    """Longest candidate matching at ``start``: (last token, pattern, code, weight)."""
    for keys, code, weight in candidates:
        end = _match(tokens, start, keys, 0)
        if end is not None:
            return end, keys, code, weight
    return None


def _match(tokens: list[_Token], pos: int, keys: tuple[str, ...], k: int) -> int | None:
    """Index of the last token when ``keys[k:]`` matches from ``pos``.

    Gaps never cross punctuation or a negation: "incomes did not fall" is no "income * fall".
    """
    if pos >= len(tokens) or tokens[pos].key != keys[k]:
        return None
    if k == len(keys) - 1:
        return pos
    if keys[k + 1] != GAP:
        return _match(tokens, pos + 1, keys, k + 1)
    for skip in range(MAX_GAP + 1):
        nxt = pos + 1 + skip
        if nxt >= len(tokens) or (skip and tokens[nxt - 1].key in ("", NEG, SOFT)):
            return None
        end = _match(tokens, nxt, keys, k + 2)
        if end is not None:
            return end
    return None


def _negation_marks(tokens: list[_Token], compiled: _Language) -> list[int]:
    """Per token: 0, PLAIN (in a negation's scope) or CONTRAST (losing side of a contrast)."""
    rules = compiled.rules
    marks = [0] * len(tokens)
    for i, tok in enumerate(tokens):
        contrast_end = _contrast_at(tokens, i, compiled.contrast)
        if contrast_end is not None:
            _mark_forward(tokens, contrast_end + 1, rules, marks, CONTRAST)
        elif tok.raw in rules.unrelated_close:
            _mark_unrelated(tokens, i, rules, marks)
        elif tok.key in (NEG, SOFT) and _opens_scope(tokens, i, rules):
            kind = CONTRAST if _contrast_follows(tokens, i, rules) else PLAIN
            if _points_backward(tokens, i, rules):
                _mark_backward(tokens, i, marks)
            _mark_forward(tokens, i + 1, rules, marks, kind)
    return marks


def _contrast_at(
    tokens: list[_Token], i: int, phrases: dict[str, list[tuple[str, ...]]]
) -> int | None:
    """Last token of a contrast phrase ("rather than", "而不是") starting at ``i``."""
    for words in phrases.get(tokens[i].raw, ()):
        end = i + len(words)
        if end <= len(tokens) and all(
            tok.raw == w for tok, w in zip(tokens[i:end], words, strict=True)
        ):
            return end - 1
    return None


def _content_after(tokens: list[_Token], i: int, rules: NegationRules) -> list[_Token]:
    """The content words a negation at ``i`` reaches, stopping at a boundary."""
    reached: list[_Token] = []
    for tok in tokens[i + 1 :]:
        if not tok.key or tok.raw in rules.boundaries or len(reached) >= rules.scope:
            break
        if tok.raw not in rules.fillers:
            reached.append(tok)
    return reached


def _opens_scope(tokens: list[_Token], i: int, rules: NegationRules) -> bool:
    if i + 1 < len(tokens) and tokens[i + 1].raw in rules.not_after:
        return False
    if i > 0 and tokens[i - 1].raw == "a":  # "a few" is not a negation
        return False
    reached = _content_after(tokens, i, rules)
    return not (reached and (reached[0].raw in rules.breakers or reached[0].key in rules.breakers))


def _contrast_follows(tokens: list[_Token], i: int, rules: NegationRules) -> bool:
    for tok in tokens[i + 1 :]:
        if tok.raw in _SENTENCE_END:
            return False
        if tok.raw in rules.contrast_after:
            return True
    return False


def _points_backward(tokens: list[_Token], i: int, rules: NegationRules) -> bool:
    """In "X was not the problem" or "X 影响不大" the negation is about what came before."""
    before = [tok for tok in tokens[max(0, i - 3) : i] if tok.key and tok.raw not in rules.fillers][
        -1:
    ]
    return any(
        tok.raw in rules.backward or tok.key in rules.backward
        for tok in before + _content_after(tokens, i, rules)
    )


def _mark_forward(
    tokens: list[_Token], start: int, rules: NegationRules, marks: list[int], kind: int
) -> None:
    content = 0
    for j in range(start, len(tokens)):
        tok = tokens[j]
        if not tok.key or tok.raw in rules.boundaries or content >= rules.scope:
            return
        marks[j] = max(marks[j], kind)
        if tok.raw not in rules.fillers:
            content += 1


def _mark_backward(tokens: list[_Token], i: int, marks: list[int]) -> None:
    j = i - 1
    while j >= 0 and tokens[j].key:
        marks[j] = CONTRAST
        j -= 1


def _mark_unrelated(
    tokens: list[_Token], close: int, rules: NegationRules, marks: list[int]
) -> None:
    """In "与 X 无关" cancel X, back to the opening word within the clause."""
    for j in range(close - 1, -1, -1):
        if not tokens[j].key:
            return
        if tokens[j].raw in rules.unrelated_open:
            for k in range(j + 1, close):
                marks[k] = CONTRAST
            return


def _tag_weights(
    text: str, tokens: list[_Token], compiled: _Language
) -> dict[str, dict[str, float]]:
    """Groups and areas: every mention counts, negated or not."""
    found: dict[str, dict[str, float]] = {}
    for code, (pattern, terms) in compiled.substrings.items():
        for term in pattern.findall(text):
            found.setdefault(code, {})[term] = terms[term]
    for i, tok in enumerate(tokens):
        for keys, code, weight in compiled.tags.get(tok.key, ()):
            if _match(tokens, i, keys, 0) is not None:
                found.setdefault(code, {})[" ".join(keys)] = weight
    return found


def _confidence(weights: Any) -> float:
    return 1.0 - math.exp(-sum(weights))


def _sentiment(text: str) -> float:
    """TextBlob's polarity (its PatternAnalyzer, called directly: identical and faster)."""
    polarity = float(_pattern_sentiment(text)[0])
    return max(-1.0, min(1.0, polarity))


@lru_cache(maxsize=1)
def default_tagger() -> Tagger:
    """The tagger for the bundled codebook, built on first use."""
    return Tagger(load_codebook())


def tag_text(text: str) -> TagResult:
    """Tag one text with the bundled codebook."""
    return default_tagger().tag(text)


def tagger_version(path: str | Path | None = None) -> str:
    """Version string of the tagger for a codebook (the bundled one by default)."""
    return load_codebook(path).tagger_version if path else default_tagger().codebook.tagger_version

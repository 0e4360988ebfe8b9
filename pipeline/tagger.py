"""Tag one free-text answer with impact levels, groups and areas: text in, result out.

Pure by design (no database, no I/O beyond loading the codebook and jieba's bundled
dictionary once) so the nightly runner can batch it and tests can call it directly.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import jieba
import snowballstemmer
from textblob.en import Sentiment as _Sentiment
from textblob.en import sentiment as _textblob_sentiment

from pipeline.codebook import Category, Codebook, NegationRules, load_codebook

NEG = "<neg>"  # every negation cue stems to this, so "no income" also matches "without income"
SOFT = "<neg?>"  # a scope-only cue ("few", "avoided"): negates what follows, is never a "no"
GAP = "*"  # a pattern gap: up to MAX_GAP tokens of any kind
MAX_GAP = 4
SHIELD = ""  # code of a shield match: blocks shorter indicators, counts for nothing
PLAIN, CONTRAST = 1, 2  # kinds of negation marked on tokens

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[A-Za-z]")
# words, punctuation, and dashes that separate clauses ("—", or "-" between spaces)
_EN_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?|[.,;:!?()\[\]\"“”—–]|(?<=\s)--?(?=\s)")
_SENTENCE_END = frozenset(".;!?。；！？")
_PUNCT = frozenset('.,;:!?()[]"“”，。；：！？、（）【】「」『』…—–') | {"-", "--"}
# Chinese patterns are matched on the raw text: a "*" gap is up to this many characters,
# never across punctuation or a negation character
_ZH_GAP = f"[^\\s，。；：！？、,.;:!?（）()“”不没未无非]{{0,{2 * MAX_GAP}}}?"
_STEMMER = snowballstemmer.stemmer("english")
# jieba's own block and skip patterns (jieba.re_han_default, re_skip_default): the word cut
# below is jieba's ``Tokenizer.cut(text, HMM=False)``, without its per-call overheads
_JIEBA_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)", re.U)
_JIEBA_SKIP = re.compile("(\r\n|\\s)", re.U)
_JIEBA_ENG = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
#: Size at which the per-word caches below start afresh (they only hold what recurs).
_CACHE_LIMIT = 65536
_new_token = tuple.__new__  # builds a _Token from a tuple without NamedTuple's Python __new__


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
    # zh: a text's word cut matters only for token patterns (found by their first words) and
    # for the negation marks of raw matches (which need a cue or contrast word in the text);
    # None: always cut
    cut_words: re.Pattern[str] | None = None
    cut_cues: re.Pattern[str] | None = None
    cut_optional: bool = False


def language_of(text: str) -> str:
    """'zh' when CJK characters are at least a quarter of the letters, else 'en'."""
    cjk = len(_CJK.findall(text))
    if not cjk:
        return "en"
    return "zh" if cjk * 4 >= cjk + len(_LATIN.findall(text)) else "en"


class Tagger:
    """A codebook compiled into matchers; build once, call ``tag`` many times."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._zh_words = jieba.Tokenizer()
        self._zh_ready = False
        self._zh_logtotal = 0.0
        self._compiled: dict[str, _Language] = {}
        # per-word work that recurs in every text: (key, raw) of an English word, and the
        # log probability jieba gives a Chinese word
        self._en_words: dict[str, tuple[str, str]] = {}
        self._zh_logp: dict[str, float] = {}
        self._level_codes = tuple(cat.code for cat in codebook.levels)
        self._cancels = {cat.code: cat.plain_negation_cancels for cat in codebook.levels}
        self._group_codes = frozenset(cat.code for cat in codebook.groups)
        self._area_codes = frozenset(cat.code for cat in codebook.areas)
        self._polarity = _sentiment_lexicon(codebook.neutral_sentiment)

    def tag(self, text: str) -> TagResult:
        """Tag ``text``; any string is accepted, empty ones get no tags."""
        language = language_of(text)
        compiled = self._language(language)
        if language == "zh":
            raw_hits = _raw_matches(text, compiled)
            tokens = self._zh_tokens(text) if _cut_needed(text, raw_hits, compiled) else []
        else:
            raw_hits = []
            tokens = self._en_tokens(text)
        weights, evidence = self._levels(text, tokens, raw_hits, compiled)
        scores = {
            code: _confidence(weights[code]) if code in weights else 0.0
            for code in self._level_codes
        }
        threshold = self.codebook.threshold
        levels = frozenset(code for code, score in scores.items() if score >= threshold)
        tag_weights = _tag_weights(text, tokens, compiled)
        return TagResult(
            levels=levels,
            scores=scores,
            evidence={code: tuple(evidence[code]) for code in levels},
            groups=self._passing(self.codebook.groups, self._group_codes, tag_weights),
            areas=self._passing(self.codebook.areas, self._area_codes, tag_weights),
            sentiment=self._sentiment(text) if language == "en" else None,
            language=language,
            version=self.codebook.tagger_version,
        )

    def _sentiment(self, text: str) -> float:
        """TextBlob's polarity (its PatternAnalyzer's, called directly, which is faster), on
        its lexicon less the codebook's neutral words."""
        return max(-1.0, min(1.0, float(self._polarity(text)[0])))

    def _passing(
        self,
        categories: tuple[Category, ...],
        codes: frozenset[str],
        weights: dict[str, dict[str, float]],
    ) -> frozenset[str]:
        threshold = self.codebook.threshold
        if threshold <= 0.0:  # then even a category never mentioned passes
            return frozenset(
                cat.code
                for cat in categories
                if _confidence(weights.get(cat.code, {}).values()) >= threshold
            )
        return frozenset(
            code
            for code, found in weights.items()
            if code in codes and _confidence(found.values()) >= threshold
        )

    def _levels(
        self,
        text: str,
        tokens: list[_Token],
        raw_hits: list[tuple[int, int, str, str, float]],
        compiled: _Language,
    ) -> tuple[dict[str, list[float]], dict[str, list[str]]]:
        """Leftmost-longest matching over levels and shields; negated matches are dropped."""
        weights: dict[str, list[float]] = {}
        evidence: dict[str, list[str]] = {}
        hits = _level_matches(tokens, raw_hits, compiled)
        if not any(hit[4] != SHIELD for hit in hits):
            return weights, evidence
        # negation is only worked out for texts that have something it could cancel
        negated = _negation_marks(tokens, compiled)
        cancels = self._cancels
        seen: set[tuple[str, Any]] = set()
        for start, end, first, pattern, code, weight in hits:
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
        if language == "zh":
            _plan_cuts(compiled)
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
        self._zh_logtotal = math.log(self._zh_words.total)
        self._zh_logp.clear()
        self._zh_ready = True

    def _en_word(self, word: str) -> tuple[str, str]:
        """(key, raw) of an English word or punctuation mark, cached."""
        known = self._en_words.get(word)
        if known is not None:
            return known
        if word in _PUNCT:
            key = ""
        else:
            rules = self.codebook.negation["en"]
            lower = word.lower().replace("’", "'")
            if lower in rules.scope_only:
                key = SOFT
            elif lower in rules.cues or lower.endswith("n't"):
                key = NEG
            else:
                key = _STEMMER.stemWord(lower.replace("'", ""))
        raw = "not" if key == NEG and word[-1:] in "tT" and word[-3:-2] in "nN" else word.lower()
        if len(self._en_words) >= _CACHE_LIMIT:
            self._en_words.clear()
        known = self._en_words[word] = (key, raw)
        return known

    def _en_tokens(self, text: str) -> list[_Token]:
        words = self._en_words
        en_word = self._en_word
        tokens = []
        for match in _EN_TOKEN.finditer(text):
            known = words.get(match.group()) or en_word(match.group())
            tokens.append(_new_token(_Token, known + match.span()))
        return tokens

    def _zh_cut(self, text: str) -> Iterator[str]:
        """jieba's ``Tokenizer.cut(text, HMM=False)``, word for word (see ``jieba.cut``)."""
        for block in _JIEBA_HAN.split(text):
            if not block:
                continue
            if _JIEBA_HAN.match(block):
                yield from self._zh_cut_block(block)
            else:
                for piece in _JIEBA_SKIP.split(block):
                    if _JIEBA_SKIP.match(piece):
                        yield piece
                    else:
                        yield from piece

    def _zh_cut_block(self, block: str) -> list[str]:
        """jieba's ``__cut_DAG_NO_HMM``: its DAG and most probable route in one pass.

        The same floats as jieba's ``calc`` (``log(freq) - log(total)`` plus the route's
        rest), and the same tie-break as its ``max`` over (probability, end) pairs: the
        later end wins.
        """
        freq = self._zh_words.FREQ
        logp = self._zh_logp
        logtotal = self._zh_logtotal
        size = len(block)
        best = [0.0] * (size + 1)
        best[size] = 0  # jieba's route[N] = (0, 0)
        ends = list(range(size + 1))
        for start in range(size - 1, -1, -1):
            found = False
            top = 0.0
            top_end = start
            stop = start
            frag = block[start]
            while stop < size and frag in freq:
                if freq[frag]:
                    value = logp.get(frag)
                    if value is None:
                        value = math.log(freq[frag]) - logtotal
                        if len(logp) >= _CACHE_LIMIT:
                            logp.clear()
                        logp[frag] = value
                    value = value + best[stop + 1]
                    if not found or value >= top:
                        found, top, top_end = True, value, stop
                stop += 1
                frag = block[start : stop + 1]
            if not found:
                top = math.log(freq.get(block[start]) or 1) - logtotal + best[start + 1]
            best[start] = top
            ends[start] = top_end
        words = []
        buffer = ""
        at = 0
        while at < size:
            stop = ends[at] + 1
            word = block[at:stop]
            if stop - at == 1 and word in _JIEBA_ENG:
                buffer += word
            else:
                if buffer:
                    words.append(buffer)
                    buffer = ""
                words.append(word)
            at = stop
        if buffer:
            words.append(buffer)
        return words

    def _zh_tokens(self, text: str) -> list[_Token]:
        self._prepare_jieba()
        cues = self.codebook.negation["zh"].cues
        soft = self.codebook.negation["zh"].scope_only
        tokens = []
        offset = 0
        for word in self._zh_cut(text):
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


def _raw_matches(text: str, compiled: _Language) -> list[tuple[int, int, str, str, float]]:
    """(zh) Level and shield patterns found on the raw text: (start, end, pattern, code, weight).

    Leftmost first; at one place the longest pattern wins, and the search goes on after it.
    """
    first = compiled.raw_first
    if first is None:
        return []
    found = []
    pos = 0
    while (candidate := first.search(text, pos)) is not None:
        pos = candidate.start()
        regex, entries = compiled.raw_levels[text[pos]]
        match = regex.match(text, pos)
        if match is None:
            pos += 1
            continue
        pattern, code, weight = entries[(match.lastindex or 1) - 1]
        found.append((pos, match.end(), pattern, code, weight))
        pos = match.end()
    return found


def _plan_cuts(compiled: _Language) -> None:
    """(zh) Which texts need jieba's word cut at all (see :func:`_cut_needed`).

    Token patterns match only where a token's word is a pattern's first word, and a token
    is marked negated only when a cue, scope-only cue, contrast word or "unrelated" word is
    one of the text's words. A word is a substring of the text and, for all-CJK strings,
    ``word.lower() == s`` only if ``word == s``. So a text holding none of these strings
    cuts into tokens that match no pattern and carry no mark: its cut changes nothing.
    Codebooks with other first words (punctuation, Latin) always cut.
    """
    rules = compiled.rules
    cues = set(rules.cues) | set(rules.scope_only) | set(rules.unrelated_close)
    cues |= {word for phrases in compiled.contrast.values() for words in phrases for word in words}
    firsts = set(compiled.levels) | set(compiled.tags)
    firsts -= {NEG, SOFT}  # cue words, already among the cues
    strings = cues | firsts
    if not all(_CJK_ONLY.fullmatch(string) for string in strings):
        return
    compiled.cut_words = _alternation(firsts)
    compiled.cut_cues = _alternation(cues)
    compiled.cut_optional = True


def _alternation(strings: set[str]) -> re.Pattern[str] | None:
    if not strings:
        return None
    return re.compile("|".join(re.escape(string) for string in sorted(strings, key=len)))


def _cut_needed(
    text: str, raw_hits: list[tuple[int, int, str, str, float]], compiled: _Language
) -> bool:
    """(zh) Whether tagging ``text`` needs its word cut, or gives the same result without."""
    if not compiled.cut_optional:
        return True
    if compiled.cut_words is not None and compiled.cut_words.search(text):
        return True  # a token pattern may match
    # raw matches look up the negation mark of the token they start in
    return bool(raw_hits) and compiled.cut_cues is not None and bool(compiled.cut_cues.search(text))


def _level_matches(
    tokens: list[_Token], raw_hits: list[tuple[int, int, str, str, float]], compiled: _Language
) -> list[tuple[int, int, int, Any, str, float]]:
    """Non-overlapping level and shield matches, leftmost-longest first.

    Each is (start char, end char, first token, pattern, code, weight); token patterns
    and (zh) raw-text patterns compete for the same characters.
    """
    found: list[tuple[int, int, int, Any, str, float]] = []
    table = compiled.levels
    count = len(tokens)
    i = 0
    while i < count:
        candidates = table.get(tokens[i].key)
        hit = _longest(tokens, i, candidates) if candidates else None
        if hit is None:
            i += 1
            continue
        end, keys, code, weight = hit
        found.append((tokens[i].start, tokens[end].end, i, keys, code, weight))
        i = end + 1
    if compiled.raw_first is None:
        return found
    starts = [tok.start for tok in tokens]
    for pos, stop, pattern, code, weight in raw_hits:
        found.append((pos, stop, bisect_right(starts, pos) - 1, pattern, code, weight))
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
    """Longest candidate matching at ``start``: (last token, pattern, code, weight).

    Candidates all start with the key of ``tokens[start]``; one whose second key is a word
    other than the next token's is skipped without calling :func:`_match`.
    """
    after = tokens[start + 1].key if start + 1 < len(tokens) else None
    for keys, code, weight in candidates:
        if len(keys) > 1 and keys[1] != after and keys[1] != GAP:
            continue
        end = _match(tokens, start, keys, 0)
        if end is not None:
            return end, keys, code, weight
    return None


def _match(tokens: list[_Token], pos: int, keys: tuple[str, ...], k: int) -> int | None:
    """Index of the last token when ``keys[k:]`` matches from ``pos``.

    Gaps never cross punctuation or a negation: "incomes did not fall" is no "income * fall".
    """
    count = len(tokens)
    last = len(keys) - 1
    while True:  # word after word up to a gap, then each gap length in turn
        if pos >= count or tokens[pos].key != keys[k]:
            return None
        if k == last:
            return pos
        if keys[k + 1] == GAP:
            break
        pos += 1
        k += 1
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
    contrast = compiled.contrast
    marks = [0] * len(tokens)
    for i, tok in enumerate(tokens):
        contrast_end = _contrast_at(tokens, i, contrast) if tok.raw in contrast else None
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
    table = compiled.tags
    if not table:
        return found
    last = len(tokens) - 1
    for i, tok in enumerate(tokens):
        entries = table.get(tok.key)
        if not entries:
            continue
        after = tokens[i + 1].key if i < last else None
        for keys, code, weight in entries:
            if len(keys) > 1 and keys[1] != after and keys[1] != GAP:
                continue  # the second word differs: no match (as _match would find)
            if _match(tokens, i, keys, 0) is not None:
                found.setdefault(code, {})[" ".join(keys)] = weight
    return found


def _confidence(weights: Any) -> float:
    return 1.0 - math.exp(-sum(weights))


def _sentiment_lexicon(neutral: frozenset[str]) -> _Sentiment:
    """TextBlob's English lexicon (that of its PatternAnalyzer), without the ``neutral`` words."""
    if not neutral:
        return _textblob_sentiment
    base = _textblob_sentiment
    lexicon = _Sentiment(
        path=base.path,
        synset="wordnet_id",
        negations=base.negations,
        modifiers=base.modifiers,
        modifier=base.modifier,
        tokenizer=base.tokenizer,
        language="en",
    )
    lexicon.load()
    for word in neutral:
        dict.pop(lexicon, word, None)
    return lexicon


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

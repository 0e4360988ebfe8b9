"""Indicator patterns compiled per language, and found in a text's tokens or (zh) raw text.

English patterns match token keys (stems); a "*" gap spans up to MAX_GAP tokens. Chinese
level patterns of two or more characters match the raw text, where no word cut can hide
"停课" in "全停课"; Chinese group and area terms are plain substrings.

Which of two overlapping matches counts: English, the leftmost, then the longest, counted in
its words (a "*" gap adds none, so "lost * income" cannot swallow "lost income payment").
Chinese (no spaces to say where a word starts), the longer pattern, counted in its own
characters (so "工资 * 停" cannot swallow "工资补贴"): "上门" cannot hide "门可罗雀" in
"上门可罗雀". At equal length a term added from the review overlay
(:class:`pipeline.codebook.Addition`) wins over the bundled codebook, then (English) the
pattern with more gaps, (Chinese) the earlier match, then the codebook's order (levels in
order, then shields). One exception: a support match ending in a payment word (the
codebook's ``payment_words``) also counts the containment measure the payment is named after
("self-isolation payment", "received a quarantine allowance"), never a hardship it answers
("hardship grant").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.codebook import Codebook, NegationRules
from pipeline.negation import ContrastPhrases
from pipeline.tokens import FIGURES, GAP, MAX_GAP, NEG, SOFT, Token

SHIELD = ""  # code of a shield match: blocks shorter indicators, counts for nothing

_CJK_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Chinese patterns are matched on the raw text: a "*" gap is up to this many characters,
# never across punctuation or a negation character; quotation marks and brackets inside a
# clause do not stop it, as in English ("营业收入几乎“停摆”")
_ZH_GAP = f"[^\\s，。；：！？、,.;:!?不没未无非]{{0,{2 * MAX_GAP}}}?"

#: (keys, code, weight, the keys it needs) of token patterns, by their first key
Pattern = tuple[tuple[str, ...], str, float, frozenset[str]]
PatternTable = dict[str, list[Pattern]]
#: A PatternTable by first key, then by second: for a first key, (second key -> the patterns
#: that can match with that second key, in the table's order; the patterns for any other)
PatternIndex = dict[str, tuple[dict[str, list[Pattern]], list[Pattern]]]
#: (-characters of the pattern without gaps, 0 for a review-overlay term or 1, place in the
#: codebook): lower wins between overlapping Chinese matches, the earlier start before the
#: codebook's place
Order = tuple[int, int, int]
#: (start char, end char, pattern, code, weight, order) of a raw-text match
RawHit = tuple[int, int, str, str, float, Order]
#: a Chinese pattern: (pattern, code, weight, order)
RawEntry = tuple[str, str, float, Order]
#: (start char, end char, first token, pattern, code, weight) of a level or shield match
LevelHit = tuple[int, int, int, Any, str, float]


@dataclass
class Matchers:
    """Compiled matchers for one language."""

    rules: NegationRules
    levels: PatternTable = field(default_factory=dict)
    tags: PatternTable = field(default_factory=dict)
    # the same, by their first two keys (see :func:`_index`); built once the tables are done
    level_index: PatternIndex = field(default_factory=dict)
    tag_index: PatternIndex = field(default_factory=dict)
    contrast: ContrastPhrases = field(default_factory=dict)
    counterfactual: ContrastPhrases = field(default_factory=dict)
    counterfactual_if: ContrastPhrases = field(default_factory=dict)
    substrings: dict[str, tuple[re.Pattern[str], dict[str, float]]] = field(
        default_factory=dict
    )  # zh tags
    # zh levels and shields found on the raw text: by first character, an alternation of its
    # patterns in their order (see Order; group n is entries[n - 1]), so that the first
    # alternative that matches is the best match at that place
    raw_first: re.Pattern[str] | None = None
    raw_levels: dict[str, tuple[re.Pattern[str], list[RawEntry]]] = field(default_factory=dict)
    # zh: a text's word cut matters only for token patterns (found by their first words) and
    # for the negation marks of raw matches (which need a cue or contrast word in the text);
    # None: always cut
    cut_words: re.Pattern[str] | None = None
    cut_cues: re.Pattern[str] | None = None
    cut_optional: bool = False
    # by level code, the keys of its payment words (see :func:`_nested`)
    payment_keys: dict[str, frozenset[str]] = field(default_factory=dict)


def compile_language(
    book: Codebook, language: str, tokenise: Callable[[str], list[Token]]
) -> Matchers:
    """The codebook's patterns of ``language`` as matchers; ``tokenise`` cuts the patterns."""
    rules = book.negation[language]
    compiled = Matchers(rules=rules)
    # review-overlay terms win equal-length ties; an added shield's code is SHIELD
    added = {
        (SHIELD if a.kind == "shield" else a.level, a.term)
        for a in book.additions
        if a.language == language
    }
    level_terms = [
        (ind.pattern, cat.code, ind.weight)
        for cat in book.levels
        for ind in cat.indicators[language]
    ] + [(phrase, SHIELD, 0.0) for phrase in book.shields[language]]
    for cat in book.levels:
        words = cat.payment_words.get(language, ())
        if words:
            keys = {key for word in words for key in _keys(word, tokenise)}
            compiled.payment_keys[cat.code] = frozenset(keys)
    raw: dict[str, list[RawEntry]] = {}
    for order, (pattern, code, weight) in enumerate(level_terms, start=1):
        if language == "zh" and len(pattern.replace(" ", "")) > 1:
            # raw text: no word cut can hide "停课" in "全停课" or merge "收入大减"
            size = len(pattern.replace(" ", "").replace(GAP, ""))
            bundled = 0 if (code, pattern) in added else 1
            raw.setdefault(pattern[0], []).append((pattern, code, weight, (-size, bundled, order)))
        else:
            _add(compiled.levels, _keys(pattern, tokenise), code, weight)
    for first, entries in raw.items():
        entries.sort(key=lambda entry: entry[3])
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
                _add(compiled.tags, _keys(ind.pattern, tokenise), cat.code, ind.weight)
    for code, terms in plain_terms.items():
        longest_first = sorted(terms, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(term) for term in longest_first))
        compiled.substrings[code] = (pattern, terms)
    # (en) the best candidate first; the tables hold the codebook's order, which ends ties
    added_keys = {(code, _keys(term, tokenise)) for code, term in added}
    for entries in compiled.levels.values():
        entries.sort(key=lambda entry: _rank(entry[0], (entry[1], entry[0]) in added_keys))
    for entries in compiled.tags.values():  # every tag match counts: the order is for _index
        entries.sort(key=lambda entry: _rank(entry[0], False))
    compiled.level_index = _index(compiled.levels)
    compiled.tag_index = _index(compiled.tags)
    for phrases, table in (
        (rules.contrast, compiled.contrast),
        (rules.counterfactual, compiled.counterfactual),
        (rules.counterfactual_if, compiled.counterfactual_if),
    ):
        for phrase in phrases:
            words = tuple(tok.raw for tok in tokenise(phrase))
            if words:
                table.setdefault(words[0], []).append(words)
    if language == "zh":
        _plan_cuts(compiled)
    return compiled


def _keys(pattern: str, tokenise: Callable[[str], list[Token]]) -> tuple[str, ...]:
    keys: list[str] = []
    for piece in pattern.split():
        if piece == GAP:
            keys.append(GAP)
        else:
            keys.extend(tok.key for tok in tokenise(piece))
    return tuple(keys)


def _rank(keys: tuple[str, ...], added: bool) -> tuple[int, int, int]:
    """Lower wins between English patterns matching at one token, as Chinese ranks (see
    :data:`Order`): more words (a "*" gap is none, so "lost * income" cannot outrank "lost
    income payment"), then a review-overlay term, then more keys with the gaps.
    """
    words = sum(1 for key in keys if key != GAP)
    return (-words, 0 if added else 1, -len(keys))


def _add(table: PatternTable, keys: tuple[str, ...], code: str, weight: float) -> None:
    if keys and keys[0] != GAP:
        needed = frozenset(key for key in keys if key != GAP)
        table.setdefault(keys[0], []).append((keys, code, weight, needed))


def _index(table: PatternTable) -> PatternIndex:
    """``table`` by the second key too, so a token's candidates are looked up, not filtered.

    A pattern whose second key is a word can match only where the next token has that key;
    one of a single key, or with a gap second, anywhere. Each list keeps the table's order
    (best first, see :func:`_rank`), which decides between candidates.
    """
    index: PatternIndex = {}
    for first, entries in table.items():
        anywhere = [entry for entry in entries if len(entry[0]) == 1 or entry[0][1] == GAP]
        seconds = {entry[0][1] for entry in entries if len(entry[0]) > 1} - {GAP}
        by_second = {
            second: [
                entry
                for entry in entries
                if len(entry[0]) == 1 or entry[0][1] == GAP or entry[0][1] == second
            ]
            for second in seconds
        }
        index[first] = (by_second, anywhere)
    return index


def _zh_regex(pattern: str) -> str:
    """A Chinese pattern as a regex: pieces in order, a "*" gap as up to 2 * MAX_GAP chars."""
    parts = []
    for piece in pattern.split():
        parts.append(_ZH_GAP if piece == GAP else re.escape(piece))
    return "".join(parts)


def raw_matches(text: str, compiled: Matchers) -> list[RawHit]:
    """(zh) Level and shield patterns found on the raw text, the best one at each place.

    Every place is tried, also inside an earlier match: which of overlapping matches counts
    is decided by :func:`level_matches`. At one place the best order wins (the longest
    pattern, then a review-overlay term, then the codebook's order).
    """
    first = compiled.raw_first
    if first is None:
        return []
    found: list[RawHit] = []
    pos = 0
    while (candidate := first.search(text, pos)) is not None:
        pos = candidate.start()
        regex, entries = compiled.raw_levels[text[pos]]
        match = regex.match(text, pos)
        if match is not None:
            pattern, code, weight, order = entries[(match.lastindex or 1) - 1]
            found.append((pos, match.end(), pattern, code, weight, order))
        pos += 1
    return found


def _plan_cuts(compiled: Matchers) -> None:
    """(zh) Which texts need jieba's word cut at all (see :func:`cut_needed`).

    Token patterns match only where a token's word is a pattern's first word, and a token
    is marked negated only when a cue, scope-only cue, contrast, counterfactual or "unrelated"
    word is one of the text's words. A word is a substring of the text and, for all-CJK strings,
    ``word.lower() == s`` only if ``word == s``. So a text holding none of these strings
    cuts into tokens that match no pattern and carry no mark: its cut changes nothing.
    Codebooks with other first words (punctuation, Latin) always cut.
    """
    rules = compiled.rules
    cues = set(rules.cues) | set(rules.scope_only) | set(rules.unrelated_close)
    for table in (compiled.contrast, compiled.counterfactual, compiled.counterfactual_if):
        cues |= {word for phrases in table.values() for words in phrases for word in words}
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


def cut_needed(text: str, raw_hits: list[RawHit], compiled: Matchers) -> bool:
    """(zh) Whether tagging ``text`` needs its word cut, or gives the same result without."""
    if not compiled.cut_optional:
        return True
    if compiled.cut_words is not None and compiled.cut_words.search(text):
        return True  # a token pattern may match
    # raw matches look up the negation mark of the token they start in
    return bool(raw_hits) and compiled.cut_cues is not None and bool(compiled.cut_cues.search(text))


def level_matches(
    tokens: list[Token], raw_hits: list[RawHit], compiled: Matchers
) -> list[LevelHit]:
    """Non-overlapping level and shield matches, leftmost-longest first.

    Token patterns and (zh) raw-text patterns compete for the same characters.
    """
    found: list[LevelHit] = []
    index = compiled.level_index
    count = len(tokens)
    present = {tok.key for tok in tokens}
    i = 0
    while i < count:
        candidates = _candidates(index, tokens, i)
        hit = _first_match(tokens, i, candidates, present) if candidates else None
        if hit is None:
            i += 1
            continue
        end, keys, code, weight = hit
        found.append((tokens[i].start, tokens[end].end, i, keys, code, weight))
        payment = compiled.payment_keys.get(code)
        if payment is not None and tokens[end].key in payment:
            found.extend(_nested(tokens, i, end, code, index, present))
        i = end + 1
    if compiled.raw_first is None:
        return found
    # (zh) the best order wins over the matches it overlaps, the earlier start before the
    # codebook's place (see the module's docstring); token hits are single characters here,
    # that never overlap
    ranked: list[tuple[LevelHit, Order]] = [(hit, (-1, 1, 0)) for hit in found]
    starts = [tok.start for tok in tokens]
    for pos, stop, pattern, code, weight, rank in raw_hits:
        ranked.append(((pos, stop, bisect_right(starts, pos) - 1, pattern, code, weight), rank))
    ranked.sort(key=lambda item: (item[1][0], item[1][1], item[0][0], item[1][2]))
    taken = bytearray(max((hit[1] for hit, _ in ranked), default=0))
    kept: list[LevelHit] = []
    for hit, _ in ranked:
        if not any(taken[hit[0] : hit[1]]):
            taken[hit[0] : hit[1]] = b"\x01" * (hit[1] - hit[0])
            kept.append(hit)
    kept.sort(key=lambda hit: hit[0])
    return kept


#: A payment named after a measure ("self-isolation payment", "lockdown grant") names the
#: measure too: a match of this level that ends right before a payment word (the codebook's
#: ``payment_words``) counts inside the payment's match. A payment named after what it
#: answers ("hardship grant", "livelihood grant") names that level only.
_MEASURE = "containment"


def _nested(
    tokens: list[Token],
    start: int,
    end: int,
    code: str,
    index: PatternIndex,
    present: set[str],
) -> list[LevelHit]:
    """The measure a payment match (ending in a payment word) is named after, as its own match."""
    for i in range(start, end):
        candidates = [entry for entry in _candidates(index, tokens, i) if entry[1] != code]
        hit = _first_match(tokens, i, candidates, present) if candidates else None
        if hit is not None and hit[0] == end - 1 and hit[2] == _MEASURE:
            last, keys, other, weight = hit
            return [(tokens[i].start, tokens[last].end, i, keys, other, weight)]
    return []


def _candidates(index: PatternIndex, tokens: list[Token], i: int) -> list[Pattern]:
    """The patterns that can match from ``tokens[i]``, best first: those starting with its key
    whose second key (if a word) is the next token's (see :func:`_index`)."""
    indexed = index.get(tokens[i].key)
    if indexed is None:
        return []
    by_second, anywhere = indexed
    return by_second.get(tokens[i + 1].key, anywhere) if i + 1 < len(tokens) else anywhere


def _first_match(
    tokens: list[Token], start: int, candidates: list[Pattern], present: set[str]
) -> tuple[int, tuple[str, ...], str, float] | None:
    """The first of ``candidates`` (see :func:`_candidates`) that matches at ``start``, given
    the keys the text has (``present``): (last token, pattern, code, weight)."""
    for keys, code, weight, needed in candidates:
        if needed <= present:
            end = _match(tokens, start, keys, 0)
            if end is not None:
                return end, keys, code, weight
    return None


def _match(tokens: list[Token], pos: int, keys: tuple[str, ...], k: int) -> int | None:
    """Index of the last token when ``keys[k:]`` matches from ``pos``.

    Gaps never cross punctuation or a negation: "incomes did not fall" is no "income * fall".
    A figure and its unit do not count towards a gap: "lost around 60 per cent of their
    earnings" is "lost * earnings".
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
    nxt = pos + 1
    skipped = 0
    while True:  # each gap length in turn; figures and their units are free
        if nxt >= count:
            return None
        end = _match(tokens, nxt, keys, k + 2)
        if end is not None:
            return end
        if tokens[nxt].key in ("", NEG, SOFT):
            return None
        if tokens[nxt].key not in FIGURES:
            skipped += 1
            if skipped > MAX_GAP:
                return None
        nxt += 1


def tag_weights(text: str, tokens: list[Token], compiled: Matchers) -> dict[str, dict[str, float]]:
    """Groups and areas: every mention counts, negated or not."""
    found: dict[str, dict[str, float]] = {}
    for code, (pattern, terms) in compiled.substrings.items():
        for term in pattern.findall(text):
            found.setdefault(code, {})[term] = terms[term]
    index = compiled.tag_index
    if not index:
        return found
    present = {tok.key for tok in tokens}
    for i in range(len(tokens)):
        for keys, code, weight, needed in _candidates(index, tokens, i):
            if needed <= present and _match(tokens, i, keys, 0) is not None:
                found.setdefault(code, {})[" ".join(keys)] = weight
    return found
    last = len(tokens) - 1
    present = {tok.key for tok in tokens}
    for i, tok in enumerate(tokens):
        indexed = index.get(tok.key)
        if indexed is None:
            continue
        by_second, anywhere = indexed
        # patterns whose second word differs from the next token's are not candidates
        entries = by_second.get(tokens[i + 1].key, anywhere) if i < last else anywhere
        for keys, code, weight, needed in entries:
            if needed <= present and _match(tokens, i, keys, 0) is not None:
                found.setdefault(code, {})[" ".join(keys)] = weight
    return found

"""Tokens of a text: English words stemmed, Chinese words cut by jieba, each with its place.

A token's ``key`` is what indicator patterns match (a stem, a word, or NEG / SOFT for
negation cues, "" for punctuation); its ``raw`` form is what the negation rules read.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import snowballstemmer

from pipeline.codebook import NegationRules
from pipeline.zh_cut import ChineseCut

NEG = "<neg>"  # every negation cue stems to this, so "no income" also matches "without income"
SOFT = "<neg?>"  # a scope-only cue ("few", "avoided"): negates what follows, is never a "no"
GAP = "*"  # a pattern gap: up to MAX_GAP tokens of any kind
MAX_GAP = 4

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
# words, punctuation, and dashes that separate clauses ("—", or "-" between spaces)
_EN_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?|[.,;:!?()\[\]\"“”—–]|(?<=\s)--?(?=\s)")
SENTENCE_END = frozenset(".;!?。；！？")
PUNCT = frozenset('.,;:!?()[]"“”，。；：！？、（）【】「」『』…—–') | {"-", "--"}
_STEMMER = snowballstemmer.stemmer("english")
#: Size at which the per-word cache starts afresh (it only holds what recurs).
_CACHE_LIMIT = 65536
_new_token = tuple.__new__  # builds a Token from a tuple without NamedTuple's Python __new__


class Token(NamedTuple):
    """A word with its place in the text (a tuple: cheaper to build than a dataclass)."""

    key: str  # stem (en) or word (zh); NEG for cues, "" for punctuation
    raw: str  # lower-cased surface form ("not" for n't-forms), for the negation rules
    start: int
    end: int


def language_of(text: str) -> str:
    """'zh' when CJK characters are at least a quarter of the letters, else 'en'."""
    cjk = len(_CJK.findall(text))
    if not cjk:
        return "en"
    return "zh" if cjk * 4 >= cjk + len(_LATIN.findall(text)) else "en"


class EnglishTokens:
    """English words stemmed (Snowball), cues read as NEG or SOFT; per-word work cached."""

    def __init__(self, rules: NegationRules) -> None:
        self.rules = rules
        self._words: dict[str, tuple[str, str]] = {}  # word -> (key, raw)

    def __call__(self, text: str) -> list[Token]:
        words = self._words
        word_of = self._word
        tokens = []
        for match in _EN_TOKEN.finditer(text):
            known = words.get(match.group()) or word_of(match.group())
            tokens.append(_new_token(Token, known + match.span()))
        return tokens

    def _word(self, word: str) -> tuple[str, str]:
        """(key, raw) of an English word or punctuation mark, cached."""
        if word in PUNCT:
            key = ""
        else:
            rules = self.rules
            lower = word.lower().replace("’", "'")
            if lower in rules.scope_only:
                key = SOFT
            elif lower in rules.cues or lower.endswith("n't"):
                key = NEG
            else:
                key = _STEMMER.stemWord(lower.replace("'", ""))
        raw = "not" if key == NEG and word[-1:] in "tT" and word[-3:-2] in "nN" else word.lower()
        if len(self._words) >= _CACHE_LIMIT:
            self._words.clear()
        known = self._words[word] = (key, raw)
        return known


class ChineseTokens:
    """Chinese words as jieba cuts them (codebook terms kept whole), cues read as NEG/SOFT."""

    def __init__(self, rules: NegationRules, terms: list[str]) -> None:
        self.rules = rules
        self._terms = terms
        self._cut: ChineseCut | None = None

    def __call__(self, text: str) -> list[Token]:
        cut = self._cut
        if cut is None:
            cut = self._cut = ChineseCut(self._terms)
        cues = self.rules.cues
        soft = self.rules.scope_only
        tokens = []
        offset = 0
        for word in cut(text):
            start, offset = offset, offset + len(word)
            if word.isspace():
                continue
            lower = word.lower()
            if word in PUNCT:
                key = ""
            elif lower in soft:
                key = SOFT
            else:
                key = NEG if lower in cues else lower
            tokens.append(Token(key, lower, start, offset))
        return tokens

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
NUMBER = "#"  # key of every English number ("2,500", "3.5", "2020")
#: Keys that a gap passes for free: a figure and its unit ("60 per cent", "3.5 million")
FIGURES = frozenset((NUMBER, "per", "cent", "percent", "million", "billion", "thousand", "hundr"))

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
# numbers with their separators ("2,500", "3.5"), words, punctuation, and dashes that separate
# clauses ("—", or "-" between spaces). Quotation marks and brackets are no tokens: a negation
# or a gap reaches through them ("did not get the 'grant'", "the scheme (CERB) ended").
_EN_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:['’][^\W_]+)?|[.,;:!?—–]|(?<=\s)--?(?=\s)")
SENTENCE_END = frozenset(".;!?。；！？")
PUNCT = frozenset(".,;:!?，。；：！？、…—–") | {"-", "--"}
#: Chinese quotation marks and brackets: skipped like the English ones
_ZH_SKIPPED = frozenset("\"“”‘’'()（）[]【】「」『』《》〈〉")
# "I'll", "we've", "company's": the word before the apostrophe is what counts
_CLITICS = frozenset(("ll", "re", "ve", "d", "m", "s"))
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


def _without_clitic(word: str) -> str:
    base, _, clitic = word.partition("'")
    return base if clitic in _CLITICS else base + clitic


#: British spellings whose American form differs by more than -ise/-ize (same meaning, one key)
_SPELLINGS = {
    "labour": "labor",
    "labours": "labors",
    "programme": "program",
    "programmes": "programs",
    "centre": "center",
    "centres": "centers",
    "cheque": "check",
    "cheques": "checks",
    "defence": "defense",
    "licence": "license",
    "travelled": "traveled",
    "travelling": "traveling",
    "cancelled": "canceled",
    "cancelling": "canceling",
    "enrolment": "enrollment",
    "enrolments": "enrollments",
    "instalment": "installment",
    "instalments": "installments",
    "ageing": "aging",
    "favour": "favor",
    "behaviour": "behavior",
    "neighbourhood": "neighborhood",
    "neighbourhoods": "neighborhoods",
    "paediatric": "pediatric",
    "diarrhoea": "diarrhea",
    "anaemia": "anemia",
    "oesophagus": "esophagus",
    "haemorrhage": "hemorrhage",
    "mum": "mom",
    "mums": "moms",
}
#: Words whose Snowball stem is another word's: "hospitality" is no "hospital", "closely" is
#: not "closed", "takings" are not "take", a "liquidation" is no "liquidity", "hospitalized"
#: is more than "hospital", an "employer" is no "employment" (keys of their own)
_OWN_STEMS = {
    "hospitality": "hospitality",
    "hospitable": "hospitality",
    "hospitalized": "hospitalize",
    "hospitalize": "hospitalize",
    "hospitalization": "hospitalize",
    "hospitalizations": "hospitalize",
    "closely": "closely",
    "closeness": "closely",
    "closer": "closer",
    "closest": "closer",
    "takings": "takings",
    "liquidation": "liquidation",
    "liquidations": "liquidation",
    "liquidated": "liquidation",
    "severance": "severance",
    "employer": "employer",
    "employers": "employer",
}
_BRITISH_ISE = re.compile(r"(?<=\w\w)is(ation|ations|e|ed|es|ing|er|ers)$")


def american(word: str) -> str:
    """One spelling for both: "hospitalised" and "hospitalized" get the same stem.

    -ise/-isation become -ize/-ization in every word (codebook and text alike, so a word
    that is never written with z only changes its key, never its matches).
    """
    known = _SPELLINGS.get(word)
    if known is not None:
        return known
    return _BRITISH_ISE.sub(r"iz\1", word) if "is" in word else word


class EnglishTokens:
    """English words stemmed (Snowball), cues read as NEG or SOFT; per-word work cached.

    An n't-form is two tokens, the verb and NEG ("couldn't" as "could" "not"), so that
    "could not leave" in the codebook matches "couldn't leave" (and "couldnt leave").
    """

    def __init__(self, rules: NegationRules) -> None:
        self.rules = rules
        self._words: dict[str, tuple[str, str]] = {}  # word -> (key, raw)
        self._split: dict[str, tuple[tuple[str, str, int, int], ...]] = {}  # n't-forms

    def __call__(self, text: str) -> list[Token]:
        words = self._words
        split = self._split
        word_of = self._word
        tokens = []
        for match in _EN_TOKEN.finditer(text):
            word = match.group()
            known = words.get(word) or word_of(word)
            if known[0] is _TWO:
                at = match.start()
                for key, raw, start, end in split[word]:
                    tokens.append(Token(key, raw, at + start, at + end))
            else:
                tokens.append(_new_token(Token, known + match.span()))
        return tokens

    def _word(self, word: str) -> tuple[str, str]:
        """(key, raw) of an English word or punctuation mark, cached; (_TWO, "") for a word
        cut in two (see ``_split``)."""
        if len(self._words) >= _CACHE_LIMIT:
            self._words.clear()
            self._split.clear()
        if word in PUNCT:
            known = self._words[word] = ("", word)
            return known
        rules = self.rules
        lower = word.lower().replace("’", "'")
        if lower in rules.scope_only:
            key = SOFT
        elif lower in rules.cues or lower.endswith("n't"):
            verb = _verb_of(lower)
            if verb:
                # the "not" spans the whole word, so that evidence starting with it quotes
                # "can't pay the rent", never "n't pay the rent"
                cut = len(verb[1])
                self._split[word] = (
                    (self._key(verb[0]), verb[0], 0, cut),
                    (NEG, "not", 0, len(word)),
                )
                known = self._words[word] = (_TWO, "")
                return known
            key = NEG
        elif word[0].isdigit():
            key = NUMBER
        else:
            key = self._key(lower)
        raw = "not" if key == NEG and word[-1:] in "tT" and word[-3:-2] in "nN" else word.lower()
        known = self._words[word] = (key, raw)
        return known

    @staticmethod
    def _key(lower: str) -> str:
        word_us = american(_without_clitic(lower))
        return _OWN_STEMS.get(word_us) or _STEMMER.stemWord(word_us)


_TWO = "<two>"  # key of a word that is two tokens
#: Verbs whose n't-form does not end in the verb itself ("can't" is "ca" + "n't")
_NT_VERBS = {"ca": "can", "wo": "will", "sha": "shall", "ai": "is", "can": "can"}


def _verb_of(lower: str) -> tuple[str, str] | None:
    """(verb, its letters in the word) of an n't-form: ("could", "could") for "couldn't",
    ("can", "ca") for "can't", ("can", "can") for "cannot"; None for other cues."""
    if lower.endswith("n't"):
        letters = lower[:-3]
    elif lower == "cannot":
        letters = "can"
    elif lower.endswith("nt") and len(lower) > 3:
        letters = lower[:-2]
    else:
        return None
    if not letters.isalpha():
        return None
    return _NT_VERBS.get(letters, letters), letters


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
            if word.isspace() or word in _ZH_SKIPPED:
                continue
            lower = word.lower()
            if word in PUNCT:
                key = ""
            elif lower in soft:
                key = SOFT
            else:
                key = NEG if lower in cues else lower
            tokens.append(_new_token(Token, (key, lower, start, offset)))
        return tokens

"""English sentiment: TextBlob's polarity on its lexicon less the codebook's neutral words.

TextBlob's sentiment lives in ``textblob._text`` (a copy of Pattern's, standard library only);
importing it the usual way runs ``textblob/__init__``, which imports NLTK and NumPy, about
30 MB in every process of the nightly job for nothing the tagger uses. So the module is loaded
from its file on its own, unless TextBlob is imported already (the web app's suggestions),
and the English lexicon is built as ``textblob.en`` builds it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from types import ModuleType
from typing import Any


def _textblob_text() -> ModuleType:
    """``textblob._text``, without importing the ``textblob`` package when it is not yet."""
    loaded = sys.modules.get("textblob._text")
    if loaded is not None:
        return loaded
    package = importlib.util.find_spec("textblob")  # finds it without importing it
    if package is None or not package.submodule_search_locations:
        raise ImportError("TextBlob is not installed")
    path = os.path.join(next(iter(package.submodule_search_locations)), "_text.py")
    spec = importlib.util.spec_from_file_location("pipeline._textblob_text", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_text = _textblob_text()
#: textblob.en's folder, where its lexicon and word-count files are
TEXTBLOB_EN = os.path.join(os.path.dirname(_text.__file__), "en")


# find_tokens's patterns, compiled once (it passes most of them to re.sub as strings)
_REPLACEMENTS = tuple((re.compile(a), b) for a, b in _text.replacements.items())
_LINEBREAK = re.compile(r"\n{2,}")
_BLANKS = re.compile(r"\s+")
#: find_tokens's punctuation: a token starting with one, or ending with one or a period,
#: is split; any other token is a word as it is
_PUNCTUATION = tuple(_text.PUNCTUATION.replace(".", ""))
_PUNCTUATION_OR_PERIOD = (*_PUNCTUATION, ".")
_LEADING = frozenset(_PUNCTUATION)
_TRAILING = _LEADING | {"."}
_ENDS = ("...", ".", "!", "?", _text.EOS)
_CLOSERS = ("'", '"', "”", "’", "...", ".", "!", "?", ")", _text.EOS)


def _find_tokens(string: str) -> list[str]:
    """``textblob.en.parser.find_tokens`` (TextBlob 0.20's ``_text.find_tokens`` with its
    English arguments): the sentences of ``string``, words split off. The same steps, with
    the patterns compiled once and a word without punctuation at either end taken as it is
    (what the library's loops find for it); tests/test_pipeline_light_imports.py checks it
    against the library on every labelled text."""
    replace = _text.replacements
    abbreviations = _text.ABBREVIATIONS
    for pattern, replacement in _REPLACEMENTS:
        string = pattern.sub(replacement, string)
    string = (
        str(string)
        .replace("“", " “ ")
        .replace("”", " ” ")
        .replace("‘", " ‘ ")
        .replace("’", " ’ ")
        .replace("'", " ' ")
        .replace('"', ' " ')
    )
    string = string.replace("\r\n", "\n")
    string = _LINEBREAK.sub(f" {_text.EOS} ", string)
    string = _BLANKS.sub(" ", string)
    tokens: list[str] = []
    for t in _text.TOKEN.findall(string + " "):
        if t[0] not in _LEADING and t[-1] not in _TRAILING:
            tokens.append(t)
            continue
        tail = []
        while t.startswith(_PUNCTUATION) and t not in replace:
            tokens.append(t[0])
            t = t[1:]
        while t.endswith(_PUNCTUATION_OR_PERIOD) and t not in replace:
            if t.endswith(_PUNCTUATION):
                tail.append(t[-1])
                t = t[:-1]
            if t.endswith("..."):
                tail.append("...")
                t = t[:-3].rstrip(".")
            if t.endswith("."):
                if (
                    t in abbreviations
                    or _text.RE_ABBR1.match(t) is not None
                    or _text.RE_ABBR2.match(t) is not None
                    or _text.RE_ABBR3.match(t) is not None
                ):
                    break
                tail.append(t[-1])
                t = t[:-1]
        if t != "":
            tokens.append(t)
        tokens.extend(reversed(tail))
    sentences: list[list[str]] = [[]]
    i, j = 0, 0
    while j < len(tokens):
        if tokens[j] in _ENDS:
            # citations, trailing parenthesis, repeated punctuation (!?)
            while j < len(tokens) and tokens[j] in _CLOSERS:
                if tokens[j] in ("'", '"') and sentences[-1].count(tokens[j]) % 2 == 0:
                    break  # balanced quotes
                j += 1
            sentences[-1].extend(t for t in tokens[i:j] if t != _text.EOS)
            sentences.append([])
            i = j
        j += 1
    sentences[-1].extend(tokens[i:j])
    return [
        _text.RE_EMOTICONS.sub(
            lambda m: m.group(1).replace(" ", "") + m.group(2),
            _text.RE_SARCASM.sub("(!)", " ".join(words)),
        )
        for words in sentences
        if words
    ]


class _EnglishLexicon(_text.Sentiment):
    """``textblob.en.Sentiment``, loaded when built; then read as a plain dict.

    TextBlob's lexicon is a lazy dict whose every ``in`` and ``[]`` first checks that it is
    loaded (about a fifth of the polarity's time); this one is loaded at once, so its
    lookups are the dict's own.
    """

    __contains__ = dict.__contains__
    __getitem__ = dict.__getitem__

    def __init__(self, neutral: frozenset[str]) -> None:
        super().__init__(
            path=os.path.join(TEXTBLOB_EN, "en-sentiment.xml"),
            synset="wordnet_id",
            negations=("no", "not", "n't", "never"),
            modifiers=("RB",),
            modifier=lambda w: w.endswith("ly"),
            tokenizer=_find_tokens,
            language="en",
        )
        self.load()
        for word in neutral:
            dict.pop(self, word, None)

    def load(self, path: str | None = None) -> None:
        """TextBlob's English load: the lexicon, and "terribly" read like "terrible"."""
        _text.Sentiment.load(self, path)
        if not path:
            for word, pos in list(dict.items(self)):
                if "JJ" in pos:
                    if word.endswith("y"):
                        word = word[:-1] + "i"
                    if word.endswith("le"):
                        word = word[:-2]
                    p, s, i = pos["JJ"]
                    self.annotate(word + "ly", "RB", p, s, i)


class Polarity:
    """TextBlob's PatternAnalyzer polarity, called directly (faster than ``TextBlob(t)``).

    Words the codebook calls neutral ("rose", "increase") are left out of the lexicon: a
    count or a trend is no praise.
    """

    def __init__(self, neutral: frozenset[str]) -> None:
        self._lexicon: Any = _EnglishLexicon(neutral)

    def __call__(self, text: str) -> float:
        # TextBlob's Sentiment.__call__ for a string, less the subjectivity nobody reads:
        # the mean polarity of the assessments, summed in the same order
        words = " ".join(_find_tokens(text)).split()
        found = self._lexicon.assessments(((word.lower(), None) for word in words), True)
        total = 0
        for _, polarity, _, _ in found:
            total += polarity
        return max(-1.0, min(1.0, float(total / float(len(found) or 1))))

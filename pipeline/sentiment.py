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
#: textblob.en's folder, where its lexicon files are
_EN = os.path.join(os.path.dirname(_text.__file__), "en")


def _find_tokens(string: str) -> list[str]:
    """``textblob.en.parser.find_tokens``: the sentences of ``string``, words split off."""
    return _text.find_tokens(
        str(string),
        punctuation=_text.PUNCTUATION,
        abbreviations=_text.ABBREVIATIONS,
        replace=_text.replacements,
        linebreak=r"\n{2,}",
    )


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
            path=os.path.join(_EN, "en-sentiment.xml"),
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
        return max(-1.0, min(1.0, float(self._lexicon(text)[0])))

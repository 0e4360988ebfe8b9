"""English sentiment: TextBlob's polarity on its lexicon less the codebook's neutral words."""

from __future__ import annotations

from textblob.en import Sentiment as _Sentiment
from textblob.en import sentiment as _textblob_sentiment


class Polarity:
    """TextBlob's PatternAnalyzer polarity, called directly (faster than ``TextBlob(t)``).

    Words the codebook calls neutral ("rose", "increase") are left out of the lexicon: a
    count or a trend is no praise.
    """

    def __init__(self, neutral: frozenset[str]) -> None:
        self._lexicon = _lexicon(neutral)

    def __call__(self, text: str) -> float:
        return max(-1.0, min(1.0, float(self._lexicon(text)[0])))


def _lexicon(neutral: frozenset[str]) -> _Sentiment:
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

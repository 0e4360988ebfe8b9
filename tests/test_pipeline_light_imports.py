"""The nightly job's processes load only what tagging needs (memory: bench/pipeline.py)."""

import json
import subprocess
import sys
from pathlib import Path

from textblob import TextBlob

from .process_helpers import APP_BUILT, words_printed

DATA = Path(__file__).resolve().parents[1] / "pipeline" / "data"

_CHILD = """
import json, sys
from pipeline.runner import run_pipeline
from pipeline.sentiment import Polarity
polarity = Polarity(frozenset())
texts = json.loads(sys.stdin.read())
print(json.dumps({
    "heavy": sorted(name for name in ("nltk", "numpy", "textblob") if name in sys.modules),
    "polarity": [polarity(text) for text in texts],
}))
"""


def _english_texts() -> list[str]:
    lines = (DATA / "eval_set.jsonl").read_text("utf-8").splitlines()
    return [item["text"] for item in map(json.loads, lines) if item["language"] == "en"]


def test_the_runner_imports_neither_nltk_nor_numpy_and_keeps_textblobs_polarity() -> None:
    """TextBlob's package imports NLTK and NumPy (about 30 MB per process); the tagger loads
    only its sentiment module, and scores exactly as TextBlob does."""
    texts = _english_texts()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["heavy"] == []
    assert found["polarity"] == [
        max(-1.0, min(1.0, TextBlob(text).sentiment.polarity)) for text in texts
    ]


_AWKWARD = [
    "We got the grant (finally!) e.g. in March, i.e. too late... Mr. Li's shop didn't reopen.",
    "U.S. aid: 3.5 million?! 'Not enough,' she said. \"Really\" -- no.\n\nNext para :) ok",
    "Great :-) but the Q&A ended early ;) (!) etc. a.m. vs. p.m. ... !!! ?? 'quoted' \"x\"",
    "Wages fell.\r\n\r\nShops closed... We weren't paid; they'd left, I'm sure ’twas bad.",
    "",
    "   ",
    "A. De Smedt, Ph.D., said: >:( and :'( and <3 ... the end.",
]


def test_the_sentiment_tokenizer_is_textblobs() -> None:
    """pipeline.sentiment's find_tokens splits as TextBlob's English parser does."""
    from textblob.en import parser

    from pipeline.sentiment import _find_tokens

    texts = _AWKWARD + [
        item["text"]
        for name in ("eval_set", "heldout_set", "field_set", "field_blind")
        for item in map(json.loads, (DATA / f"{name}.jsonl").read_text("utf-8").splitlines())
    ]
    for text in texts:
        assert _find_tokens(text) == parser.find_tokens(text), text


def test_building_the_app_imports_no_nltk() -> None:
    """The nightly job starts through the app, whose codebook pages read TextBlob's word
    counts: found as a file, not through TextBlob's package (which imports NLTK)."""
    probe = APP_BUILT + (
        "from pipeline.suggest import _en_counts\n"
        "print(len(_en_counts()) > 10_000, 'nltk' in sys.modules, 'textblob' in sys.modules)\n"
    )
    assert words_printed(probe) == ["True", "False", "False"]

"""The copy of jieba's cut in pipeline/zh_cut.py cuts exactly as jieba does (pinned release)."""

import json
from pathlib import Path

import jieba
import pytest

from pipeline.codebook import load_codebook
from pipeline.tagger import chinese_terms
from pipeline.zh_cut import ChineseCut

DATA = Path(__file__).resolve().parents[1] / "pipeline" / "data"
# every labelled set but the blind quarter of the field set, which is read once, at the end
SETS = ("eval_set", "heldout_set", "test_set", "field_set")


def _chinese_texts() -> list[str]:
    texts = []
    for name in SETS:
        path = DATA / f"{name}.jsonl"
        if path.exists():
            rows = [
                json.loads(line)
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
            texts += [row["text"] for row in rows if row["language"] == "zh"]
    return texts


def test_jieba_is_the_pinned_release() -> None:
    """zh_cut copies jieba 0.42.1's private routine: another release needs a fresh look."""
    assert jieba.__version__ == "0.42.1"


@pytest.fixture(scope="module")
def cutters() -> tuple[ChineseCut, jieba.Tokenizer]:
    terms = chinese_terms(load_codebook())
    ours = ChineseCut(terms)
    theirs = jieba.Tokenizer()
    theirs.initialize()
    for term in terms:
        theirs.add_word(term)
    return ours, theirs


def test_cuts_every_labelled_chinese_text_as_jieba(cutters) -> None:
    ours, theirs = cutters
    texts = _chinese_texts()
    assert len(texts) >= 350
    for text in texts:
        assert list(ours(text)) == list(theirs.cut(text, HMM=False)), text


@pytest.mark.parametrize(
    "text",
    [
        "",
        " \r\n\t",
        "Covid-19 的 3.5% 与 H1N1 #tag&co",
        "封控。" * 50,
        "ＡＢＣ１２３　全角",
        "😷口罩",
    ],
)
def test_cuts_odd_text_as_jieba(cutters, text: str) -> None:
    ours, theirs = cutters
    assert list(ours(text)) == list(theirs.cut(text, HMM=False))

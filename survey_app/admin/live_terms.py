"""The words most used in a session's comments, for the live screen: a pure function.

Shown on a projector to the whole room, so it leaves out whatever could name a person: the
names the caller passes (respondents', speakers'), words jieba reads as a person's name in
Chinese, and English words written with a capital inside a sentence (a name, a title) unless
the same word is also written in lower case somewhere. Each answer counts a word once, so one
long comment cannot fill the screen with its own words.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterable

import jieba

jieba.setLogLevel(logging.WARNING)

#: English words too common to say anything about a session.
_ENGLISH_STOPWORDS = """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each even every few for from further get got had hadn't has
    hasn't have haven't having he her here hers herself him himself his how however i if in
    into is isn't it it's its itself just let's like lot lots make many may me more most much
    must my myself need no nor not now of off on once only or other ought our ours ourselves
    out over own really same she should shouldn't so some such than that that's the their
    theirs them themselves then there there's these they this those through to too under
    until up us very was wasn't we well were weren't what when where which while who whom why
    will with won't would wouldn't yes yet you your yours yourself yourselves session sessions
    thank thanks great good very useful think also would could one two three
"""
#: Chinese words too common to say anything (particles, pronouns, fillers, this and that).
_CHINESE_STOPWORDS = """
    我们 你们 他们 她们 它们 这个 那个 这些 那些 这样 那样 什么 怎么 如何 因为 所以 但是 而且
    或者 以及 还是 就是 不是 没有 可以 应该 需要 希望 觉得 认为 非常 比较 特别 已经 还有 一些
    一个 一下 这次 下次 今天 会议 本次 环节 发言 感谢 谢谢 很好 不错 有用 内容 问题 方面 进行
    关于 对于 通过 其中 之间 以后 以前 时候 目前 现在 大家 自己 作为 更加 更多
"""
ENGLISH_STOPWORDS = frozenset(_ENGLISH_STOPWORDS.split())
CHINESE_STOPWORDS = frozenset(_CHINESE_STOPWORDS.split())
#: jieba's part-of-speech flags for names of people: foreign names, always; Chinese ones
#: (``nr``) when they start with a common surname, since jieba also reads words such as
#: 养老金 (pension) as names.
FOREIGN_NAME_FLAGS = frozenset({"nrfg", "nrt"})
COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤欧"
)

_CHINESE = re.compile(r"[\u3400-\u9fff]+")
_ENGLISH = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")
_SENTENCE_END = re.compile(r"[.!?。！？:;\n]\s*$")


def load_dictionary() -> None:
    """Load jieba's dictionary and tagger now rather than at the first Chinese comment.

    gunicorn's master calls this before it forks, so that no worker spends a second of a
    live screen's poll on it (``gunicorn.conf.py``). Nothing else imports ``jieba.posseg``:
    its tables take about 50 MB, which the nightly job, loading this module through the
    app, must not carry.
    """
    import jieba.posseg  # its import loads the tables

    jieba.initialize()


def _english_words(text: str) -> Iterable[tuple[str, bool]]:
    """Each English word with whether it was capitalised inside a sentence."""
    for match in _ENGLISH.finditer(text):
        word = match.group()
        before = text[: match.start()]
        starts_sentence = not before.strip() or bool(_SENTENCE_END.search(before))
        capital_inside = word[0].isupper() and not word.isupper() and not starts_sentence
        yield word.lower(), capital_inside or (starts_sentence and word[0].isupper())


def _is_name(word: str, flag: str) -> bool:
    return flag in FOREIGN_NAME_FLAGS or (flag == "nr" and word[0] in COMMON_SURNAMES)


def _chinese_words(text: str) -> Iterable[str]:
    import jieba.posseg  # see load_dictionary: imported on first use, once

    for run in _CHINESE.findall(text):
        for pair in jieba.posseg.cut(run):
            if _is_name(pair.word, pair.flag):
                continue
            if len(pair.word) >= 2 and pair.word not in CHINESE_STOPWORDS:
                yield pair.word


#: One answer's words worth showing, and those seen only with a capital inside a sentence.
AnswerTerms = tuple[frozenset[str], frozenset[str]]


def answer_terms(text: str, names: Iterable[str] = ()) -> AnswerTerms:
    """The words of one answer worth showing, and those seen only with a capital.

    ``names`` are taken out of the text before it is cut, so that no part of one is left
    (jieba cuts 李明说 as 李 / 明说).
    """
    for name in sorted(names, key=len, reverse=True):
        for part in (name, *name.split()):
            if len(part) >= 2:
                # A Latin name only as a whole word: "Li" must not cut "policy".
                pattern = rf"(?<![A-Za-z]){re.escape(part)}(?![A-Za-z])"
                text = re.sub(pattern, " . ", text, flags=re.IGNORECASE)
    english: dict[str, bool] = {}
    for word, capital in _english_words(text):
        if len(word) < 3 or word in ENGLISH_STOPWORDS:
            continue
        english[word] = english.get(word, True) and capital
    words = {word for word, capital in english.items() if not capital}
    capitals = {word for word, capital in english.items() if capital}
    words.update(_chinese_words(text))
    return frozenset(words), frozenset(capitals)


def names_key(names: Iterable[str]) -> str:
    """A short digest of the names taken out of an answer: its words depend on them."""
    joined = "\n".join(sorted(names))
    return hashlib.blake2b(joined.encode("utf-8"), digest_size=8).hexdigest()


def top_terms(
    answers: Iterable[AnswerTerms],
    names: Iterable[str],
    limit: int = 12,
) -> list[tuple[str, int]]:
    """The ``limit`` words in most answers, most first; never one of ``names``' words.

    A word seen only with a capital inside a sentence counts when some answer also writes it
    in lower case (then it is a word, not a name).
    """
    excluded = {part.lower() for name in names for part in re.split(r"[\s,.;·]+", name) if part}
    excluded |= {run for name in names for run in _CHINESE.findall(name)}
    counts: Counter[str] = Counter()
    capitals: Counter[str] = Counter()
    for words, capital_words in answers:
        counts.update(words)
        capitals.update(capital_words)
    for word, count in capitals.items():
        if word in counts:
            counts[word] += count
    ranked = sorted(
        ((word, count) for word, count in counts.items() if word not in excluded),
        key=lambda pair: (-pair[1], pair[0]),
    )
    return ranked[:limit]

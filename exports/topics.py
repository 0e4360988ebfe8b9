"""Follow-up topics: what attendees want the next dialogue to take up, grouped and counted.

An answer to "which topics should the next dialogue take up?" is first matched to the
codebook's groups and areas, in either language, by their indicator words (the ones without
gaps; a plain look-up, not the tagger: no negation, no scores). So "pensions" and "养老金" are
one topic. What no group or area covers is counted as words and two-word phrases (English
words minus stopwords; Chinese words cut by jieba), once per answer; a word that only ever
appears inside one longer counted phrase is not counted apart from it. Topics are counted by
session (the feedback that asked for them) and by theme (the policy inputs whose counted
groups and areas name the same topic).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.codebook import bundled_codebook
from survey_db import counting
from survey_db.models import Response, ResponseTag
from survey_db.models.vocabulary import AREAS, GROUPS

from .data import Scope, stream

_EN_STOPWORDS = (
    "a about after again all also an and any are as at be been before being between both but "
    "by can could did do does during each for from further had has have how i if in into is it "
    "its just more most my no nor not of on once only or other our out over own same should so "
    "some such than that the their them then there these they this those through to too under "
    "until up very was we were what when where which while who why will with would you your "
    "please next topic topics discuss discussion session sessions dialogue like want need "
    "think maybe future"
)
EN_STOPWORDS = frozenset(_EN_STOPWORDS.split())
_ZH_STOPWORDS = (
    "的 了 和 与 及 在 是 对 等 中 也 就 都 而 或 把 被 让 我们 希望 建议 讨论 下次 下一次 "
    "议题 主题 问题 可以 应该 一些 如何 进行 关于"
)
ZH_STOPWORDS = frozenset(_ZH_STOPWORDS.split())
_CJK = re.compile(r"[\u3400-\u9fff]")
_EN_WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
#: Phrases listed on the sheet (after the groups and areas).
PHRASE_LIMIT = 25


def phrases_of(text: str) -> set[str]:
    """Words and two-word phrases of one answer worth counting (jieba for Chinese)."""
    if _CJK.search(text):
        import jieba  # loads its dictionary (about a second) only when Chinese text appears

        words = [word.strip().lower() for word in jieba.lcut(text)]
        keep = [
            word
            if (_CJK.search(word) and len(word) > 1 and word not in ZH_STOPWORDS)
            or (word.isascii() and word.isalpha() and len(word) > 2 and word not in EN_STOPWORDS)
            else None
            for word in words
            if word
        ]
        joiner = ""
    else:
        words = _EN_WORD.findall(text.lower())
        keep = [word if word not in EN_STOPWORDS and len(word) > 2 else None for word in words]
        joiner = " "
    found = {word for word in keep if word}
    found.update(f"{a}{joiner}{b}" for a, b in pairwise(keep) if a and b)
    return found


@cache
def _code_patterns() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern over the gap-free indicators of every group and area, both languages."""
    book = bundled_codebook()
    codes: dict[str, str] = {}
    for category in (*book.groups, *book.areas):
        for language in ("en", "zh"):
            for indicator in category.indicators[language]:
                term = indicator.pattern.lower()
                if "*" not in term and len(term) > 1:
                    codes.setdefault(term, category.code)
    terms = sorted(codes, key=len, reverse=True)
    # English indicators are stems ("pension", "freelanc"): matched from a word's start
    parts = [re.escape(t) if _CJK.search(t) else rf"\b{re.escape(t)}" for t in terms]
    return re.compile("|".join(parts)), codes


def codes_named(text: str) -> tuple[set[str], list[str]]:
    """The groups and areas ``text`` names, and the indicator words that named them."""
    pattern, codes = _code_patterns()
    terms = [match.group().lower() for match in pattern.finditer(text.lower())]
    return {codes[term] for term in terms}, terms


def drop_fragments(counts: dict[str, int]) -> dict[str, int]:
    """Leave out a phrase found only inside a longer phrase (as many answers hold both)."""
    return {
        phrase: n
        for phrase, n in counts.items()
        if not any(
            len(longer) > len(phrase) and phrase in longer and other == n
            for longer, other in counts.items()
        )
    }


@dataclass
class Topic:
    """One topic: a group, an area or a phrase; answers asking for it by session and theme."""

    key: str
    kind: str  # "group", "area" or "phrase"
    answers: int = 0
    by_session: Counter[int] = field(default_factory=Counter)
    by_theme: Counter[int] = field(default_factory=Counter)


@dataclass
class Topics:
    """The follow-up topics of an event, most asked for first."""

    answers: int
    topics: list[Topic]


def follow_up_topics(db: Session, scope: Scope) -> Topics:
    """Count the follow-up topics of the counted answers, by session and theme."""
    kinds = {**dict.fromkeys(GROUPS, "group"), **dict.fromkeys(AREAS, "area")}
    topics: dict[str, Topic] = {code: Topic(code, kind) for code, kind in kinds.items()}
    # (phrase, session) pairs, not answer ids: memory grows with the words, not the answers.
    by_session: Counter[tuple[str, int]] = Counter()
    answers = 0
    seen: set[int] = set()
    query = select(Response.session_id, Response.next_topics).where(
        *scope.where(), Response.kind == "feedback", Response.next_topics.is_not(None)
    )
    for session_id, text in stream(db, query):
        if not text.strip():
            continue
        answers += 1
        seen.add(session_id)
        named, terms = codes_named(text)
        for code in named:
            topics[code].answers += 1
            topics[code].by_session[session_id] += 1
        by_session.update(
            (phrase, session_id)
            for phrase in phrases_of(text)
            if not any(phrase in term for term in terms)
        )
    totals: Counter[str] = Counter()
    for (phrase, _session), n in by_session.items():
        totals[phrase] += n
    candidates = dict(totals.most_common(PHRASE_LIMIT * 4))
    kept = drop_fragments({phrase: n for phrase, n in candidates.items() if n > 1})
    for phrase in sorted(kept, key=lambda key: (-kept[key], key))[:PHRASE_LIMIT]:
        topic = topics[phrase] = Topic(phrase, "phrase", kept[phrase])
        for session_id in seen:
            if n := by_session.get((phrase, session_id)):
                topic.by_session[session_id] = n
    _count_inputs(db, scope, topics)
    shown = [topic for topic in topics.values() if topic.answers]
    shown.sort(key=lambda topic: (topic.kind == "phrase", -topic.answers, topic.key))
    return Topics(answers, shown)


def _count_inputs(db: Session, scope: Scope, topics: dict[str, Topic]) -> None:
    """Per theme, the policy inputs whose counted groups and areas name each coded topic."""
    query = (
        select(
            Response.theme_id,
            Response.groups,
            Response.areas,
            ResponseTag.review_state,
            ResponseTag.machine_groups,
            ResponseTag.reviewed_groups,
            ResponseTag.machine_areas,
            ResponseTag.reviewed_areas,
        )
        .outerjoin(ResponseTag)
        .where(*scope.where(), Response.kind == "input")
    )
    for row in stream(db, query):
        state = row.review_state
        codes = counting.codes_of(state, row.groups, row.machine_groups, row.reviewed_groups)
        codes += counting.codes_of(state, row.areas, row.machine_areas, row.reviewed_areas)
        for code in codes:
            if code in topics:
                topics[code].by_theme[row.theme_id] += 1

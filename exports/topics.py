"""The follow-up topics: every answer, and the words and short phrases most often asked for.

Simple counting is enough to plan the next dialogue: English words and word pairs minus a
small stopword list; Chinese words cut by jieba (its bundled dictionary, no downloads) and
pairs of adjacent words. Each phrase counts once per answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from typing import Any, NamedTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from survey_db.models import Event, Response, ResponseTag

from .data import ACTIVE, PERSON_COLUMNS, TEXT_LANGUAGE, EventFacts, person, stream

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


class TopicRow(NamedTuple):
    session: str
    submitted: datetime
    text: str
    language: str
    name: str | None
    organisation: str | None


def _topics_query(event: Event) -> Select[Any]:
    return (
        select(
            Response.session_id,
            Response.created_at,
            Response.next_topics,
            TEXT_LANGUAGE.label("language"),
            *PERSON_COLUMNS,
        )
        .outerjoin(ResponseTag)
        .where(Response.event_id == event.id, ACTIVE, Response.next_topics.is_not(None))
        .order_by(Response.session_id, Response.id)
    )


def topic_rows(db: Session, event: Event, facts: EventFacts) -> Iterator[TopicRow]:
    """Every answer to "what should the next dialogue discuss?"."""
    for row in stream(db, _topics_query(event)):
        title = facts.sessions.get(row.session_id, "")
        yield TopicRow(title, row.created_at, row.next_topics, row.language, *person(row))


def topic_phrases(db: Session, event: Event, limit: int = 40) -> list[tuple[str, int]]:
    """The most frequent words and phrases among the follow-up topics (once per answer)."""
    counts: Counter[str] = Counter()
    for row in stream(db, _topics_query(event)):
        counts.update(phrases_of(row.next_topics))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]

"""The Briefing: the event on one page, as plain figures for the workbook and the console.

Both the workbook's first sheet and the console's printable page show this, so the two never
disagree. Every figure follows the one counting rule (:mod:`survey_db.counting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from survey_db.models import Event

from . import data, quotes, topics
from .data import EventFacts, LevelCounts, Scope

#: The fewest ratings a session needs to be named best or weakest.
MIN_RATED = 3
#: Follow-up topics and quotes on the page.
TOPICS_SHOWN = 5
QUOTES_SHOWN = 3
#: Characters of a quote shown on the page (the Quotes sheet has the whole text).
QUOTE_CHARS = 220


@dataclass(frozen=True)
class Briefing:
    """What the one page shows."""

    facts: EventFacts
    include_demo: bool
    counts: data.AnswerCounts
    ranked: list[data.RatingRow]
    best: data.RatingRow | None
    weakest: data.RatingRow | None
    levels: list[tuple[str, LevelCounts]]
    topics: list[topics.Topic]
    quotes: list[quotes.Quote]
    status: data.TagStatus
    #: Every follow-up topic and every quote, for their own sheets (counted once).
    all_topics: topics.Topics
    all_quotes: list[quotes.Quote]


def short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word where it can be, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + "…"


def level_rows(
    db: Session, scope: Scope, facts: EventFacts, feedback_label: str
) -> list[tuple[str, LevelCounts]]:
    """The levels by theme (policy inputs), then over all session feedback, with their titles."""
    matrix = data.impact_matrix(db, scope.event, scope.include_demo).themes
    rows = [(title, matrix[ident]) for ident, title in facts.themes.items()]
    return [*rows, (feedback_label, matrix["feedback"])]


def pick_quotes(found: list[quotes.Quote], limit: int = QUOTES_SHOWN) -> list[quotes.Quote]:
    """The best quote of as many different levels as there are, best scores first."""
    chosen: list[quotes.Quote] = []
    for quote in sorted(found, key=lambda item: (-item.score, item.response_id)):
        if quote.level not in {item.level for item in chosen} and len(chosen) < limit:
            chosen.append(quote)
    for quote in sorted(found, key=lambda item: (-item.score, item.response_id)):
        if len(chosen) >= limit:
            break
        if quote not in chosen:
            chosen.append(quote)
    return chosen


def best_and_weakest(
    ranked: list[data.RatingRow],
) -> tuple[data.RatingRow | None, data.RatingRow | None]:
    """The sessions with the highest and lowest mean among those rated at least MIN_RATED times."""
    rated = [row for row in ranked if row.n >= MIN_RATED and row.mean is not None]
    if len(rated) < 2:
        return (rated[0] if rated else None), None
    return rated[0], rated[-1]


def briefing(
    db: Session, event: Event, lang: str, *, include_demo: bool = False, feedback_label: str = ""
) -> Briefing:
    """Gather the Briefing's figures of ``event``."""
    scope = Scope(event, include_demo)
    facts = data.event_facts(db, scope, lang)
    ranked = data.ranked_sessions(data.rating_rows(db, scope, facts))
    best, weakest = best_and_weakest(ranked)
    found_topics = topics.follow_up_topics(db, scope)
    found_quotes = quotes.quotes(db, scope)
    return Briefing(
        facts=facts,
        include_demo=include_demo,
        counts=data.answer_counts(db, scope),
        ranked=ranked,
        best=best,
        weakest=weakest,
        levels=level_rows(db, scope, facts, feedback_label),
        topics=found_topics.topics[:TOPICS_SHOWN],
        quotes=pick_quotes(found_quotes),
        status=data.tag_status(db, scope),
        all_topics=found_topics,
        all_quotes=found_quotes,
    )


def as_percent(value: Any) -> str:
    """A share as a whole percentage for the page ("–" when there is none)."""
    return "–" if value is None else f"{value:.0%}"

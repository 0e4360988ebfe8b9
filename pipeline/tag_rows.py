"""From tagger results to a response's tag row: pure, no database, no processes.

A response has up to three texts (a feedback's comments, an input's text); the tag row holds
their levels, groups and areas together, the highest score per level, the evidence, the mean
sentiment and how sure the machine is (:func:`certainty`, which orders the review queue).
"""

from __future__ import annotations

from typing import Any

from pipeline.codebook import Addition
from pipeline.pacing import Pacer
from pipeline.tagger import build_tagger, tag_text
from survey_db.models.vocabulary import LEVELS

#: Distance of a level's score from the threshold beyond which the machine is sure of it.
CERTAINTY_BAND = 0.25
#: Certainty of a response whose texts carry no level at all: worth a person's look.
NO_LEVEL_CERTAINTY = 0.2

#: A page of responses to tag: (id, version, field -> text).
Page = list[tuple[int, int, dict[str, str]]]


class TaggingError(Exception):
    """Tagging one response failed; the message names the response for the run log."""


def certainty(scores: dict[str, float], threshold: float, has_text: bool) -> float:
    """How sure the machine is of a response's levels, from 0 (unsure) to 1 (sure).

    Each level's score is a confidence in [0, 1] and the level is tagged at ``threshold``;
    a score close to the threshold could have gone either way. So certainty is the smallest
    distance of any level's score from the threshold, divided by :data:`CERTAINTY_BAND` and
    capped at 1. A response with text but no level at all is capped at
    :data:`NO_LEVEL_CERTAINTY`: it may talk of something the codebook misses. A response
    without text is certain (1.0): there is nothing to review. The review queue shows the
    lowest first.
    """
    margin = min((abs(score - threshold) for score in scores.values()), default=1.0)
    value = min(1.0, margin / CERTAINTY_BAND)
    if has_text and not any(score >= threshold for score in scores.values()):
        value = min(value, NO_LEVEL_CERTAINTY)
    return round(value, 4)


def machine_tags(
    texts: dict[str, str], threshold: float, additions: tuple[Addition, ...] = ()
) -> dict[str, Any]:
    """Tag a response's texts (field -> text) with the codebook and its overlay
    (``additions``), and aggregate them into a tag row's columns."""
    tag = build_tagger(additions).tag if additions else tag_text
    results = {name: tag(text) for name, text in texts.items()}
    scores = dict.fromkeys(LEVELS, 0.0)
    evidence: dict[str, list[str]] = {}
    levels: set[str] = set()
    groups: set[str] = set()
    areas: set[str] = set()
    fields: dict[str, Any] = {}
    for name, result in results.items():
        levels |= result.levels
        groups |= result.groups
        areas |= result.areas
        for level, score in result.scores.items():
            scores[level] = max(scores.get(level, 0.0), score)
        for level, quotes in result.evidence.items():
            merged = evidence.setdefault(level, [])
            merged.extend(quote for quote in quotes if quote not in merged)
        plain = result.to_dict()
        fields[name] = {key: plain[key] for key in ("levels", "scores", "evidence", "sentiment")}
        fields[name]["language"] = result.language
    sentiments = [result.sentiment for result in results.values() if result.sentiment is not None]
    longest = max(texts, key=lambda name: len(texts[name]), default=None)
    return {
        "machine_levels": sorted(levels),
        "machine_scores": {level: round(score, 4) for level, score in scores.items()},
        "machine_evidence": {level: evidence[level] for level in sorted(evidence)},
        "machine_groups": sorted(groups),
        "machine_areas": sorted(areas),
        "fields": fields,
        "sentiment": round(sum(sentiments) / len(sentiments), 4) if sentiments else None,
        "text_language": results[longest].language if longest is not None else None,
        "certainty": certainty(scores, threshold, has_text=bool(results)),
    }


def tag_page(
    page: Page,
    threshold: float,
    pacer: Pacer | None = None,
    additions: tuple[Addition, ...] = (),
) -> list[dict[str, Any]]:
    """A page's tag rows; runs in a pool worker as well as in-process.

    With a ``pacer`` (a run at lowered priority), tagging pauses while attendees want the cores.
    """
    rows = []
    if pacer is not None:
        pacer.start()
    for response_id, version, texts in page:
        if pacer is not None:
            pacer.step()
        try:
            columns = machine_tags(texts, threshold, additions)
        except Exception as error:
            raise TaggingError(
                f"response {response_id}: {type(error).__name__}: {error}"
            ) from error
        rows.append({"response_id": response_id, "tagged_version": version, **columns})
    return rows

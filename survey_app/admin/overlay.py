"""The codebook overlay's operations, shared by the console and the command line.

Plain functions over a session: suggestions from the stored reviews, the preview of a term
("N answers would gain level X; of the reviewed ones, M agree and K do not"; a shield: "would
lose level X"), adding and removing terms (each an overlay revision, each in the audit log).
Nothing here re-tags: the next run of the pipeline does, because the tagger's version
includes the overlay.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, astuple, dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pipeline import TAGGER_VERSION, Addition, build_tagger
from pipeline.codebook import CodebookError
from pipeline.suggest import ReviewedText, Suggestion, suggest
from pipeline.tagger import Tagger, language_of
from survey_db import counting
from survey_db.models import CodebookAddition, Event, Organiser, Response, utcnow
from survey_db.models.overlay import KINDS, active_additions, active_terms, overlay_revision
from survey_db.models.vocabulary import LANGUAGES, LEVELS

from ..texts import gettext as _
from .audit import record
from .quality import reviewed_answers, reviews_state

#: The longest term accepted (the column's size).
MAX_TERM = 200
#: A term found in more than this share of a language's answers is warned about ...
WARN_SHARE = 0.25
#: ... and refused above this share, once there are enough answers to judge.
REFUSE_SHARE = 0.5
MIN_ANSWERS_TO_REFUSE = 20
#: Answers a preview shows as examples of what would change.
EXAMPLES = 10

_EN_WORD = re.compile(r"[^\W_]+")


class OverlayRefused(ValueError):
    """A term cannot be added or removed; the message says why, for people."""


def _additions(terms: list[tuple[str, str, str, bool, str]]) -> list[Addition]:
    return [Addition(*term) for term in terms]


def tagger_for(db: Session, extra: Addition | None = None) -> Tagger:
    """The bundled codebook with the overlay as it stands (and ``extra``, if given)."""
    additions = _additions(active_terms(db))
    return build_tagger([*additions, extra] if extra is not None else additions)


def parse_addition(
    level: str, language: str, term: str, weak: bool = False, kind: str = "indicator"
) -> Addition:
    """A checked addition, or :class:`OverlayRefused` saying what is wrong with it."""
    term = " ".join((term or "").split())
    if len(term) > MAX_TERM:
        raise OverlayRefused(_("A term can have at most %(n)d characters.", n=MAX_TERM))
    if level not in LEVELS:
        raise OverlayRefused(_("Unknown impact level: %(code)s.", code=level))
    if language not in LANGUAGES:
        raise OverlayRefused(_("Unknown language: %(code)s (use en or zh).", code=language))
    if kind not in KINDS:
        raise OverlayRefused(_("Unknown kind of term: %(kind)s.", kind=kind))
    if kind == "shield" and weak:
        raise OverlayRefused(_("A shield counts for nothing: it cannot be weak."))
    if not term:
        raise OverlayRefused(_("The term is empty."))
    try:
        return Addition(level, language, term, weak, kind)
    except CodebookError as error:
        if "wildcard" in str(error):
            raise OverlayRefused(
                _("A term cannot begin or end with the wildcard *: write the words around it.")
            ) from None
        raise OverlayRefused(
            _("A term needs at least one letter, digit or Chinese character.")
        ) from None


@dataclass(frozen=True)
class Preview:
    """What adding a term would do to the stored answers (of one event, or all)."""

    addition: Addition
    #: Answers of the term's language with text, and those holding the term's words.
    answers: int
    holding: int
    #: Answers that would gain the level (a shield: lose it), and among them the reviewed
    #: ones that agree (a person gave the level; a shield: left it out) and do not.
    changed: int
    agree: int
    disagree: int
    examples: tuple[int, ...]
    #: Answers that would lose another level they have now (the term takes the place of
    #: another level's indicator where both match the same words).
    lose: int = 0

    @property
    def shield(self) -> bool:
        """Whether the term is a shield (it takes the level away instead of giving it)."""
        return self.addition.kind == "shield"

    @property
    def share(self) -> float:
        """Share of the language's answers holding the term's words."""
        return self.holding / self.answers if self.answers else 0.0

    @property
    def broad(self) -> bool:
        """The term stands in so many answers that it cannot tell a level apart."""
        return self.share > WARN_SHARE

    @property
    def refused(self) -> bool:
        """So broad that it is refused outright."""
        return self.answers >= MIN_ANSWERS_TO_REFUSE and self.share > REFUSE_SHARE


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


def _holds(text: str, addition: Addition) -> bool:
    """Whether ``text`` holds the term's words (a cheap, generous test before tagging)."""
    pieces = [piece for piece in addition.term.split() if piece != "*"]
    if addition.language == "zh":
        return all(piece in text for piece in pieces)
    lowered = text.lower()
    words = [word for piece in pieces for word in _EN_WORD.findall(piece.lower())]
    # a stem's first four letters stand in every form the tagger would stem to it
    return all(stem[:4] in lowered for stem in _stemmer().stemWords(words))


def preview(db: Session, addition: Addition, event: Event | None = None) -> Preview:
    """What the term would change: tags only the answers holding its words, twice."""
    before, after = tagger_for(db), tagger_for(db, addition)
    query = (
        select(Response)
        .outerjoin(Response.tag)
        .where(counting.counted())
        .options(selectinload(Response.tag))
        .order_by(Response.id)
    )
    if event is not None:
        query = query.where(Response.event_id == event.id)
    level = addition.level
    answers = holding = changed = agree = disagree = lose = 0
    examples: list[int] = []
    for response in db.scalars(query.execution_options(yield_per=500)):
        texts = [text for text in response.texts().values() if text.strip()]
        mine = [text for text in texts if language_of(text) == addition.language]
        if not mine:
            continue
        answers += 1
        if not any(_holds(text, addition) for text in mine):
            continue
        holding += 1
        old = set().union(*(before.tag(text).levels for text in texts))
        new = set().union(*(after.tag(text).levels for text in texts))
        lose += bool(old - new - {level})
        if level in (old - new if addition.kind == "shield" else new - old):
            changed += 1
            if len(examples) < EXAMPLES:
                examples.append(response.id)
            tag = response.tag
            if tag is not None and counting.is_reviewed(tag.review_state):
                given = level in (tag.reviewed_levels or ())
                if given != (addition.kind == "shield"):
                    agree += 1
                else:
                    disagree += 1
    return Preview(addition, answers, holding, changed, agree, disagree, tuple(examples), lose)


def result_file(folder: Path, asked: dict[str, Any]) -> Path:
    """Where a result worked out in the background for the console is kept: one file per
    question (``asked``: what the result depends on), in ``folder``."""
    text = json.dumps(asked, ensure_ascii=False, sort_keys=True)
    return folder / f"{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}.json"


def store_result(path: Path, asked: dict[str, Any], result: dict[str, Any]) -> None:
    """Write a worked-out result where :func:`stored_result` finds it (whole or not at all),
    with what it was asked and when it was worked out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    kept = {"asked": asked, "worked_out": utcnow().isoformat(), "result": result}
    partial.write_text(json.dumps(kept, ensure_ascii=False), "utf-8")
    partial.replace(path)


def stored_result(path: Path, asked: dict[str, Any]) -> tuple[dict[str, Any], datetime] | None:
    """The result kept at ``path`` and when it was worked out, if it answers ``asked`` (a
    result asked with other data, e.g. an older overlay revision, is never shown)."""
    try:
        kept = json.loads(path.read_text("utf-8"))
        if kept["asked"] != json.loads(json.dumps(asked, ensure_ascii=False)):
            return None
        return kept["result"], datetime.fromisoformat(kept["worked_out"])
    except (OSError, ValueError, TypeError, KeyError):
        return None


def preview_file(folder: Path, addition: Addition, event: Event | None, revision: int) -> Path:
    """Where the preview of ``addition`` (over ``event``'s answers, or all) at overlay
    ``revision`` (with the bundled codebook of this release) is kept once worked out."""
    question = [event.slug if event else "", *astuple(addition)]
    return result_file(
        folder, {"preview": question, "revision": revision, "codebook": TAGGER_VERSION}
    )


def store_preview(path: Path, result: Preview, revision: int) -> None:
    """Write a worked-out preview where :func:`stored_preview` finds it."""
    store_result(path, {"revision": revision}, asdict(result))


def stored_preview(path: Path, revision: int) -> Preview | None:
    """The preview kept at ``path``, if it was worked out at overlay ``revision``."""
    found = stored_result(path, {"revision": revision})
    if found is None:
        return None
    data = found[0]
    try:
        data["addition"] = Addition(**data["addition"])
        data["examples"] = tuple(data["examples"])
        return Preview(**data)
    except (TypeError, KeyError, CodebookError):
        return None


def add_term(
    db: Session,
    addition: Addition,
    organiser: Organiser | None,
    *,
    source: str = "typed",
    checked: Preview | None = None,
) -> CodebookAddition:
    """Add a term to the overlay as a new revision and audit it; refuse a duplicate or a
    term the preview found far too broad."""
    if checked is not None and checked.refused:
        raise OverlayRefused(
            _(
                "The term stands in %(share).0f%% of the answers in that language: it would "
                "tag nearly everything. Write a more specific term.",
                share=100 * checked.share,
            )
        )
    for row in active_additions(db):
        if (row.level, row.language, row.term, row.kind) == (
            addition.level,
            addition.language,
            addition.term,
            addition.kind,
        ):
            raise OverlayRefused(_("This term is already in the codebook overlay."))
    revision = overlay_revision(db) + 1
    row = CodebookAddition(
        level=addition.level,
        language=addition.language,
        term=addition.term,
        weak=addition.weak,
        kind=addition.kind,
        source=source,
        added_in=revision,
        added_by_id=organiser.id if organiser is not None else None,
    )
    db.add(row)
    db.flush()
    detail = {"addition_id": row.id, "revision": revision, "level": row.level}
    detail |= {"language": row.language, "term": row.term, "weak": row.weak, "source": source}
    detail["kind"] = row.kind
    if checked is not None:
        detail["loss" if checked.shield else "gain"] = checked.changed
        detail |= {"agree": checked.agree, "disagree": checked.disagree, "lose": checked.lose}
    record(db, "codebook_add", organiser=organiser, **detail)
    return row


def find_active(
    db: Session, level: str, language: str, term: str, kind: str = "indicator"
) -> CodebookAddition:
    """The active overlay row for this term, or :class:`OverlayRefused`."""
    term = " ".join(term.split())
    row = db.scalar(
        select(CodebookAddition).where(
            CodebookAddition.level == level,
            CodebookAddition.language == language,
            CodebookAddition.term == term,
            CodebookAddition.kind == kind,
            CodebookAddition.removed_in.is_(None),
        )
    )
    if row is None:
        raise OverlayRefused(_("No such term in the codebook overlay."))
    return row


def remove_term(db: Session, row: CodebookAddition, organiser: Organiser | None) -> int:
    """Take a term out of the overlay as a new revision and audit it; give the revision."""
    if not row.active:
        raise OverlayRefused(_("This term was already removed."))
    revision = overlay_revision(db) + 1
    row.remove(revision, organiser.id if organiser is not None else None)
    record(
        db,
        "codebook_remove",
        organiser=organiser,
        addition_id=row.id,
        revision=revision,
        level=row.level,
        language=row.language,
        term=row.term,
        kind=row.kind,
    )
    return revision


def suggestions(db: Session, event: Event | None = None, min_support: int = 2) -> list[Suggestion]:
    """Terms proposed from the reviews (of one event, or all), ranked; none is applied."""
    current = _additions(active_terms(db))
    tagger = build_tagger(current)
    answers = [
        ReviewedText(
            "\n".join(item.texts),
            item.language,
            item.machine,
            item.reviewed,
            item.evidence,
            _removed_quotes(tagger, item.texts, item.machine - item.reviewed),
        )
        for item in reviewed_answers(db, event)
    ]

    def known(level: str, language: str, term: str) -> bool:
        return level in tagger.tag(term).evidence

    def trial(additions: list[Addition]) -> Tagger:
        return build_tagger([*current, *additions])

    return suggest(answers, min_support=min_support, known=known, trial=trial)


def suggestions_asked(db: Session, event: Event | None, min_support: int) -> dict[str, Any]:
    """What the suggestions depend on: the event filter, the least support, the bundled
    codebook, the overlay's revision and the reviews' state (a result kept for these is never
    stale)."""
    return {
        "suggestions": event.slug if event else "",
        "min_support": min_support,
        "codebook": TAGGER_VERSION,
        "revision": overlay_revision(db),
        "reviews": reviews_state(db, event),
    }


def store_suggestions(path: Path, asked: dict[str, Any], found: list[Suggestion]) -> None:
    """Write worked-out suggestions where :func:`stored_suggestions` finds them."""
    store_result(path, asked, {"suggestions": [asdict(item) for item in found]})


def stored_suggestions(
    path: Path, asked: dict[str, Any]
) -> tuple[list[Suggestion], datetime] | None:
    """The suggestions kept at ``path`` and when they were worked out, if they answer
    ``asked``."""
    found = stored_result(path, asked)
    if found is None:
        return None
    try:
        return [Suggestion(**item) for item in found[0]["suggestions"]], found[1]
    except (TypeError, KeyError):
        return None


def _removed_quotes(
    tagger: Tagger, texts: tuple[str, ...], removed: frozenset[str]
) -> tuple[tuple[str, str], ...]:
    """(level, quote) of the tagger's evidence today for the levels a reviewer removed: where
    a shield against them would stand."""
    if not removed:
        return ()
    return tuple(
        (level, quote)
        for text in texts
        for level, quotes in tagger.tag(text).evidence.items()
        if level in removed
        for quote in quotes
    )


def as_yaml(rows: list[CodebookAddition], revision: int) -> str:
    """The active terms as a patch to fold into ``pipeline/codebook.yaml`` (shields under
    ``shields``, whichever level they were added against: the codebook's shields stop all)."""
    levels: dict[str, dict[str, dict[str, dict[str, list[str]]]]] = {}
    shields: dict[str, list[str]] = {}
    for row in rows:
        if row.kind == "shield":
            shields.setdefault(row.language, []).append(row.term)
            continue
        tiers = levels.setdefault(row.level, {"indicators": {}})["indicators"]
        tiers.setdefault(row.language, {}).setdefault("weak" if row.weak else "strong", []).append(
            row.term
        )
    header = (
        f"# Codebook overlay, revision {revision}: add these indicators to the same levels (and\n"
        "# these shields to the same languages' shields) of pipeline/codebook.yaml, then remove\n"
        "# them from the overlay.\n"
    )
    patch: dict[str, Any] = {"levels": levels} if levels else {}
    if shields:
        patch["shields"] = shields
    if not patch:
        return header + "# (the overlay is empty)\n"
    return header + yaml.safe_dump(patch, allow_unicode=True, sort_keys=True)

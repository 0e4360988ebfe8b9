"""The one counting rule of the figures, in a SQL form and a Python form that agree.

Which answers count: ``active`` ones (not withdrawn, spam or test); demo answers only when
the reader asks for them; the levels count only answers *with text* (a comment of session
feedback, or the policy input), since a rating alone speaks of no level. What they count as:
a person's review wins over the machine's tags; the groups and areas the attendee ticked always
count, reviewed or not. An answer with no tag row yet counts its ticked groups and areas but no
level.

The console filters and aggregates in SQL (:func:`counted`, :func:`has_level`,
:func:`has_group`, :func:`has_area`, over ``responses`` outer-joined to ``response_tags``);
the workbooks stream rows and apply :func:`levels_of` and :func:`codes_of`. A test
(``tests/test_counting_rule.py``) checks both give the same figures on a mixed event.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, func, literal_column, or_

from .models.responses import Response
from .models.tags import ResponseTag
from .models.vocabulary import FEEDBACK_TEXT_FIELDS

#: Review states in which a person's tags replace the machine's.
REVIEWED_STATES = ("confirmed", "changed")


# --- The Python form ----------------------------------------------------------------------


def counts(status: str, channel: str, include_demo: bool = False) -> bool:
    """Whether an answer with this status and channel enters the figures."""
    return status == "active" and (include_demo or channel != "demo")


def is_reviewed(state: str | None) -> bool:
    """Whether a person confirmed or changed the tags (``None``: no tag row yet)."""
    return state in REVIEWED_STATES


def levels_of(state: str | None, machine: Iterable[str] | None, reviewed: Any) -> list[str]:
    """The levels that count: the reviewed ones where a person reviewed, else the machine's."""
    if state is None:
        return []
    return sorted(set((reviewed if is_reviewed(state) else machine) or ()))


def codes_of(
    state: str | None, chosen: Iterable[str] | None, machine: Iterable[str] | None, reviewed: Any
) -> list[str]:
    """Groups or areas that count: the attendee's, with the reviewed ones or else the machine's."""
    tags = () if state is None else (reviewed if is_reviewed(state) else machine)
    return sorted(set(chosen or ()) | set(tags or ()))


# --- The SQL form (``Response`` outer-joined to ``ResponseTag``) ------------------------------


def counted(include_demo: bool = False) -> ColumnElement[bool]:
    """SQL twin of :func:`counts`."""
    active = Response.counts
    return active if include_demo else and_(active, Response.channel != "demo")


def _filled(column: Any) -> ColumnElement[bool]:
    # The empty string is written into the SQL, not bound: the database then sees the very
    # condition of the console's partial index (``HAS_TEXT_SQL``) and reads the index alone.
    empty = literal_column("''")
    return func.coalesce(column, empty) != empty


#: The answer has text the tagger reads: a comment of session feedback, or the policy input.
#: Its text is :data:`~survey_db.models.responses.HAS_TEXT_SQL`, the console index's condition
#: (``tests/test_console_indexes.py`` checks the two stay one).
HAS_TEXT = or_(*(_filled(getattr(Response, name)) for name in (*FEEDBACK_TEXT_FIELDS, "text")))

#: The join of an answer to its tag row, for figures over many answers. The state's test is
#: always true (every row has a state); it makes SQLite take the index that holds the state
#: and the levels (migration 0009) rather than the unique one on the answer's id, and so read
#: no wide tag row: a third less time for the levels matrix of 100,000 answers.
TAG_OF_ANSWER = and_(ResponseTag.response_id == Response.id, ResponseTag.review_state > "")

#: SQL twin of :func:`is_reviewed`; false when the outer join found no tag row.
REVIEWED = ResponseTag.review_state.in_(REVIEWED_STATES)
#: Tagged by the machine and not reviewed.
MACHINE_ONLY = ResponseTag.review_state == "machine"
#: Has a tag row, so its levels are known (possibly none).
TAGGED = ResponseTag.id.is_not(None)


def json_has(column: Any, code: str) -> ColumnElement[bool]:
    """Whether a JSON list column holds ``code`` (text match; same on SQLite and PostgreSQL)."""
    return cast(column, String).contains(f'"{code}"', autoescape=True)


def has_level(code: str) -> ColumnElement[bool]:
    """SQL twin of ``code in levels_of(...)``."""
    return or_(
        and_(MACHINE_ONLY, json_has(ResponseTag.machine_levels, code)),
        and_(REVIEWED, json_has(ResponseTag.reviewed_levels, code)),
    )


def _has_code(chosen: Any, machine: Any, reviewed: Any, code: str) -> ColumnElement[bool]:
    return or_(
        json_has(chosen, code),
        and_(MACHINE_ONLY, json_has(machine, code)),
        and_(REVIEWED, json_has(reviewed, code)),
    )


def has_group(code: str) -> ColumnElement[bool]:
    """SQL twin of ``code in codes_of(state, response.groups, ...)``."""
    return _has_code(Response.groups, ResponseTag.machine_groups, ResponseTag.reviewed_groups, code)


def has_area(code: str) -> ColumnElement[bool]:
    """SQL twin of ``code in codes_of(state, response.areas, ...)``."""
    return _has_code(Response.areas, ResponseTag.machine_areas, ResponseTag.reviewed_areas, code)

"""The one counting rule: its SQL form and its Python form give the same figures.

A mixed event holds machine-only, confirmed and changed tags, groups and areas the attendee
ticked, untagged answers, spam, test, withdrawn and demo answers. Every figure (answers
counted, per level, per group, per area; with and without demo answers) is computed twice,
once in SQL with :mod:`survey_db.counting`'s expressions and once in Python with its
functions over the plain rows, and both are checked against figures worked out by hand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.admin.queries import Filters, filtered
from survey_app.db import get_session
from survey_db import counting
from survey_db.models import Event, Response, ResponseTag
from survey_db.models.vocabulary import AREAS, GROUPS, LEVELS

from .admin_helpers import csrf_token
from .conftest import FIRST_SLUG


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    with app.app_context():
        yield get_session()


def add(db: Session, event: Event, tag: dict[str, Any] | None = None, **answer: Any) -> Response:
    """One policy input with ``answer``'s fields and, if given, the machine's ``tag``."""
    theme_id = event.themes[0].id
    answer.setdefault("text", "An input")
    response = Response(event_id=event.id, kind="input", theme_id=theme_id, **answer)
    db.add(response)
    db.flush()
    if tag is not None:
        review = tag.pop("review", None)
        row = ResponseTag(response_id=response.id, tagged_version=1, tagger_version="test-1", **tag)
        row.response = response
        if review == "confirm":
            row.confirm(None)
        elif review is not None:
            row.change(None, *review)
        db.add(row)
        db.flush()
    return response


def mixed_event(db: Session, event: Event) -> Event:
    """The mixed set; the comments give what each answer counts as."""
    event = db.get(Event, event.id)
    # machine only: virus; women (attendee) + migrant_workers (machine); health (machine)
    add(
        db,
        event,
        {
            "machine_levels": ["virus"],
            "machine_groups": ["migrant_workers"],
            "machine_areas": ["health"],
        },
        groups=["women"],
    )
    # confirmed: containment; women (attendee, kept after accepting) + children (machine)
    add(
        db,
        event,
        {"machine_levels": ["containment"], "machine_groups": ["children"], "review": "confirm"},
        groups=["women"],
        areas=["pensions"],
    )
    # changed: machine said virus, a person says economic_crisis + stimulus; groups: the
    # attendee's older_persons stays though the person ticked only poor_households
    add(
        db,
        event,
        {
            "machine_levels": ["virus"],
            "machine_groups": ["children"],
            "machine_areas": ["health"],
            "review": (["economic_crisis", "stimulus"], ["poor_households"], ["financing"]),
        },
        groups=["older_persons"],
    )
    # untagged: no level yet, but the attendee's women and unemployment count
    add(db, event, None, groups=["women"], areas=["unemployment"], language="zh")
    # left out always: spam, test, withdrawn (each would add virus and women)
    for status in ("spam", "test", "withdrawn"):
        add(db, event, {"machine_levels": ["virus"]}, groups=["women"], status=status)
    # demo: counted only when asked for
    add(db, event, {"machine_levels": ["virus", "stimulus"]}, groups=["women"], channel="demo")
    add(db, event, None, areas=["health"], channel="demo")
    db.commit()
    return event


#: What the mixed set counts, worked out by hand from the comments above.
EXPECTED = {
    False: {
        "answers": 4,
        "levels": {"virus": 1, "containment": 1, "economic_crisis": 1, "stimulus": 1},
        "groups": {
            "women": 3,
            "migrant_workers": 1,
            "children": 1,
            "older_persons": 1,
            "poor_households": 1,
        },
        "areas": {"health": 1, "pensions": 1, "financing": 1, "unemployment": 1},
    },
    True: {
        "answers": 6,
        "levels": {"virus": 2, "containment": 1, "economic_crisis": 1, "stimulus": 2},
        "groups": {
            "women": 4,
            "migrant_workers": 1,
            "children": 1,
            "older_persons": 1,
            "poor_households": 1,
        },
        "areas": {"health": 2, "pensions": 1, "financing": 1, "unemployment": 1},
    },
}


def sql_figures(db: Session, event: Event, include_demo: bool) -> dict[str, Any]:
    """The figures by the SQL form: one COUNT per code."""

    def count(*where: Any) -> int:
        query = (
            select(func.count(Response.id))
            .outerjoin(ResponseTag, ResponseTag.response_id == Response.id)
            .where(Response.event_id == event.id, counting.counted(include_demo), *where)
        )
        return db.scalar(query) or 0

    def per_code(codes: tuple[str, ...], has: Any) -> dict[str, int]:
        return {code: n for code in codes if (n := count(has(code)))}

    return {
        "answers": count(),
        "levels": per_code(LEVELS, counting.has_level),
        "groups": per_code(GROUPS, counting.has_group),
        "areas": per_code(AREAS, counting.has_area),
    }


def python_figures(db: Session, event: Event, include_demo: bool) -> dict[str, Any]:
    """The figures by the Python form, over plain rows (no expression of the SQL form)."""
    rows = db.execute(
        select(
            Response.status,
            Response.channel,
            Response.groups,
            Response.areas,
            ResponseTag.review_state,
            ResponseTag.machine_levels,
            ResponseTag.reviewed_levels,
            ResponseTag.machine_groups,
            ResponseTag.reviewed_groups,
            ResponseTag.machine_areas,
            ResponseTag.reviewed_areas,
        )
        .outerjoin(ResponseTag, ResponseTag.response_id == Response.id)
        .where(Response.event_id == event.id)
    ).all()
    kept = [row for row in rows if counting.counts(row.status, row.channel, include_demo)]
    levels: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    for row in kept:
        state = row.review_state
        levels.update(counting.levels_of(state, row.machine_levels, row.reviewed_levels))
        groups.update(counting.codes_of(state, row.groups, row.machine_groups, row.reviewed_groups))
        areas.update(counting.codes_of(state, row.areas, row.machine_areas, row.reviewed_areas))
    return {
        "answers": len(kept),
        "levels": dict(levels),
        "groups": dict(groups),
        "areas": dict(areas),
    }


@pytest.mark.parametrize("include_demo", [False, True], ids=["demo out", "demo in"])
def test_sql_and_python_forms_give_the_same_figures(db: Session, event: Event, include_demo: bool):
    event = mixed_event(db, event)
    by_sql = sql_figures(db, event, include_demo)
    by_python = python_figures(db, event, include_demo)
    assert by_sql == by_python == EXPECTED[include_demo]


def test_the_tag_rows_properties_follow_the_rule(db: Session, event: Event):
    event = mixed_event(db, event)
    tags = db.scalars(
        select(ResponseTag).join(Response).where(Response.status == "active").order_by(Response.id)
    ).all()
    assert [tag.levels for tag in tags[:3]] == [
        ["virus"],
        ["containment"],
        ["economic_crisis", "stimulus"],
    ]
    assert [tag.groups for tag in tags[:3]] == [
        ["migrant_workers", "women"],
        ["children", "women"],
        ["older_persons", "poor_households"],
    ]
    assert [tag.reviewed for tag in tags[:3]] == [False, True, True]


def test_the_consoles_group_filter_counts_what_the_rule_counts(db: Session, event: Event):
    event = mixed_event(db, event)
    for code, expected in EXPECTED[True]["groups"].items():
        query = filtered(event, Filters(group=code)).where(counting.counted(include_demo=True))
        ids = db.scalars(query.with_only_columns(Response.id)).all()
        assert len(ids) == expected, code


def women_count(app: Flask) -> int:
    with app.app_context():
        db = get_session()
        return sql_figures(db, db.get(Event, 1), include_demo=False)["groups"].get("women", 0)


def test_accepting_the_machines_tags_keeps_the_groups_the_attendee_chose(
    app: Flask, organiser_client: FlaskClient, event: Event
):
    """The known bug: accepting dropped the attendee's groups, so a group's count fell by one."""
    with app.app_context():
        db = get_session()
        response = add(
            db,
            db.get(Event, event.id),
            {"machine_levels": ["virus"], "machine_groups": ["children"]},
            groups=["women"],
            areas=["pensions"],
        )
        db.commit()
        ident = response.id
    assert women_count(app) == 1
    detail = f"/admin/e/{FIRST_SLUG}/responses/{ident}"
    token = csrf_token(organiser_client, detail)
    answer = organiser_client.post(
        f"{detail}/review", data={"csrf_token": token, "action": "confirm"}
    )
    assert answer.status_code == 302
    assert women_count(app) == 1
    with app.app_context():
        tag = get_session().scalar(select(ResponseTag).where(ResponseTag.response_id == ident))
        assert tag.review_state == "confirmed"
        assert tag.groups == ["children", "women"] and tag.areas == ["pensions"]
        assert tag.reviewed_groups == ["children", "women"]

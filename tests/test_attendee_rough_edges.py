"""The forms' rough edges: names only with quotes, the grid's choices, limits, now and next."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from survey_app.attendee import agenda
from survey_app.config import TEXT_MAX
from survey_app.db import get_session
from survey_db.models import Response

from .form_helpers import fresh_form

SLUG = "2020-11-10-social-protection"
GRID = f"/e/{SLUG}/feedback"
FEEDBACK = f"/e/{SLUG}/sessions/p1-health/feedback"


def stored(app) -> list[tuple[str, int | None]]:
    with app.app_context():
        rows = get_session().scalars(select(Response).order_by(Response.id))
        return [(row.session.code, row.overall) for row in rows]


@pytest.mark.parametrize(("quote_ok", "shown"), [("", False), ("y", True)])
def test_a_name_is_shown_only_with_words_that_may_be_quoted(app, client, event, quote_ok, shown):
    data = {"overall": "4", "name": "Wang Fang", "show_name": "y", "quote_ok": quote_ok}
    assert client.post(FEEDBACK, data={**fresh_form(client, FEEDBACK), **data}).status_code == 302
    with app.app_context():
        row = get_session().scalars(select(Response)).one()
        assert (row.name, row.quote_ok, row.show_name) == ("Wang Fang", bool(quote_ok), shown)


def test_the_form_says_a_name_needs_quoting(client, event):
    html = client.get(FEEDBACK).get_data(as_text=True)
    assert "(only if they may be quoted)" in html
    assert 'data-requires="quote_ok"' in html


GROUP_CASES = [
    # (answers, status, message or the sessions stored)
    ({"overall__p1_health": "4", "overall__p1_income": "3"}, 400, "ran at the same time"),
    ({"attended__I": "p1-health", "overall__p1_income": "3"}, 400, "Rate only the session"),
    ({"attended__I": "none", "overall__p1_health": "3"}, 400, "You chose none of these"),
    ({"attended__I": "p1-health", "overall__p1_health": "4"}, 302, [("p1-health", 4)]),
    ({"overall__p1_income": "2"}, 302, [("p1-income", 2)]),
    ({"absent__opening": "y", "overall__opening": "5"}, 400, "marked this session as not"),
    ({"absent__opening": "y", "overall__closure": "5"}, 302, [("closure", 5)]),
]


@pytest.mark.parametrize(("answers", "status", "expected"), GROUP_CASES)
def test_grid_groups_parallel_sessions_and_marks_absence(
    app, client, event, answers, status, expected
):
    response = client.post(GRID, data={**fresh_form(client, GRID), **answers})
    assert response.status_code == status
    if status == 400:
        html = response.get_data(as_text=True)
        assert expected in html and 'class="error-summary"' in html
        assert stored(app) == []
    else:
        assert stored(app) == expected


def test_grid_shows_each_parallel_group_as_one_choice(client, event):
    html = client.get(GRID).get_data(as_text=True)
    assert html.count('data-parallel="attended__I"') == 1
    assert html.count('data-parallel="attended__II"') == 1
    assert html.count("which did you attend?") == 2
    assert 'name="absent__opening"' in html and 'name="absent__p1_health"' not in html


def test_a_long_text_is_never_cut_and_its_limit_is_shown(app, client, event):
    html = client.get(FEEDBACK).get_data(as_text=True)
    assert "maxlength" not in html
    assert f'data-limit="{TEXT_MAX}"' in html and 'data-count-for="improve"' in html
    long = "x" * (TEXT_MAX + 5)
    response = client.post(
        FEEDBACK, data={**fresh_form(client, FEEDBACK), "overall": "4", "improve": long}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert long in html and '<a href="#improve">' in html
    assert stored(app) == []


def test_thank_you_page_leads_to_the_next_session(client, event):
    posted = client.post(FEEDBACK, data={**fresh_form(client, FEEDBACK), "overall": "4"})
    html = client.get(posted.location).get_data(as_text=True)
    assert f'href="/e/{SLUG}/sessions/p1-income/feedback">Rate the next session' in html
    assert 'data-copy="link-1"' in html
    last = f"/e/{SLUG}/sessions/closure/feedback"
    posted = client.post(last, data={**fresh_form(client, last), "overall": "4"})
    assert "Rate the next session" not in client.get(posted.location).get_data(as_text=True)


@pytest.mark.parametrize(
    ("clock", "now", "after"),
    [
        ((2020, 11, 10, 14, 30), ["p1-assistance", "p1-health", "p1-income"], ["break-2"]),
        ((2020, 11, 10, 13, 5), ["opening"], ["keynotes"]),
        ((2020, 11, 10, 12, 0), [], ["opening"]),
        ((2020, 11, 11, 13, 5), [], []),  # the day after: nothing is under way
    ],
)
def test_agenda_marks_the_sessions_under_way_and_next(
    client, event, monkeypatch, clock, now, after
):
    shanghai = ZoneInfo("Asia/Shanghai")
    monkeypatch.setattr(agenda, "now_in", lambda zone: datetime(*clock, tzinfo=shanghai))
    html = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    marked = re.findall(r'class="session \w+ (now|next)" id="s-([\w-]+)"', html)
    assert [code for mark, code in marked if mark == "now"] == now
    assert [code for mark, code in marked if mark == "next"] == after
    assert html.count("badge now") == len(now) and html.count("badge next") == len(after)


def test_chinese_agenda_uses_chinese_punctuation_and_translates_tbc(client, event):
    html = client.get(f"/e/{SLUG}/?lang=zh").get_data(as_text=True)
    assert "（北京时间）" in html
    assert "representative (tbc)" not in html and "代表（待定）" in html
    assert "，" in html


def test_chinese_forms_use_chinese_colons(client, event):
    client.get(f"/e/{SLUG}/?lang=zh")
    failed = client.post(FEEDBACK, data={**fresh_form(client, FEEDBACK), "improve": "x"})
    html = failed.get_data(as_text=True)
    assert "<title>反馈：" in html
    assert re.search(r'<a href="#overall-0">[^<:]+：请', html)
    posted = client.post(FEEDBACK, data={**fresh_form(client, FEEDBACK), "overall": "4"})
    assert "为下一个环节评分：" in client.get(posted.location).get_data(as_text=True)

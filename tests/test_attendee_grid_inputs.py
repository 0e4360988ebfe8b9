"""The feedback grid, policy inputs, the thank-you page and the private amend link."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey_app.db import get_session
from survey_db.models import Response

from .form_helpers import fresh_form, hidden_fields

SLUG = "2020-11-10-social-protection"
GRID = f"/e/{SLUG}/feedback"
INPUTS = f"/e/{SLUG}/inputs"
FEEDBACK = f"/e/{SLUG}/sessions/keynotes/feedback"


def rows(app) -> list[Response]:
    with app.app_context():
        query = select(Response).order_by(Response.id)
        found = list(get_session().scalars(query))
        for row in found:
            _ = row.session, row.theme, row.versions
        return found


def private_links(html: str) -> list[str]:
    return re.findall(r'class="private-link" href="http://localhost(/e/[^"]+)"', html)


def test_agenda_lists_every_session_and_feedback_links(client, event):
    html = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    for code in ("opening", "keynotes", "p1-assistance", "p2-digital", "financing", "closure"):
        assert f"/e/{SLUG}/sessions/{code}/feedback" in html
    assert "/sessions/break-1/feedback" not in html
    assert "Health break" in html
    assert "Luis Frota" in html and "Moderator" in html
    assert "Raúl Julián Ruggia Frick" in html


def test_agenda_in_chinese_by_switch_and_header(client, event):
    html = client.get(f"/e/{SLUG}/?lang=zh").get_data(as_text=True)
    assert 'lang="zh-Hans"' in html
    remembered = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    assert 'lang="zh-Hans"' in remembered
    other = client.application.test_client()
    by_header = other.get(f"/e/{SLUG}/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert 'lang="zh-Hans"' in by_header.get_data(as_text=True)


def test_grid_stores_one_feedback_per_rated_session(app, client, event):
    form = fresh_form(client, GRID)
    data = {
        **form,
        "overall__opening": "5",
        "overall__p1_health": "3",
        "most_useful__p1_health": "Medical insurance portability",
        "attendance": "in_person",
        "stakeholder": "government",
    }
    response = client.post(GRID, data=data)
    assert response.status_code == 302
    stored = rows(app)
    assert sorted((row.session.code, row.overall) for row in stored) == [
        ("opening", 5),
        ("p1-health", 3),
    ]
    health = next(row for row in stored if row.session.code == "p1-health")
    assert health.most_useful == "Medical insurance portability"
    assert all(row.attendance == "in_person" and row.stakeholder == "government" for row in stored)
    thanks = client.get(response.location).get_data(as_text=True)
    assert len(private_links(thanks)) == 2
    assert client.post(GRID, data=data).status_code == 302
    assert len(rows(app)) == 2


def test_grid_without_any_rating_is_refused(app, client, event):
    form = fresh_form(client, GRID)
    response = client.post(GRID, data={**form, "attendance": "online"})
    assert response.status_code == 400
    assert "Please rate at least one session." in response.get_data(as_text=True)
    assert rows(app) == []


def test_grid_comment_without_rating_is_named_at_its_session(app, client, event):
    form = fresh_form(client, GRID)
    data = {**form, "overall__opening": "4", "most_useful__keynotes": "I forgot to rate"}
    response = client.post(GRID, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "I forgot to rate" in html
    # The message sits at the keynotes' comment, and the summary links to it by name.
    keynotes = html.split('id="g-keynotes"')[1].split('class="grid-row"')[0]
    assert 'id="most_useful__keynotes-error">' in keynotes
    assert "Please rate this session too, or remove the comment." in keynotes
    opening = html.split('id="g-opening"')[1].split('class="grid-row"')[0]
    assert "Please rate this session too" not in opening
    assert re.search(r'<a href="#most_useful__keynotes">Plenary: Keynote', html)
    assert rows(app) == []


def test_policy_input_is_stored_with_groups_and_areas(app, client, event):
    form = fresh_form(client, INPUTS)
    text = "Extend unemployment insurance to gig workers.\nFinance it from general taxes."
    response = client.post(
        INPUTS,
        data={
            **form,
            "theme": "lessons",
            "text": text,
            "groups": ["flexible_gig_workers", "migrant_workers"],
            "areas": ["unemployment", "financing"],
            "name": "Li Wei",
            "organisation": "ACFTU",
            "quote_ok": "y",
            "show_name": "y",
        },
    )
    assert response.status_code == 302
    [row] = rows(app)
    assert row.kind == "input" and row.theme.code == "lessons" and row.text == text
    assert row.groups == ["flexible_gig_workers", "migrant_workers"]
    assert row.areas == ["financing", "unemployment"]
    assert (row.name, row.organisation, row.show_name) == ("Li Wei", "ACFTU", True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"theme": ""}, "Please choose a theme."),
        ({"theme": "nonsense"}, "Not a valid choice"),
        ({"text": ""}, "Please write your input."),
        ({"groups": ["aliens"]}, "not a valid choice"),
        ({"areas": ["health", "space"]}, "not a valid choice"),
        ({"text": "t" * 5001}, "Please keep this under 5000 characters."),
    ],
)
def test_policy_input_rules(app, client, event, changes, message):
    form = fresh_form(client, INPUTS)
    data = {**form, "theme": "risks", "text": "Older persons were cut off.", "name": "Kept Name"}
    data.update(changes)
    response = client.post(INPUTS, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert "Kept Name" in html
    assert rows(app) == []


def test_theme_preselected_from_agenda_link(client, event):
    html = client.get(INPUTS + "?theme=risks").get_data(as_text=True)
    assert re.search(r'<input checked id="theme-1" name="theme"[^>]*value="risks">', html)


def test_amend_keeps_earlier_version_and_withdraw(app, client, event):
    form = fresh_form(client, FEEDBACK)
    posted = client.post(FEEDBACK, data={**form, "overall": "2", "improve": "First words"})
    link = private_links(client.get(posted.location).get_data(as_text=True))[0]

    page = client.get(link)
    assert page.status_code == 200 and "First words" in page.get_data(as_text=True)
    amend = hidden_fields(page.get_data(as_text=True))
    saved = client.post(link, data={**amend, "overall": "4", "improve": "Second thoughts"})
    assert saved.status_code == 200
    assert "Your changes have been saved" in saved.get_data(as_text=True)
    [row] = rows(app)
    assert (row.overall, row.improve, row.version) == (4, "Second thoughts", 2)
    assert [version.data["improve"] for version in row.versions] == ["First words"]

    unchanged = client.post(link, data={**amend, "overall": "4", "improve": "Second thoughts"})
    assert unchanged.status_code == 200
    assert rows(app)[0].version == 2

    token = hidden_fields(client.get(link).get_data(as_text=True))["csrf_token"]
    asked = client.post(link + "/withdraw", data={"csrf_token": token})
    assert asked.status_code == 200 and "Withdraw your answer?" in asked.get_data(as_text=True)
    assert rows(app)[0].status == "active"  # nothing happens before the confirmation
    confirm = hidden_fields(asked.get_data(as_text=True))
    assert confirm["confirm"] == "yes"
    client.post(link + "/withdraw", data=confirm)
    [row] = rows(app)
    assert row.status == "withdrawn" and len(row.versions) == 2
    page = client.get(link).get_data(as_text=True)
    assert "You withdrew this answer" in page

    # Undone from the same link: counted again, the withdrawal kept as a version.
    client.post(link + "/restore", data={"csrf_token": hidden_fields(page)["csrf_token"]})
    [row] = rows(app)
    assert row.status == "active" and row.version == 4 and len(row.versions) == 3
    assert "Save changes" in client.get(link).get_data(as_text=True)


def test_amend_refused_after_close_and_bad_link_is_404(app, client, runner, event):
    form = fresh_form(client, FEEDBACK)
    posted = client.post(FEEDBACK, data={**form, "overall": "5"})
    link = private_links(client.get(posted.location).get_data(as_text=True))[0]
    runner.invoke(args=["events", "close", SLUG])
    page = client.get(link).get_data(as_text=True)
    assert "can no longer be changed" in page
    amend = hidden_fields(page)
    response = client.post(link, data={**amend, "overall": "1"})
    assert response.status_code == 403
    assert rows(app)[0].overall == 5
    assert client.get(f"/e/{SLUG}/r/not-a-token").status_code == 404


def test_thanks_page_holds_no_state_for_the_next_person(app, client, event):
    form = fresh_form(client, FEEDBACK)
    client.post(FEEDBACK, data={**form, "overall": "5", "name": "First Person"})
    html = client.get(FEEDBACK).get_data(as_text=True)
    assert "First Person" not in html
    assert hidden_fields(html)["submission_key"] != form["submission_key"]


def test_wtforms_own_messages_follow_the_page_language(client, event):
    for lang, message in (("zh", "不是有效的选择"), ("en", "Not a valid choice")):
        form = fresh_form(client, f"{INPUTS}?lang={lang}")
        data = {**form, "theme": "nonsense", "text": "Older persons were cut off."}
        html = client.post(INPUTS, data=data).get_data(as_text=True)
        assert message in html, lang

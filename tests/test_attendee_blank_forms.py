"""Blank form pages are rendered once, yet every visit gets its own tokens and current content."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from survey_app.attendee.blank_forms import BlankForms
from survey_app.db import get_session
from survey_app.models import Response

from .event_helpers import load_event_file_with
from .form_helpers import fresh_form, hidden_fields

SLUG = "2020-11-10-social-protection"
FEEDBACK = f"/e/{SLUG}/sessions/p1-health/feedback"
INPUTS = f"/e/{SLUG}/inputs"
GRID = f"/e/{SLUG}/feedback"


def masked(html: str) -> str:
    """The page with its hidden values blanked, to compare two visits."""
    return re.sub(r'(type="hidden"[^>]*value=")[^"]*"', r'\1"', html)


def test_each_visit_gets_its_own_key_and_both_answers_are_stored(app, client, event):
    first = fresh_form(client, FEEDBACK)
    second = fresh_form(client, FEEDBACK)
    assert first["submission_key"] != second["submission_key"]
    store = app.extensions["blank_forms"]
    for form in (first, second):
        assert store.csrf_stand_in not in form.values()
        assert store.key_stand_in not in form.values()
        assert client.post(FEEDBACK, data={**form, "overall": "4"}).status_code == 302
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Response)) == 2


def test_tokens_belong_to_each_visitors_session(app, event):
    one, other = app.test_client(), app.test_client()
    mine = fresh_form(one, FEEDBACK)
    theirs = fresh_form(other, FEEDBACK)
    assert mine["csrf_token"] != theirs["csrf_token"]
    refused = other.post(FEEDBACK, data={**mine, "overall": "3"})
    assert refused.status_code == 400
    assert other.post(FEEDBACK, data={**theirs, "overall": "3"}).status_code == 302


def test_kept_page_is_the_page_a_fresh_render_gives(app, client, event):
    for url in (FEEDBACK, INPUTS, GRID, INPUTS + "?theme=risks"):
        rendered = client.get(url).get_data(as_text=True)
        kept = client.get(url).get_data(as_text=True)
        app.extensions["blank_forms"] = BlankForms()
        again = client.get(url).get_data(as_text=True)
        assert masked(kept) == masked(rendered) == masked(again), url
        assert hidden_fields(kept)["submission_key"] != hidden_fields(again)["submission_key"]


def test_page_follows_a_change_to_the_event_file(app, client, event):
    before, after = "Social health protection: Medical insurance", "Health protection for all"
    assert before in client.get(FEEDBACK).get_data(as_text=True)
    load_event_file_with(app, before, after)
    html = client.get(FEEDBACK).get_data(as_text=True)
    assert after in html and before not in html


def test_language_and_preselected_theme_are_kept_apart(client, event):
    chosen = client.get(INPUTS + "?theme=risks").get_data(as_text=True)
    plain = client.get(INPUTS).get_data(as_text=True)
    assert re.search(r'<input checked id="theme-\d" name="theme"[^>]*value="risks">', chosen)
    assert "checked" not in re.sub(r"<input[^>]*type=\"checkbox\"[^>]*>", "", plain)
    chinese = client.get(FEEDBACK + "?lang=zh").get_data(as_text=True)
    assert 'lang="zh-Hans"' in chinese
    # The choice is remembered for the next page, as on a page rendered afresh.
    assert 'lang="zh-Hans"' in client.get(INPUTS).get_data(as_text=True)
    assert '<html lang="en">' in client.get(FEEDBACK + "?lang=en").get_data(as_text=True)


def test_store_keeps_the_most_recently_used_pages(app):
    store = BlankForms(size=2)
    renders: list[str] = []

    def render(name: str):
        def make(csrf: str, key: str) -> str:
            renders.append(name)
            return f"{name} {csrf} {key}"

        return make

    with app.test_request_context("/"):
        for name in ("a", "b", "a", "c", "a", "b"):
            page = store.page(name, render(name))
            assert page.startswith(name) and store.csrf_stand_in not in page
    assert renders == ["a", "b", "c", "b"]


def test_head_answers_like_get(client, event):
    for url in (FEEDBACK, INPUTS, GRID):
        head = client.head(url)
        assert head.status_code == 200, url
        assert head.content_length == len(client.get(url).get_data())

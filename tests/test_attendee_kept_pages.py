"""Blank forms and thank-you pages are rendered once, yet every visit gets its own tokens and
current content."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from survey_app.attendee.kept_pages import KeptPages
from survey_app.db import get_session
from survey_db.models import Response

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
    stand_ins = app.extensions["kept_pages"].stand_ins(2)
    for form in (first, second):
        assert not set(stand_ins) & set(form.values())
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
        app.extensions["kept_pages"] = KeptPages()
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


def test_store_keeps_the_most_recently_used_pages():
    store = KeptPages(size=2)
    renders: list[str] = []

    def render(name: str, value: str):
        def make() -> str:
            renders.append(name)
            return f"<p>{name} {value}</p>"

        return make

    for number, name in enumerate(("a", "b", "a", "c", "a", "b")):
        value = f"token{number}-{'x' * 24}"
        page = store.page(name, [value], render(name, value))
        assert page == f"<p>{name} {value}</p>"
    assert renders == ["a", "b", "c", "b"]


def test_store_puts_each_value_back_escaped_wherever_it_was():
    store = KeptPages()
    template = '<a href="/r/{0}">{0}</a> <input value="{1}"> {0}'

    def render(first: str, second: str):
        return lambda: template.format(first, second.replace("&", "&amp;"))

    store.page("k", ["a" * 32, "b&" * 16], render("a" * 32, "b&" * 16))
    again = store.page("k", ["c" * 32, "d&" * 16], render("never", "called"))
    assert again == template.format("c" * 32, "d&amp;" * 16)


def test_head_answers_like_get(client, event):
    for url in (FEEDBACK, INPUTS, GRID):
        head = client.head(url)
        assert head.status_code == 200, url
        assert head.content_length == len(client.get(url).get_data())


def thanks_page(client, url: str, answers: dict[str, str]) -> tuple[str, str]:
    """Send one answer and return its thank-you page and the page's address."""
    posted = client.post(url, data={**fresh_form(client, url), **answers})
    assert posted.status_code == 302
    return client.get(posted.location).get_data(as_text=True), posted.location


def test_kept_thank_you_page_is_the_page_a_fresh_render_gives(app, client, event):
    first, first_url = thanks_page(client, FEEDBACK, {"overall": "4"})
    kept, kept_url = thanks_page(client, FEEDBACK, {"overall": "2"})
    app.extensions["kept_pages"] = KeptPages()
    again, again_url = thanks_page(client, FEEDBACK, {"overall": "5"})
    pages = {first_url: first, kept_url: kept, again_url: again}
    tokens = {url: url.split("/r/")[1].split("/")[0] for url in pages}
    assert len(set(tokens.values())) == 3
    for url, html in pages.items():
        # Its own private link (as address and as text) and language link; no one else's.
        assert f"/r/{tokens[url]}" in html and html.count(tokens[url]) == 3, url
        assert not any(token in html for other, token in tokens.items() if other != url)
        assert "stand-in-" not in html
    assert {html.replace(tokens[url], "T") for url, html in pages.items()} == {
        first.replace(tokens[first_url], "T")
    }


def test_thank_you_page_follows_the_topic_and_language(client, event):
    feedback, _ = thanks_page(client, FEEDBACK, {"overall": "4"})
    on_risks, _ = thanks_page(client, INPUTS, {"theme": "risks", "text": "Cover gig workers."})
    assert "Social health protection" in feedback and "Social health protection" not in on_risks
    client.get(FEEDBACK + "?lang=zh")
    chinese, _ = thanks_page(client, FEEDBACK, {"overall": "4"})
    assert 'lang="zh-Hans"' in chinese and "谢谢" in chinese


def test_thank_you_page_links_follow_the_host_asked(client, event):
    _, location = thanks_page(client, FEEDBACK, {"overall": "4"})
    here = client.get(location).get_data(as_text=True)
    there = client.get(location, base_url="http://feedback.example.org").get_data(as_text=True)
    assert 'href="http://localhost/e/' in here
    assert 'href="http://feedback.example.org/e/' in there and "localhost" not in there


def test_kept_grid_thank_you_page_gives_each_answer_its_own_links(client, event):
    """Two grid posts on the same sessions share a kept page, each with its own two links."""
    pages = [
        thanks_page(client, GRID, {"overall__opening": "5", "overall__p1_health": rating})[0]
        for rating in ("3", "4")
    ]
    links = [
        re.findall(r'class="private-link" href="http://localhost(/e/[^"]+)"', p) for p in pages
    ]
    assert [len(found) for found in links] == [2, 2]
    assert not set(links[0]) & set(links[1])
    checked = re.compile(r'<input checked id="overall-\d" name="overall"[^>]*value="(\d)"')
    for found, rating in zip(links, ("3", "4"), strict=True):
        shown = [checked.findall(client.get(link).get_data(as_text=True)) for link in found]
        assert sorted(shown) == sorted([["5"], [rating]])

"""The review queue pages by keys, and a review keeps where its answer's page was reached from.

The queue's order (untagged answers first by id, then the least certain) is checked page by
page against the same order worked out in Python, forwards and back, across the border of its
two parts. A review made on an answer's page goes back to the filtered list's answer with its
filters (so its previous and next stay in the list), or to the queue's place it came from.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey_app.admin import queries
from survey_app.db import get_session
from survey_db.models import Event, ResponseTag

from .admin_helpers import add_response, csrf_token
from .conftest import FIRST_SLUG

CONSOLE = f"/admin/e/{FIRST_SLUG}"
QUEUE = f"{CONSOLE}/review"


def queue_event(app: Flask) -> list[int]:
    """Answers of every kind the queue tells apart; gives its members in the queue's order."""
    expected: list[tuple[int, float, int]] = []
    for number in range(7):
        certainty = (0.9, 0.2, 0.5, 0.2, 0.0, 0.75, 0.2)[number]
        ident = add_response(app, FIRST_SLUG, tags={"machine_levels": [], "certainty": certainty})
        expected.append((1, certainty, ident))
    for _ in range(4):  # untagged: first, in the order they came
        ident = add_response(app, FIRST_SLUG)
        expected.append((0, 0.0, ident))
    # Not in the queue: reviewed, spam, ratings only, an untagged test answer.
    add_response(
        app,
        FIRST_SLUG,
        tags={"machine_levels": [], "review_state": "confirmed", "reviewed_levels": []},
    )
    add_response(app, FIRST_SLUG, tags={"machine_levels": []}, status="spam")
    add_response(app, FIRST_SLUG, "feedback", tags={"machine_levels": [], "certainty": 0.1})
    add_response(app, FIRST_SLUG, status="test")
    return [ident for _, _, ident in sorted(expected)]


def page_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<li class="card"[^>]* id="r(\d+)"', html)]


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_queue_pages_forwards_and_back_in_its_order(app: Flask, event: Event):
    order = queue_event(app)
    with app.test_request_context(), app.app_context():
        db, loaded = get_session(), get_session().get(Event, event.id)
        pages, after = [], None
        while True:
            page = queries.review_queue_page(db, loaded, after=after, per_page=3)
            pages.append(page)
            assert (page.total, page.number, page.pages) == (11, len(pages), 4)
            if not page.has_next:
                break
            after = page.items[-1].id
        assert [item.id for page in pages for item in page.items] == order
        back = [pages[-1]]
        while back[-1].has_previous:
            back.append(
                queries.review_queue_page(db, loaded, before=back[-1].items[0].id, per_page=3)
            )
        assert [[item.id for item in page.items] for page in back[::-1]] == [
            [item.id for item in page.items] for page in pages
        ]
        assert [page.number for page in back] == [4, 3, 2, 1]
        # An answer reviewed since still marks a place; the pages then start off the
        # multiples of three, and "previous" still leads back to the start.
        db.scalar(select(ResponseTag).where(ResponseTag.response_id == order[4])).confirm(None)
        db.commit()
        moved = queries.review_queue_page(db, loaded, after=order[4], per_page=3)
        assert [item.id for item in moved.items] == order[5:8]
        assert (moved.number, moved.pages, moved.total) == (3, 4, 10)
        back = queries.review_queue_page(db, loaded, before=order[5], per_page=3)
        assert [item.id for item in back.items] == order[1:4] and back.number == 2
        assert back.has_previous
        first = queries.review_queue_page(db, loaded, before=order[1], per_page=3)
        assert [item.id for item in first.items] == order[:3] and not first.has_previous
        # An unknown answer starts the queue again.
        assert (
            queries.review_queue_page(db, loaded, after=10**9, per_page=3).items == pages[0].items
        )


def test_the_queue_pages_link_to_each_other(app: Flask, organiser_client: FlaskClient):
    order = queue_event(app)
    for number in range(50):
        add_response(app, FIRST_SLUG, tags={"machine_levels": [], "certainty": 0.3 + number / 1000})
    with app.app_context():
        loaded = get_session().get(Event, get_session().scalar(select(Event.id)))
        everything = [
            item.id for item in queries.review_queue_page(get_session(), loaded, per_page=99).items
        ]
    assert everything[:6] == order[:6] and len(everything) == 61
    html = organiser_client.get(QUEUE).get_data(as_text=True)
    assert page_ids(html) == everything[:50] and link(html, "prev") is None
    assert "61 answers to review." in html and "Page 1 of 2" in html
    html = organiser_client.get(link(html, "next")).get_data(as_text=True)
    assert page_ids(html) == everything[50:] and "Page 2 of 2" in html
    assert link(html, "next") is None
    html = organiser_client.get(link(html, "prev")).get_data(as_text=True)
    assert page_ids(html) == everything[:50]
    for bad in ("after=x", "before=-3", "after=99999999999999999999999", "page=7"):
        found = page_ids(organiser_client.get(f"{QUEUE}?{bad}").get_data(as_text=True))
        assert found == everything[:50], bad


def test_a_review_on_an_answers_page_keeps_the_lists_filters(
    app: Flask, organiser_client: FlaskClient
):
    ids = [
        add_response(app, FIRST_SLUG, stakeholder="government", tags={"machine_levels": ["virus"]})
        for _ in range(3)
    ]
    add_response(app, FIRST_SLUG, stakeholder="academia")
    middle = sorted(ids)[1]
    detail = f"{CONSOLE}/responses/{middle}?stakeholder=government&level=virus"
    html = organiser_client.get(detail).get_data(as_text=True)
    action = re.search(r'action="([^"]+/review[^"]*)" class="review"', html).group(1)
    assert parse_qs(urlsplit(action.replace("&amp;", "&")).query) == {
        "stakeholder": ["government"],
        "level": ["virus"],
    }
    answer = organiser_client.post(
        action.replace("&amp;", "&"),
        data={"csrf_token": csrf_token(organiser_client, detail), "action": "confirm"},
    )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert location.path == f"{CONSOLE}/responses/{middle}"
    assert parse_qs(location.query) == {"stakeholder": ["government"], "level": ["virus"]}
    html = organiser_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Review of response" in html
    newest_first = sorted(ids, reverse=True)
    for rel, neighbour in (("prev", newest_first[0]), ("next", newest_first[2])):
        found = urlsplit(link(html, rel))
        assert found.path == f"{CONSOLE}/responses/{neighbour}"
        assert parse_qs(found.query) == {"stakeholder": ["government"], "level": ["virus"]}
    # A refused review (no machine tags to accept) comes back with the filters too.
    untagged = add_response(app, FIRST_SLUG, stakeholder="government")
    refused = organiser_client.post(
        f"{CONSOLE}/responses/{untagged}/review?stakeholder=government",
        data={"csrf_token": csrf_token(organiser_client, detail), "action": "confirm"},
    )
    assert refused.headers["Location"].endswith(f"/responses/{untagged}?stakeholder=government")


def test_a_review_on_an_answers_page_reached_from_the_queue_goes_back_to_its_place(
    app: Flask, organiser_client: FlaskClient
):
    order = queue_event(app)
    after = order[2]
    queue = organiser_client.get(f"{QUEUE}?after={after}").get_data(as_text=True)
    target = order[3]
    correct = re.search(rf'href="([^"]+/responses/{target}\?[^"]+)">Correct the tags', queue)
    detail = correct.group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(detail).query) == {"return_to": ["queue"], "after": [str(after)]}
    html = organiser_client.get(detail).get_data(as_text=True)
    assert f'href="{QUEUE}?after={after}#queue">Back to the review queue' in html
    assert 'value="queue"' in html and "Next answer" not in html
    action = re.search(r'action="([^"]+/review[^"]*)" class="review"', html).group(1)
    answer = organiser_client.post(
        action.replace("&amp;", "&"),
        data={
            "csrf_token": csrf_token(organiser_client, detail),
            "action": "change",
            "levels": ["stimulus"],
            "return_to": "queue",
        },
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/review?after={after}#queue")
    html = organiser_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert target not in page_ids(html) and page_ids(html)[0] == order[4]
    # Spam from the queue's card: back to the same place, with the undo offered.
    card_form = re.search(rf'action="([^"]+/responses/{order[4]}/review[^"]*)"', html).group(1)
    assert card_form.endswith(f"?after={after}")
    spam = organiser_client.post(
        card_form,
        data={
            "csrf_token": csrf_token(organiser_client, QUEUE),
            "action": "spam",
            "return_to": "queue",
        },
    )
    assert spam.headers["Location"].endswith(f"/review?undo={order[4]}&after={after}#queue")

"""The review queue and the review itself: who and when, audited, kept by the nightly job."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from pipeline import TAGGER_VERSION
from survey_app.db import get_session
from survey_db.models import AuditEntry, Event, Organiser, Response, ResponseTag

from .admin_helpers import add_response, csrf_token
from .conftest import FIRST_SLUG

QUEUE = f"/admin/e/{FIRST_SLUG}/review"
STIMULUS_TEXT = "Wage subsidies and social insurance contribution waivers kept workers in jobs."


def review_url(ident: int) -> str:
    return f"/admin/e/{FIRST_SLUG}/responses/{ident}/review"


def post_review(client: FlaskClient, ident: int, **data: object) -> int:
    token = csrf_token(client, f"/admin/e/{FIRST_SLUG}/responses/{ident}")
    return client.post(review_url(ident), data={"csrf_token": token, **data}).status_code


def tag_of(app: Flask, ident: int) -> ResponseTag | None:
    with app.app_context():
        return get_session().scalar(select(ResponseTag).where(ResponseTag.response_id == ident))


def response_of(app: Flask, ident: int) -> Response:
    with app.app_context():
        return get_session().get(Response, ident)


def audit_actions(app: Flask) -> list[tuple[str, dict]]:
    with app.app_context():
        rows = get_session().scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(row.action, row.detail) for row in rows if row.action != "login"]


def queue_ids(client: FlaskClient) -> list[int]:
    page = client.get(QUEUE).get_data(as_text=True)
    return [int(found) for found in re.findall(r"/responses/(\d+)/review", page)]


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, client: FlaskClient, event: Event):
    ident = add_response(app, FIRST_SLUG)
    assert "/admin/login" in client.get(QUEUE).headers["Location"]
    response = client.post(
        review_url(ident), data={"csrf_token": csrf_token(client), "action": "confirm"}
    )
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_organisers_of_other_events_get_404(app: Flask, stranger_client: FlaskClient):
    ident = add_response(app, FIRST_SLUG)
    assert stranger_client.get(QUEUE).status_code == 404
    token = csrf_token(stranger_client, "/admin/runs")
    response = stranger_client.post(
        review_url(ident), data={"csrf_token": token, "action": "confirm"}
    )
    assert response.status_code == 404
    assert tag_of(app, ident) is None


def test_a_review_without_csrf_token_is_refused(app: Flask, organiser_client: FlaskClient):
    ident = add_response(app, FIRST_SLUG, tags={"machine_levels": ["virus"]})
    response = organiser_client.post(review_url(ident), data={"action": "confirm"})
    assert response.status_code == 400
    assert tag_of(app, ident).review_state == "machine"


def test_queue_shows_unreviewed_active_responses_least_certain_first(
    app: Flask, organiser_client: FlaskClient
):
    sure = add_response(app, FIRST_SLUG, tags={"certainty": 0.9})
    unsure = add_response(app, FIRST_SLUG, tags={"certainty": 0.05})
    no_level = add_response(app, FIRST_SLUG, tags={"certainty": 0.2})
    untagged = add_response(app, FIRST_SLUG)
    add_response(app, FIRST_SLUG, status="spam")
    add_response(app, FIRST_SLUG, kind="feedback", tags={"certainty": 0.0})  # ratings only
    add_response(app, FIRST_SLUG, kind="feedback", improve="", tags={"certainty": 0.0})
    add_response(
        app,
        FIRST_SLUG,
        tags={
            "certainty": 0.0,
            "review_state": "confirmed",
            "reviewed_levels": [],
            "reviewed_groups": [],
            "reviewed_areas": [],
        },
    )
    assert queue_ids(organiser_client) == [untagged, unsure, no_level, sure]
    page = organiser_client.get(QUEUE).get_data(as_text=True)
    assert "4 answers to review." in page


CERTAINTY_CASES = [
    # (tags, words shown)
    (None, "Not tagged yet"),
    ({"machine_levels": [], "certainty": 0.2}, "No impact level found"),
    ({"machine_levels": ["virus"], "certainty": 0.1}, "Very unsure"),
    ({"machine_levels": ["virus"], "certainty": 0.4}, "Unsure: a level's score is close"),
    ({"machine_levels": ["virus"], "certainty": 0.8}, "Fairly sure"),
    ({"machine_levels": ["virus"], "certainty": 1.0}, "Sure: every level's score is far"),
]


@pytest.mark.parametrize(("tags", "words"), CERTAINTY_CASES)
def test_the_queue_says_in_words_how_sure_the_machine_is(
    app: Flask, organiser_client: FlaskClient, tags: dict | None, words: str
):
    ident = add_response(app, FIRST_SLUG, tags=tags)
    page = html.unescape(organiser_client.get(QUEUE).get_data(as_text=True))
    card = page[page.index(f'id="r{ident}"') :]
    assert words in card[: card.index("</li>")]


def test_bulk_accept_takes_the_ticked_tagged_answers_and_keeps_the_attendees_groups(
    app: Flask, organiser_client: FlaskClient
):
    first = add_response(
        app, FIRST_SLUG, groups=["women"], tags={"machine_levels": ["virus"], "machine_groups": []}
    )
    second = add_response(app, FIRST_SLUG, tags={"machine_levels": ["stimulus"]})
    untagged = add_response(app, FIRST_SLUG)
    left = add_response(app, FIRST_SLUG, tags={"machine_levels": ["containment"]})
    token = csrf_token(organiser_client, QUEUE)
    answer = organiser_client.post(
        f"{QUEUE}/accept",
        data={"csrf_token": token, "ids": [str(first), str(second), str(untagged)]},
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("review#queue")
    assert (tag_of(app, first).review_state, tag_of(app, first).reviewed_groups) == (
        "confirmed",
        ["women"],
    )
    assert tag_of(app, second).levels == ["stimulus"]
    assert tag_of(app, untagged) is None and tag_of(app, left).review_state == "machine"
    assert [detail["response_id"] for action, detail in audit_actions(app)] == [first, second]
    page = organiser_client.get(QUEUE).get_data(as_text=True)
    assert "Accepted the machine&#39;s tags of 2 answers." in page
    assert "1 answers were left as they are" in page
    assert queue_ids(organiser_client) == [untagged, left]


@pytest.mark.parametrize("ids", [[], ["x"], [str(n) for n in range(1, 52)]])
def test_bulk_accept_refuses_nothing_garbage_or_too_many(
    app: Flask, organiser_client: FlaskClient, ids: list[str]
):
    ident = add_response(app, FIRST_SLUG, tags={"machine_levels": ["virus"]})
    token = csrf_token(organiser_client, QUEUE)
    answer = organiser_client.post(f"{QUEUE}/accept", data={"csrf_token": token, "ids": ids})
    assert answer.status_code == 302
    assert tag_of(app, ident).review_state == "machine"
    assert "Tick at least one answer" in organiser_client.get(QUEUE).get_data(as_text=True)


def test_spam_from_the_queue_sits_apart_from_accept_and_can_be_undone(
    app: Flask, organiser_client: FlaskClient
):
    ident = add_response(app, FIRST_SLUG, tags={"machine_levels": ["virus"]})
    page = organiser_client.get(QUEUE).get_data(as_text=True)
    card = page[page.index(f'id="r{ident}"') :]
    assert card.index('value="confirm"') < card.index("<details") < card.index('value="spam"')
    answer = organiser_client.post(
        review_url(ident),
        data={
            "csrf_token": csrf_token(organiser_client, QUEUE),
            "action": "spam",
            "return_to": "queue",
        },
    )
    assert answer.headers["Location"].endswith(f"review?undo={ident}#queue")
    assert response_of(app, ident).status == "spam"
    page = organiser_client.get(f"{QUEUE}?undo={ident}").get_data(as_text=True)
    assert f"Response {ident} is marked as spam" in page and ">Undo</button>" in page
    assert post_review(organiser_client, ident, action="active", return_to="queue") == 302
    assert response_of(app, ident).status == "active"
    page = organiser_client.get(f"{QUEUE}?undo={ident}").get_data(as_text=True)
    assert ">Undo</button>" not in page and ident in queue_ids(organiser_client)


def test_confirm_records_who_and_when_and_is_audited(app: Flask, organiser_client: FlaskClient):
    ident = add_response(app, FIRST_SLUG, tags={"machine_levels": ["stimulus"]})
    assert post_review(organiser_client, ident, action="confirm", return_to="queue") == 302
    tag = tag_of(app, ident)
    with app.app_context():
        me = get_session().scalar(select(Organiser).where(Organiser.email == "org@example.org"))
    assert tag.review_state == "confirmed" and tag.reviewed_levels == ["stimulus"]
    assert tag.reviewed_by_id == me.id and tag.reviewed_at is not None
    assert audit_actions(app)[-1] == (
        "review",
        {
            "response_id": ident,
            "state": "confirmed",
            "levels": ["stimulus"],
            "groups": [],
            "areas": [],
        },
    )
    assert ident not in queue_ids(organiser_client)


def test_change_sets_the_tags_by_hand_and_refuses_unknown_codes(
    app: Flask, organiser_client: FlaskClient
):
    ident = add_response(app, FIRST_SLUG, tags={"machine_levels": ["virus"]})
    bad = post_review(organiser_client, ident, action="change", levels=["stimulus", "aliens"])
    assert bad == 400
    assert tag_of(app, ident).review_state == "machine"
    good = post_review(
        organiser_client, ident, action="change", levels=["stimulus"], groups=["women"]
    )
    assert good == 302
    tag = tag_of(app, ident)
    assert (tag.review_state, tag.levels, tag.groups) == ("changed", ["stimulus"], ["women"])


def test_spam_and_test_marks_record_who_and_can_be_undone(
    app: Flask, organiser_client: FlaskClient
):
    ident = add_response(app, FIRST_SLUG)
    assert post_review(organiser_client, ident, action="spam") == 302
    marked = response_of(app, ident)
    assert marked.status == "spam" and marked.status_changed_by_id is not None
    assert marked.status_changed_at is not None
    assert post_review(organiser_client, ident, action="active") == 302
    assert response_of(app, ident).status == "active"
    actions = audit_actions(app)
    assert [action for action, _ in actions] == ["status_changed", "status_changed"]
    assert actions[0][1] == {"response_id": ident, "from": "active", "to": "spam"}


def test_a_withdrawn_answer_keeps_its_status(app: Flask, organiser_client: FlaskClient):
    ident = add_response(app, FIRST_SLUG, status="withdrawn")
    assert post_review(organiser_client, ident, action="test") == 302
    assert response_of(app, ident).status == "withdrawn"
    assert audit_actions(app) == []


def test_an_untagged_response_can_be_reviewed_and_the_next_run_adds_the_machine_tags(
    app: Flask, organiser_client: FlaskClient, runner: FlaskCliRunner
):
    ident = add_response(app, FIRST_SLUG, text=STIMULUS_TEXT)
    assert post_review(organiser_client, ident, action="change", levels=["virus"]) == 302
    tag = tag_of(app, ident)
    assert (tag.tagged_version, tag.tagger_version, tag.machine_levels) == (0, "", [])
    result = runner.invoke(args=["pipeline", "run"])
    assert result.exit_code == 0, result.output
    tag = tag_of(app, ident)
    assert tag.tagger_version == TAGGER_VERSION and "stimulus" in tag.machine_levels
    assert (tag.review_state, tag.levels) == ("changed", ["virus"])


def test_reviewed_tags_survive_a_full_nightly_run(
    app: Flask, organiser_client: FlaskClient, runner: FlaskCliRunner
):
    ident = add_response(app, FIRST_SLUG, text=STIMULUS_TEXT)
    confirmed = add_response(app, FIRST_SLUG, text=STIMULUS_TEXT)
    assert runner.invoke(args=["pipeline", "run"]).exit_code == 0
    assert "stimulus" in tag_of(app, ident).machine_levels
    post_review(organiser_client, ident, action="change", levels=["containment"], areas=["health"])
    post_review(organiser_client, confirmed, action="confirm")
    before = tag_of(app, confirmed)
    result = runner.invoke(args=["pipeline", "run", "--full"])
    assert result.exit_code == 0, result.output
    assert "reviewed kept 2" in result.output
    changed = tag_of(app, ident)
    assert changed.review_state == "changed"
    assert (changed.levels, changed.areas) == (["containment"], ["health"])
    assert "stimulus" in changed.machine_levels
    after = tag_of(app, confirmed)
    assert after.review_state == "confirmed"
    assert after.reviewed_levels == before.reviewed_levels
    assert after.reviewed_at == before.reviewed_at


def test_there_is_nothing_to_accept_before_the_pipeline_ran(
    app: Flask, organiser_client: FlaskClient
):
    ident = add_response(app, FIRST_SLUG, text=STIMULUS_TEXT)
    assert post_review(organiser_client, ident, action="confirm") == 302
    assert tag_of(app, ident) is None
    assert audit_actions(app) == []

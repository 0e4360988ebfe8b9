"""Paper forms keyed in by organisers: channel ``paper``, who keyed them, stored once."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from survey_app.db import get_session
from survey_db.models import AuditEntry, Event, Response

from .admin_helpers import stranger
from .conftest import FIRST_SLUG
from .form_helpers import fresh_form

FEEDBACK = f"/admin/e/{FIRST_SLUG}/paper/feedback"
INPUT = f"/admin/e/{FIRST_SLUG}/paper/input"


def stored(app: Flask) -> list[Response]:
    with app.app_context():
        query = select(Response).options(
            selectinload(Response.theme), selectinload(Response.session)
        )
        return list(get_session().scalars(query.order_by(Response.id)))


@pytest.mark.parametrize("url", [FEEDBACK, INPUT])
def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, event: Event, url: str):
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


@pytest.mark.parametrize("url", [FEEDBACK, INPUT])
def test_organisers_of_other_events_get_404(app: Flask, event: Event, url: str):
    assert stranger(app).get(url).status_code == 404


@pytest.mark.parametrize("url", [FEEDBACK, INPUT])
def test_a_post_without_csrf_token_is_refused(app: Flask, organiser_client: FlaskClient, url: str):
    fields = fresh_form(organiser_client, url)
    fields.pop("csrf_token")
    answer = {"session": "opening", "overall": "4", "theme": "risks", "text": "Paper input."}
    assert organiser_client.post(url, data={**fields, **answer}).status_code == 400
    assert stored(app) == []


def test_paper_feedback_is_stored_once_with_channel_paper(
    app: Flask, organiser_client: FlaskClient, event: Event
):
    fields = fresh_form(organiser_client, FEEDBACK)
    data = {
        **fields,
        "session": "p1-health",
        "language": "zh",
        "overall": "5",
        "speakers": "4",
        "most_useful": "医疗保险的讨论很有用。",
    }
    first = organiser_client.post(FEEDBACK, data=data)
    again = organiser_client.post(FEEDBACK, data=data)
    assert first.status_code == again.status_code == 302
    assert "session=p1-health" in first.headers["Location"]
    [response] = stored(app)
    assert (response.kind, response.channel, response.language) == ("feedback", "paper", "zh")
    assert (response.overall, response.speakers) == (5, 4)
    assert response.entered_by_id is not None
    assert response.session.code == "p1-health"
    with app.app_context():
        actions = get_session().scalars(select(AuditEntry.action)).all()
    assert actions.count("paper_entry") == 1


def test_paper_input_is_accepted_after_collection_closed(
    app: Flask, organiser_client: FlaskClient, event: Event
):
    with app.app_context():
        get_session().get(Event, event.id).set_status("closed")
        get_session().commit()
    fields = fresh_form(organiser_client, INPUT)
    data = {
        **fields,
        "language": "en",
        "theme": "lessons",
        "text": "Extend unemployment insurance to gig workers.",
        "groups": ["flexible_gig_workers"],
        "name": "=HYPERLINK(1)",
    }
    assert organiser_client.post(INPUT, data=data).status_code == 302
    [response] = stored(app)
    assert (response.kind, response.channel, response.theme_code) == ("input", "paper", "lessons")
    assert response.groups == ["flexible_gig_workers"]


def test_an_invalid_paper_form_is_shown_again_with_its_errors(
    app: Flask, organiser_client: FlaskClient
):
    fields = fresh_form(organiser_client, FEEDBACK)
    response = organiser_client.post(
        FEEDBACK, data={**fields, "session": "no-such-session", "most_useful": "Kept text"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Kept text" in page and "Please choose a rating from 1 to 5." in page
    assert stored(app) == []

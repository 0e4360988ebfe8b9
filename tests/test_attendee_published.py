"""Attendee pages take their event from a per-process copy that follows every change."""

from __future__ import annotations

from sqlalchemy import select

from survey_app.attendee.published import published_events
from survey_app.db import get_session
from survey_db.models import Event

from .event_helpers import load_event_file_with

SLUG = "2020-11-10-social-protection"
AGENDA = f"/e/{SLUG}/"
FEEDBACK = f"/e/{SLUG}/sessions/p1-health/feedback"


def _set_status(app, status: str) -> None:
    with app.app_context():
        db = get_session()
        db.scalar(select(Event).where(Event.slug == SLUG)).set_status(status)
        db.commit()


def test_the_copy_is_loaded_once_and_again_after_a_change(app, event):
    with app.test_request_context():
        first = published_events().get(get_session(), SLUG)
        assert published_events().get(get_session(), SLUG) is first
    _set_status(app, "closed")
    with app.test_request_context():
        again = published_events().get(get_session(), SLUG)
        assert again is not first and not again.is_open


def test_agenda_follows_a_new_speaker_and_a_new_title(app, client, event):
    assert "Jane Example" not in client.get(AGENDA).get_data(as_text=True)
    load_event_file_with(app, "Christina Behrendt", "Jane Example")
    html = client.get(AGENDA).get_data(as_text=True)
    assert "Jane Example" in html and "Christina Behrendt" not in html


def test_closing_reopening_and_unpublishing_show_at_once(app, client, event):
    assert client.get(FEEDBACK).status_code == 200
    _set_status(app, "closed")
    assert client.get(FEEDBACK).status_code == 403
    _set_status(app, "open")
    assert client.get(FEEDBACK).status_code == 200
    _set_status(app, "draft")
    assert client.get(FEEDBACK).status_code == 404
    assert client.get(AGENDA).status_code == 404

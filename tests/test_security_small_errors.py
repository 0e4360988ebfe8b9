"""What gave a 500: a NUL byte in the one-time key, an amendment racing a withdrawal, and
absurd page numbers. Each gets a clear answer, and nothing is lost or half-written."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from survey_app.attendee import submission
from survey_app.db import get_session
from survey_db.engine import transaction
from survey_db.models import PipelineRun, Response, ResponseVersion, utcnow

from .admin_helpers import PASSWORD, login, make_organiser
from .form_helpers import fresh_form

SLUG = "2020-11-10-social-protection"
URL = f"/e/{SLUG}/sessions/p1-health/feedback"


def _send(client, **values: str):
    return client.post(URL, data={**fresh_form(client, URL), "overall": "4", **values})


@pytest.mark.parametrize("key", ["abc\x00def", "x" * 65, "ab c", "短"])
def test_a_mangled_one_time_key_is_replaced_and_the_answer_kept(app, client, event, key):
    response = _send(client, submission_key=key, most_useful="Cash transfers reached us.")
    assert response.status_code == 302 and "/thanks" in response.location
    with app.app_context():
        [row] = get_session().scalars(select(Response))
        assert row.most_useful == "Cash transfers reached us."
        assert row.submission_key != key and "\x00" not in row.submission_key
    assert client.get(response.location).status_code == 200


def test_an_amendment_meeting_a_withdrawal_says_so_and_changes_nothing(
    app, client, event, monkeypatch
):
    thanks = _send(client, most_useful="First words.").location
    amend_url = thanks.removesuffix("/thanks")
    form = {**fresh_form(client, amend_url), "overall": "2", "most_useful": "Second words."}
    take_lock = submission.begin_write

    def withdrawn_just_before(db) -> None:
        """The withdrawal's post wins the write lock while the amendment is being checked."""
        with transaction(app.extensions["survey_db"]["write"]) as other:
            other.scalars(select(Response)).one().withdraw()
        take_lock(db)

    monkeypatch.setattr(submission, "begin_write", withdrawn_just_before)
    response = client.post(amend_url, data=form)
    assert response.status_code == 400
    assert "This answer was withdrawn" in html.unescape(response.get_data(as_text=True))
    with app.app_context():
        db = get_session()
        row = db.scalars(select(Response)).one()
        assert (row.status, row.most_useful, row.overall) == ("withdrawn", "First words.", 4)
        assert db.scalar(select(func.count()).select_from(ResponseVersion)) == 1


@pytest.mark.parametrize("path", ["/admin/runs", "/admin/audit"])
def test_absurd_page_numbers_get_a_clear_answer(app, client, event, path):
    make_organiser(app, "admin@example.org", PASSWORD, admin=True)
    login(client, "admin@example.org", PASSWORD)
    with app.app_context():
        db = get_session()
        db.add_all(
            PipelineRun(started_at=utcnow(), status="succeeded", tagger_version="test")
            for _n in range(60)
        )
        db.commit()
    for number in ("99999999999999999999", "100001", "9" * 5000):
        response = client.get(f"{path}?page={number}")
        assert response.status_code == 404
        assert "a list has at most 100000 pages" in html.unescape(response.get_data(True))
    for number, expected in (("abc", 200), ("-3", 200), ("2", 200), ("100000", 200)):
        assert client.get(f"{path}?page={number}").status_code == expected

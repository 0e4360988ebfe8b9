"""Session feedback through the real test client: valid, invalid, repeated and refused posts."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from survey_app.attendee import operations
from survey_app.db import get_session
from survey_db.models import Response

from .form_helpers import fresh_form, hidden_fields

URL = "/e/2020-11-10-social-protection/sessions/p1-health/feedback"


def count(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Response))


def stored(app) -> list[Response]:
    with app.app_context():
        return list(get_session().scalars(select(Response).order_by(Response.id)))


def test_form_renders_notice_and_fields(client, event):
    html = client.get(URL).get_data(as_text=True)
    for name in (
        "overall",
        "relevance",
        "speakers",
        "discussion_time",
        "technical",
        "most_useful",
        "improve",
        "next_topics",
        "attendance",
        "stakeholder",
        "name",
        "organisation",
        "quote_ok",
        "show_name",
    ):
        assert f'name="{name}"' in html, name
    assert "no IP address is stored" in html
    assert "kept for 365 days" in html
    assert '<label for="most_useful">' in html


def test_valid_feedback_is_stored_exactly(app, client, event):
    form = fresh_form(client, URL)
    text = "Wage subsidies helped.\r\n  Indented line, =1+1 and <b>tags</b> 社会保护 🙂"
    response = client.post(
        URL,
        data={
            **form,
            "overall": "4",
            "relevance": "5",
            "technical": "2",
            "most_useful": text,
            "attendance": "online",
            "stakeholder": "civil_society",
            "quote_ok": "y",
        },
    )
    assert response.status_code == 302
    assert "/thanks" in response.location
    [row] = stored(app)
    assert row.kind == "feedback"
    assert (row.overall, row.relevance, row.speakers, row.technical) == (4, 5, None, 2)
    assert row.most_useful == text
    assert row.improve is None
    assert (row.attendance, row.stakeholder) == ("online", "civil_society")
    assert row.quote_ok is True and row.show_name is False
    assert row.language == "en" and row.channel == "web" and row.status == "active"
    assert row.edit_token_hash and row.submission_key == form["submission_key"]


def test_chinese_interface_records_language(app, client, event):
    form = fresh_form(client, URL + "?lang=zh")
    client.post(URL, data={**form, "overall": "5", "most_useful": "很有用"})
    [row] = stored(app)
    assert row.language == "zh"


def test_double_post_stores_one_response(app, client, event):
    form = fresh_form(client, URL)
    data = {**form, "overall": "3", "improve": "More time for questions"}
    first = client.post(URL, data=data)
    second = client.post(URL, data=data)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert count(app) == 1


def test_the_same_form_sent_twice_at_once_stores_one_response(app, event):
    """Both posts race to insert: the unique key lets one in and answers both with it."""
    factory = app.extensions["survey_db"]["write"]
    item = event.sessions[0]
    barrier = threading.Barrier(2)
    results: list[operations.Stored] = []

    def send() -> None:
        with app.app_context(), factory() as db:
            values = operations.response_values(item, {"overall": 4}, "en", "web")
            barrier.wait()
            results.append(operations.store_response(db, "secret", "same-key", values))
            db.commit()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(result.created for result in results) == [False, True]
    assert results[0].response_id == results[1].response_id
    assert results[0].token == results[1].token
    assert count(app) == 1


def test_each_fresh_form_is_a_new_response(app, client, event):
    for _ in range(2):
        client.post(URL, data={**fresh_form(client, URL), "overall": "3"})
    assert count(app) == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("overall", "", "Please choose a rating from 1 to 5."),
        ("overall", "6", "Not a valid choice"),
        ("overall", "abc", "Invalid Choice"),
        ("relevance", "0", "Not a valid choice"),
        ("attendance", "moon", "Not a valid choice"),
        ("stakeholder", "robot", "Not a valid choice"),
        ("most_useful", "x" * 5001, "Please keep this under 5000 characters."),
        ("name", "n" * 201, "Please keep this under 200 characters."),
        ("improve", "before\x00after", "Please remove the NUL character(s) from this text."),
        ("organisation", "\x00", "Please remove the NUL character(s) from this text."),
    ],
)
def test_invalid_field_keeps_text_and_says_why(app, client, event, field, value, message):
    form = fresh_form(client, URL)
    kept = "A long thoughtful answer that must not be lost."
    data = {**form, "overall": "4", "next_topics": kept, field: value}
    response = client.post(URL, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert kept in html
    assert count(app) == 0


def test_long_answer_within_limit_is_accepted(app, client, event):
    form = fresh_form(client, URL)
    response = client.post(URL, data={**form, "overall": "4", "most_useful": "y" * 5000})
    assert response.status_code == 302
    assert stored(app)[0].most_useful == "y" * 5000


def test_answer_far_over_the_limit_gets_a_message_not_413(app, client, event):
    form = fresh_form(client, URL)
    response = client.post(URL, data={**form, "overall": "4", "most_useful": "z" * 200_000})
    assert response.status_code == 400
    assert "Please keep this under 5000 characters." in response.get_data(as_text=True)


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_bad_csrf_token_returns_form_with_text(app, client, event, token):
    form = fresh_form(client, URL)
    data = {**form, "overall": "4", "most_useful": "Keep me, I took an hour to write."}
    if token is None:
        del data["csrf_token"]
    else:
        data["csrf_token"] = token
    response = client.post(URL, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Keep me, I took an hour to write." in html
    assert "session had expired" in html
    assert 'name="csrf_token"' in html
    assert count(app) == 0


def test_csrf_token_from_a_lost_session_gets_a_fresh_one(app, event):
    old = app.test_client()
    form = fresh_form(old, URL)
    new = app.test_client()  # another browser session: the old token is not valid here
    response = new.post(URL, data={**form, "overall": "2", "improve": "text"})
    assert response.status_code == 400
    from .form_helpers import hidden_fields

    retry = hidden_fields(response.get_data(as_text=True))
    assert retry["csrf_token"] != form["csrf_token"]
    assert new.post(URL, data={**retry, "overall": "2"}).status_code == 302
    assert count(app) == 1


def test_unknown_session_and_break_are_404(client, event):
    assert client.get("/e/2020-11-10-social-protection/sessions/nope/feedback").status_code == 404
    response = client.get("/e/2020-11-10-social-protection/sessions/break-1/feedback")
    assert response.status_code == 404
    assert "no session that takes feedback" in response.get_data(as_text=True)
    assert client.get("/e/no-such-event/").status_code == 404


def test_closed_event_says_so_and_keeps_posted_text(app, client, runner, event):
    form = fresh_form(client, URL)
    assert runner.invoke(args=["events", "close", event.slug]).exit_code == 0
    page = client.get(URL)
    assert page.status_code == 403
    assert "Collection is closed" in page.get_data(as_text=True)
    response = client.post(URL, data={**form, "overall": "5", "improve": "Late words"})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "closed" in html and "Late words" in html
    assert count(app) == 0


def test_no_request_data_is_stored_beyond_the_answer(app, client, event):
    form = fresh_form(client, URL)
    client.post(
        URL,
        data={**form, "overall": "4"},
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
        headers={"User-Agent": "Agent/77"},
    )
    columns = {column.name for column in Response.__table__.columns}
    assert not {"ip", "ip_address", "remote_addr", "user_agent"} & columns
    with app.app_context():
        row = get_session().scalars(select(Response)).one()
        assert "203.0.113.77" not in repr(row.snapshot())


def test_attendee_pages_leave_the_session_cookie_alone(client, event):
    """Only the form's first visit sets a cookie (the CSRF token); no login cookie is touched."""
    first = client.get(URL)
    assert [c.split("=")[0] for c in first.headers.getlist("Set-Cookie")] == ["session"]
    form = hidden_fields(first.get_data(as_text=True))
    posted = client.post(URL, data={**form, "overall": "4"})
    thanks = client.get(posted.location)
    assert thanks.status_code == 200
    assert posted.headers.getlist("Set-Cookie") == thanks.headers.getlist("Set-Cookie") == []

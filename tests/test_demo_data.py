"""Demo data: realistic, marked ``demo``, refused beside real answers, and purged."""

from __future__ import annotations

from sqlalchemy import func, select

from survey_app.db import get_session
from survey_db.models import Response

SLUG = "2020-11-10-social-protection"


def counts(app) -> dict[tuple[str, str], int]:
    with app.app_context():
        rows = get_session().execute(
            select(Response.channel, Response.kind, func.count()).group_by(
                Response.channel, Response.kind
            )
        )
        return {(channel, kind): n for channel, kind, n in rows}


def test_demo_data_fills_both_kinds_and_languages(app, runner, event):
    result = runner.invoke(args=["demo-data", SLUG, "--responses", "400", "--seed", "7"])
    assert result.exit_code == 0, result.output
    found = counts(app)
    assert sum(found.values()) == 400
    assert found[("demo", "feedback")] > 150 and found[("demo", "input")] > 50
    with app.app_context():
        db = get_session()
        languages = dict(
            db.execute(select(Response.language, func.count()).group_by(Response.language)).all()
        )
        assert languages["en"] > 100 and languages["zh"] > 100
        overall = set(db.scalars(select(Response.overall).where(Response.kind == "feedback")))
        assert {2, 3, 4, 5} <= overall
        texts = list(db.scalars(select(Response.text).where(Response.kind == "input").limit(50)))
        assert all(texts) and len(set(texts)) > 20


def test_demo_data_refuses_real_responses_unless_forced(app, runner, event):
    with app.app_context():
        db = get_session()
        session_id = event.sessions[0].id
        db.add(Response(event_id=event.id, kind="feedback", session_id=session_id, overall=4))
        db.commit()
    refused = runner.invoke(args=["demo-data", SLUG, "--responses", "10"])
    assert refused.exit_code != 0
    assert "already holds 1 real response" in refused.output
    forced = runner.invoke(args=["demo-data", SLUG, "--responses", "10", "--force"])
    assert forced.exit_code == 0
    purge = runner.invoke(args=["events", "purge-demo", SLUG])
    assert "Removed 10 demo response(s)" in purge.output
    assert counts(app) == {("web", "feedback"): 1}


def test_unknown_event(runner, app):
    result = runner.invoke(args=["demo-data", "nope", "--responses", "5"])
    assert result.exit_code != 0 and "no event 'nope'" in result.output


def test_open_and_close(app, runner, event):
    assert "is closed." in runner.invoke(args=["events", "close", SLUG]).output
    assert "already was" in runner.invoke(args=["events", "close", SLUG]).output
    assert "is open." in runner.invoke(args=["events", "open", SLUG]).output

"""The database goes away during a submission: a clear page, the text kept, then recovery."""

from __future__ import annotations

import re
from contextlib import contextmanager
from html import unescape
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from survey_app.db import get_session
from survey_db.engine import make_engine, session_factory
from survey_db.models import Response

from .form_helpers import fresh_form

URL = "/e/2020-11-10-social-protection/inputs"


def unreachable_url(app, tmp_path: Path) -> str:
    """A database that cannot be reached, of the same kind as the suite's."""
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite3'}"
    return url.set(host="127.0.0.1", port=1).render_as_string(hide_password=False)


@contextmanager
def outage(app, tmp_path: Path):
    """Point the app at an unreachable database, then give it its own back."""
    factories = app.extensions["survey_db"]
    saved = dict(factories)
    dead = make_engine(unreachable_url(app, tmp_path))
    factories.update(read=session_factory(dead), write=session_factory(dead, write=True))
    try:
        yield
    finally:
        factories.update(saved)
        dead.dispose()


def stored(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Response))


def test_submission_during_outage_keeps_the_text_and_resends_once(app, client, event, tmp_path):
    form = fresh_form(client, URL)
    text = "Cash transfers <reached> only half of the informal workers & their families."
    data = {**form, "theme": "responses", "text": text, "groups": ["informal_workers"]}
    with outage(app, tmp_path):
        response = client.post(URL, data=data)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "10"
        html = response.get_data(as_text=True)
        assert "Please try again in a moment" in html
        assert "nothing has been saved yet" in html
        assert "&lt;reached&gt;" in html and "<reached>" not in html
        kept = {
            name: unescape(value)
            for name, value in re.findall(
                r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html
            )
        }
        assert kept["text"] == text and kept["submission_key"] == form["submission_key"]
        assert client.get("/healthz").status_code == 503

    assert client.get("/healthz").status_code == 200
    again = client.post(URL, data={**kept, "groups": ["informal_workers"]})
    assert again.status_code == 302
    assert client.post(URL, data={**kept, "groups": ["informal_workers"]}).status_code == 302
    assert stored(app) == 1
    with app.app_context():
        row = get_session().scalars(select(Response)).one()
        assert row.text == text and row.groups == ["informal_workers"]


def test_pages_during_outage_say_try_again(app, client, event, tmp_path):
    with outage(app, tmp_path):
        response = client.get("/e/2020-11-10-social-protection/")
        assert response.status_code == 503
        assert "Please try again in a moment" in response.get_data(as_text=True)
    assert client.get("/e/2020-11-10-social-protection/").status_code == 200

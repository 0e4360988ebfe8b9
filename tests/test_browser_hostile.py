"""A stored script payload never runs in the organisers' pages, in a real browser."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.db import get_session
from survey_db.models import Response

from .admin_helpers import PASSWORD, make_organiser, sign_in_browser
from .form_helpers import fresh_form

pytestmark = pytest.mark.browser

SLUG = "2020-11-10-social-protection"
PAYLOAD = (
    '<script>window.__pwned = "script"</script>'
    "<img src=x onerror=\"window.__pwned = 'img'\">"
    '"><svg onload="window.__pwned = \'svg\'">'
    '=HYPERLINK("http://evil.example")'
)


def test_stored_script_does_not_run_in_the_console(app, client, event, live_server, browser):
    form = fresh_form(client, f"/e/{SLUG}/inputs")
    posted = client.post(
        f"/e/{SLUG}/inputs",
        data={**form, "theme": "risks", "text": PAYLOAD, "name": PAYLOAD, "organisation": PAYLOAD},
    )
    assert posted.status_code == 302
    with app.app_context():
        response = get_session().scalars(select(Response)).one()
        assert response.text == PAYLOAD
        detail = f"/admin/e/{SLUG}/responses/{response.id}"
    make_organiser(app, "organiser@example.org", PASSWORD, events=[SLUG])

    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in_browser(page, live_server, "organiser@example.org")

    for path in (
        f"/admin/e/{SLUG}/",
        f"/admin/e/{SLUG}/responses",
        f"/admin/e/{SLUG}/responses?q=script",
        detail,
        f"/admin/e/{SLUG}/review",
        f"/e/{SLUG}/",
    ):
        page.goto(live_server + path)
        assert page.evaluate("window.__pwned === undefined"), path
        assert page.locator("script").count() <= page.locator("script[src]").count(), path
    page.goto(live_server + detail)
    assert PAYLOAD in page.inner_text("main")
    assert dialogs == []
    page.close()

"""No page but the static files may be kept by a browser or a proxy: forms carry one-time keys,
thank-you pages private links, amend pages someone's answers, the console everything."""

from __future__ import annotations

from .admin_helpers import FIRST_SLUG, add_response
from .form_helpers import fresh_form

FORM = f"/e/{FIRST_SLUG}/sessions/p1-health/feedback"


def test_forms_thanks_and_amend_pages_are_not_kept(client, event):
    pages = [FORM, f"/e/{FIRST_SLUG}/feedback", f"/e/{FIRST_SLUG}/inputs", f"/e/{FIRST_SLUG}/"]
    sent = client.post(FORM, data={**fresh_form(client, FORM), "overall": "5", "name": "Li Wei"})
    assert sent.status_code == 302
    thanks = sent.location
    pages += [thanks, thanks.removesuffix("/thanks"), "/e/no-such-event/"]
    for url in pages:
        response = client.get(url)
        assert response.headers.get("Cache-Control") == "no-store", url
    assert sent.headers.get("Cache-Control") == "no-store"


def test_console_pages_are_not_kept(app, organiser_client):
    ident = add_response(app, FIRST_SLUG, name="Li Wei", organisation="MOHRSS")
    for url in (
        "/admin/",
        f"/admin/e/{FIRST_SLUG}/settings",
        f"/admin/e/{FIRST_SLUG}/responses",
        f"/admin/e/{FIRST_SLUG}/responses/{ident}",
        "/admin/runs",
    ):
        response = organiser_client.get(url)
        assert response.status_code == 200, url
        assert response.headers.get("Cache-Control") == "no-store", url


def test_sign_in_page_is_not_kept(client):
    assert client.get("/admin/login").headers.get("Cache-Control") == "no-store"


def test_static_files_may_be_kept(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")

"""The console's home, event settings (collection, agenda upload) and print material."""

from __future__ import annotations

import html
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.qr import qr_svg
from survey_db.models import AgendaSession, AuditEntry, Event, Response

from .admin_helpers import (
    FIRST_SLUG,
    PASSWORD,
    add_event,
    csrf_token,
    event_yaml,
    login,
    make_organiser,
)

OTHER_SLUG = "2021-05-20-social-protection"
SETTINGS = f"/admin/e/{FIRST_SLUG}/settings"
PRINT = f"/admin/e/{FIRST_SLUG}/print"
STATUS = f"/admin/e/{FIRST_SLUG}/status"


@pytest.fixture
def people(app: Flask, event: Event) -> dict[str, str]:
    """Emails of an organiser of the event, one of another event, and an admin."""
    add_event(app, OTHER_SLUG)
    make_organiser(app, "own@example.org", PASSWORD, events=[FIRST_SLUG])
    make_organiser(app, "other@example.org", PASSWORD, events=[OTHER_SLUG])
    make_organiser(app, "admin@example.org", PASSWORD, admin=True)
    return {"own": "own@example.org", "other": "other@example.org", "admin": "admin@example.org"}


def signed_in(client: FlaskClient, email: str) -> FlaskClient:
    assert login(client, email, PASSWORD).status_code == 302
    return client


def load(app: Flask, slug: str = FIRST_SLUG) -> Event:
    with app.app_context():
        db = get_session()
        event = db.scalars(select(Event).where(Event.slug == slug)).one()
        event.sessions  # noqa: B018 - load before the session closes
        db.expunge_all()
        return event


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(get_session().scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def upload(client: FlaskClient, url: str, content: bytes, name: str = "event.yaml"):
    token = csrf_token(client, SETTINGS if "settings" in url else "/admin/")
    return client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("url", ["/admin/", SETTINGS, PRINT])
def test_anonymous_is_sent_to_sign_in(client: FlaskClient, event: Event, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/admin/login?next=")


@pytest.mark.parametrize("url", [SETTINGS, PRINT])
@pytest.mark.parametrize(("who", "status"), [("own", 200), ("other", 404), ("admin", 200)])
def test_event_pages_only_for_its_organisers(
    client: FlaskClient, people: dict[str, str], url: str, who: str, status: int
) -> None:
    assert signed_in(client, people[who]).get(url).status_code == status


def test_unknown_event_is_404(client: FlaskClient, people: dict[str, str]) -> None:
    assert (
        signed_in(client, people["admin"]).get("/admin/e/no-such-event/settings").status_code == 404
    )


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [("own", FIRST_SLUG, OTHER_SLUG), ("other", OTHER_SLUG, FIRST_SLUG), ("admin", FIRST_SLUG, "")],
)
def test_home_lists_only_visible_events(
    client: FlaskClient, people: dict[str, str], who: str, shown: str, hidden: str
) -> None:
    page = signed_in(client, people[who]).get("/admin/").get_data(as_text=True)
    assert f"/admin/e/{shown}/settings" in page
    if hidden:
        assert f"/admin/e/{hidden}/" not in page
    assert ('action="/admin/events/upload"' in page) == (who == "admin")


def test_home_counts_active_responses(
    app: Flask, client: FlaskClient, people: dict[str, str]
) -> None:
    with app.app_context():
        db = get_session()
        event = db.scalars(select(Event).where(Event.slug == FIRST_SLUG)).one()
        session_id = event.feedback_sessions()[0].id
        for status in ("active", "active", "active", "spam"):
            db.add(
                Response(
                    event_id=event.id,
                    kind="feedback",
                    session_id=session_id,
                    overall=4,
                    status=status,
                )
            )
        db.commit()
    page = signed_in(client, people["own"]).get("/admin/").get_data(as_text=True)
    assert re.search(r'<td class="num">3</td>', page)


def test_admin_creates_an_event_as_draft(
    app: Flask, client: FlaskClient, people: dict[str, str]
) -> None:
    signed_in(client, people["admin"])
    response = upload(client, "/admin/events/upload", event_yaml("2022-01-01-new").encode())
    assert response.status_code == 302
    assert response.location == "/admin/e/2022-01-01-new/settings"
    assert load(app, "2022-01-01-new").status == "draft"
    assert "event_loaded" in audit_actions(app)


def test_new_event_must_not_exist(client: FlaskClient, people: dict[str, str]) -> None:
    signed_in(client, people["admin"])
    response = upload(client, "/admin/events/upload", event_yaml(OTHER_SLUG).encode())
    assert response.status_code == 400
    assert "exists already" in response.get_data(as_text=True)


def test_only_admins_create_events(client: FlaskClient, people: dict[str, str]) -> None:
    signed_in(client, people["own"])
    response = upload(client, "/admin/events/upload", event_yaml("2022-01-01-new").encode())
    assert response.status_code == 404


def test_upload_updates_the_agenda_and_lists_changes(
    app: Flask, client: FlaskClient, people: dict[str, str]
) -> None:
    text = event_yaml().replace('"Plenary: Opening session"', '"Plenary: Opening"', 1)
    signed_in(client, people["own"])
    response = upload(client, SETTINGS, text.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "session &#39;opening&#39;: title_en changed" in page
    assert load(app).sessions[0].title_en == "Plenary: Opening"
    assert audit_actions(app)[-1] == "event_loaded"
    again = upload(client, SETTINGS, text.encode()).get_data(as_text=True)
    assert "already up to date" in again


def test_changes_are_listed_in_the_consoles_language(
    app: Flask, client: FlaskClient, people: dict[str, str]
) -> None:
    """A Chinese console lists the changes in Chinese, and so does the audit log."""
    text = event_yaml().replace('"Plenary: Opening session"', '"Plenary: Opening"', 1)
    text = text.replace("  - code: closure", "  - code: closure-b", 1)
    signed_in(client, people["admin"])
    client.get("/admin/?lang=zh")
    page = html.unescape(upload(client, SETTINGS, text.encode()).get_data(as_text=True))
    assert "环节 'opening'：title_en 已更改" in page
    assert "已添加环节 'closure-b'" in page and "已删除环节 'closure'" in page
    audit_page = html.unescape(client.get("/admin/audit").get_data(as_text=True))
    assert '<span class="key">更改</span> ' in audit_page
    assert "已添加环节 'closure-b'" in audit_page
    assert "changes" not in audit_page


def _broken(text: str) -> str:
    return text.replace(
        'starts_at: "13:00"\n    ends_at: "13:10"', 'starts_at: "13:99"\n    ends_at: "13:10"', 1
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_broken(event_yaml()).encode(), "line "),
        (b"sessions: [unclosed\n", "line "),
        (event_yaml(OTHER_SLUG).encode(), f"describes the event &#39;{OTHER_SLUG}&#39;"),
        ("标题".encode("gb18030") + b"\n", "not UTF-8"),
        (b"#" * (256 * 1024 + 1), "larger than 256 KB"),
    ],
    ids=["bad-time", "bad-yaml", "other-slug", "not-utf8", "too-large"],
)
def test_bad_upload_changes_nothing(
    app: Flask, client: FlaskClient, people: dict[str, str], content: bytes, message: str
) -> None:
    before = load(app)
    signed_in(client, people["own"])
    response = upload(client, SETTINGS, content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    after = load(app)
    assert after.updated_at == before.updated_at
    assert [item.title_en for item in after.sessions] == [item.title_en for item in before.sessions]
    assert "event_loaded" not in audit_actions(app)


def test_bad_time_names_its_line(client: FlaskClient, people: dict[str, str]) -> None:
    text = _broken(event_yaml())
    line = text.splitlines().index('    starts_at: "13:99"') + 1
    signed_in(client, people["own"])
    assert f"line {line}:" in upload(client, SETTINGS, text.encode()).get_data(as_text=True)


def test_file_errors_are_in_the_consoles_language(
    app: Flask, client: FlaskClient, people: dict[str, str]
) -> None:
    """In Chinese, the message is Chinese; the file's own keys and values stay as written."""
    text = _broken(event_yaml())
    line = text.splitlines().index('    starts_at: "13:99"') + 1
    code = text[: text.index('starts_at: "13:99"')].rsplit("- code: ", 1)[1].split()[0]
    signed_in(client, people["own"])
    client.get("/admin/?lang=zh")
    page = html.unescape(upload(client, SETTINGS, text.encode()).get_data(as_text=True))
    assert (
        f"第 {line} 行：环节 '{code}'：'starts_at' 必须是形如 \"13:00\" 的时间，而不是 '13:99'"
    ) in page
    unknown = event_yaml().replace("  - code: closure", "  - code: closure\n    colour: red", 1)
    page = html.unescape(upload(client, SETTINGS, unknown.encode()).get_data(as_text=True))
    assert "环节 'closure'：未知的键 'colour'" in page
    client.get("/admin/?lang=en")
    page = html.unescape(upload(client, SETTINGS, text.encode()).get_data(as_text=True))
    assert f"line {line}: session '{code}': 'starts_at' must be a time like \"13:00\"" in page


def test_session_with_feedback_cannot_be_removed(
    app: Flask, client: FlaskClient, people: dict[str, str]
) -> None:
    with app.app_context():
        db = get_session()
        opening = db.scalars(select(AgendaSession).where(AgendaSession.code == "closure")).first()
        db.add(
            Response(event_id=opening.event_id, kind="feedback", session_id=opening.id, overall=5)
        )
        db.commit()
    text = event_yaml()
    start = text.index("  - code: closure")
    without_closure = text[:start] + text[text.index("\n", text.index("\n\n", start)) :]
    signed_in(client, people["own"])
    response = upload(client, SETTINGS, without_closure.encode())
    assert response.status_code == 400
    assert "already holds feedback" in response.get_data(as_text=True)
    assert "closure" in [item.code for item in load(app).sessions]
    client.get("/admin/?lang=zh")
    response = upload(client, SETTINGS, without_closure.encode())
    assert "环节 'closure' 已收到反馈，不能删除" in html.unescape(response.get_data(as_text=True))


def set_status(client: FlaskClient, status: str, token: bool = True):
    data = {"status": status}
    if token:
        data["csrf_token"] = csrf_token(client, SETTINGS)
    return client.post(STATUS, data=data)


def test_close_and_reopen_collection(
    app: Flask, client: FlaskClient, people: dict[str, str]
) -> None:
    signed_in(client, people["own"])
    assert set_status(client, "closed").location == SETTINGS
    assert load(app).status == "closed"
    assert "Collection is closed." in client.get(SETTINGS).get_data(as_text=True)
    set_status(client, "open")
    assert load(app).status == "open"
    assert audit_actions(app)[-2:] == ["event_closed", "event_opened"]


def test_status_needs_token_and_valid_value(
    app: Flask, client: FlaskClient, people: dict[str, str]
) -> None:
    signed_in(client, people["own"])
    assert set_status(client, "closed", token=False).status_code == 400
    assert set_status(client, "draft").status_code == 400
    assert load(app).status == "open"


def test_other_organiser_cannot_change_status(
    app: Flask, client: FlaskClient, people: dict[str, str]
) -> None:
    signed_in(client, people["other"])
    token = csrf_token(client, "/admin/")
    assert client.post(STATUS, data={"status": "closed", "csrf_token": token}).status_code == 404
    assert load(app).status == "open"


def test_upload_without_token_is_refused(
    app: Flask, client: FlaskClient, people: dict[str, str]
) -> None:
    signed_in(client, people["own"])
    response = client.post(
        SETTINGS,
        data={"file": (io.BytesIO(event_yaml().encode()), "e.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


def svgs(page: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", page, flags=re.S)


def test_print_page_has_a_code_per_feedback_session_grid_and_inputs(
    app: Flask, client: FlaskClient, people: dict[str, str]
) -> None:
    page = signed_in(client, people["own"]).get(PRINT).get_data(as_text=True)
    event = load(app)
    feedback = [item.code for item in event.sessions if item.takes_feedback]
    assert len(feedback) < len(event.sessions)  # the breaks take none
    assert len(svgs(page)) == len(feedback) + 2
    links = re.findall(r'<p class="short-link"><a href="([^"]+)"', page)
    base = f"http://localhost/e/{FIRST_SLUG}"
    assert links == [f"{base}/sessions/{code}/feedback" for code in feedback] + [
        f"{base}/feedback",
        f"{base}/inputs",
    ]
    assert all("style=" not in svg for svg in svgs(page))


def test_print_links_use_the_public_base_url(
    app: Flask, client: FlaskClient, people: dict[str, str]
) -> None:
    app.config["PUBLIC_BASE_URL"] = "https://feedback.example.org/"
    page = signed_in(client, people["own"]).get(PRINT).get_data(as_text=True)
    assert f'href="https://feedback.example.org/e/{FIRST_SLUG}/inputs"' in page
    assert "http://localhost/e/" not in page


def test_qr_svg_is_plain_markup() -> None:
    svg = str(qr_svg("https://feedback.example.org/e/x/inputs?a=<b>"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "style" not in svg and "<b>" not in svg and "<?xml" not in svg


def test_upload_messages_quote_the_file_escaped(
    client: FlaskClient, people: dict[str, str]
) -> None:
    signed_in(client, people["own"])
    content = b"event:\n  <i>x</i>: 1\n  <i>x</i>: 2\n"
    page = upload(client, SETTINGS, content).get_data(as_text=True)
    assert "&#39;&lt;i&gt;x&lt;/i&gt;&#39; is given twice" in page
    assert "<i>x</i>" not in page

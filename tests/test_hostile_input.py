"""Any text into every attendee field and into the event loader: never a 500, never altered."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.events import FIRST_EVENT_FILE, EventFileError, parse_event_yaml
from survey_db.models import Response

from .form_helpers import fresh_form

SLUG = "2020-11-10-social-protection"
FEEDBACK = f"/e/{SLUG}/sessions/p2-digital/feedback"
INPUTS = f"/e/{SLUG}/inputs"

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE responses; --",
    '=HYPERLINK("http://evil.example","click")',
    "+SUM(A1:A9)",
    "-2+3",
    "@cmd|' /C calc'!A0",
    "\t=1+1",
    "＝1+1",
    "مرحبا بالعالم \u202eevil\u202c",
    "👩🏽‍⚕️ 社会保护 🇨🇳",
    "line one\r\nline two\rline three\n",
    "\x01\x02\x07\x1b[31m control",
    "{{ 7*7 }} {% raw %}",
    " ",
]

#: Any Unicode a browser can send (no lone surrogates, which UTF-8 cannot carry).
ANY_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=300
) | st.sampled_from(PAYLOADS)

FEEDBACK_TEXTS = ("most_useful", "improve", "next_topics", "name", "organisation")
INPUT_TEXTS = ("text", "name", "organisation")

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def latest(app) -> Response | None:
    with app.app_context():
        return get_session().scalar(select(Response).order_by(Response.id.desc()).limit(1))


def check_post(app, client, url: str, data: dict, values: dict[str, str]) -> None:
    """Post, then: refused with the text intact and nothing stored, or stored exactly."""
    before = latest(app)
    response = client.post(url, data={**data, **values})
    assert response.status_code in (302, 400), response.status_code
    after = latest(app)
    if response.status_code == 400:
        assert (after.id if after else None) == (before.id if before else None)
        html = response.get_data(as_text=True)
        for value in values.values():
            if value and "\x00" not in value:
                assert str(escape(value)) in html
        return
    assert after is not None and (before is None or after.id != before.id)
    for field, value in values.items():
        assert getattr(after, field) == (value or None)
        assert "\x00" not in value
    page = client.get(response.location.replace("/thanks", ""))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    for value in values.values():
        if value.strip():
            assert str(escape(value)) in html


@SETTINGS
@given(values=st.fixed_dictionaries({field: ANY_TEXT for field in FEEDBACK_TEXTS}))
def test_session_feedback_takes_any_text(app, client, event, values):
    form = fresh_form(client, FEEDBACK)
    check_post(app, client, FEEDBACK, {**form, "overall": "3"}, values)


@SETTINGS
@given(values=st.fixed_dictionaries({field: ANY_TEXT for field in INPUT_TEXTS}))
def test_policy_input_takes_any_text(app, client, event, values):
    form = fresh_form(client, INPUTS)
    if not values["text"].strip():
        values["text"] = values["text"] + "Older persons lost access to care."
    check_post(app, client, INPUTS, {**form, "theme": "risks"}, values)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    choice=st.sampled_from(["overall", "relevance", "attendance", "stakeholder", "theme"]),
    value=ANY_TEXT,
)
def test_choice_fields_refuse_anything_else(app, client, event, choice, value):
    url = INPUTS if choice == "theme" else FEEDBACK
    form = fresh_form(client, url)
    base = {"theme": "risks", "text": "x"} if choice == "theme" else {"overall": "3"}
    response = client.post(url, data={**form, **base, choice: value})
    assert response.status_code in (302, 400)
    valid = {
        "overall": {"1", "2", "3", "4", "5"},
        "relevance": {"1", "2", "3", "4", "5", ""},
        "attendance": {"in_person", "online", ""},
        "stakeholder": {
            "government",
            "social_partner",
            "civil_society",
            "un_agency",
            "academia",
            "other",
            "",
        },
        "theme": {"responses", "risks", "lessons"},
    }[choice]
    blank_ok = choice not in ("overall", "theme") and not value.strip()
    assert (response.status_code == 302) == (value in valid or blank_ok)
    if response.status_code == 302 and choice in ("attendance", "stakeholder"):
        assert getattr(latest(app), choice) == (value if value.strip() else None)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=400) | st.binary(max_size=200).map(lambda raw: raw.decode("latin-1")))
def test_event_loader_never_crashes_on_any_text(text):
    try:
        parse_event_yaml(text)
    except EventFileError as error:
        assert str(error)


def yaml_quote(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly ``text``."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char.isprintable() and char not in "\u2028\u2029":
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


TITLE = re.compile(r'^(    title_en: )"Plenary: Closure"$', re.M)


@settings(max_examples=40, deadline=None)
@given(title=ANY_TEXT)
def test_event_loader_keeps_any_title_or_says_why(title):
    source = FIRST_EVENT_FILE.read_text("utf-8")
    quoted = yaml_quote(title)
    changed = TITLE.sub(lambda match: match.group(1) + quoted, source)
    try:
        spec = parse_event_yaml(changed)
    except EventFileError as error:
        assert str(error).startswith("line ") or "NUL" in str(error)
        return
    closure = next(item for item in spec.sessions if item.code == "closure")
    assert closure.title_en == title.strip()

"""The response list (filters, search, pagination) and one response's page."""

from __future__ import annotations

import re
from io import BytesIO

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from survey_app.db import get_session
from survey_db.models import Event, Response

from .admin_helpers import OTHER_SLUG, add_event, add_response
from .conftest import FIRST_SLUG


def row_ids(html: str) -> set[int]:
    """The response ids listed on a response-list page."""
    return {int(found) for found in re.findall(r'/responses/(\d+)[?"]', html)}


def listed(client: FlaskClient, **args: str) -> set[int]:
    response = client.get(f"/admin/e/{FIRST_SLUG}/responses", query_string=args)
    assert response.status_code == 200
    return row_ids(response.get_data(as_text=True))


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, client: FlaskClient, event: Event):
    ident = add_response(app, FIRST_SLUG)
    for url in (f"/admin/e/{FIRST_SLUG}/responses", f"/admin/e/{FIRST_SLUG}/responses/{ident}"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/admin/login" in response.headers["Location"]


def test_organisers_of_other_events_get_404(app: Flask, stranger_client: FlaskClient):
    ident = add_response(app, FIRST_SLUG)
    for url in (f"/admin/e/{FIRST_SLUG}/responses", f"/admin/e/{FIRST_SLUG}/responses/{ident}"):
        assert stranger_client.get(url).status_code == 404


def test_a_response_of_another_event_is_404_under_this_one(
    app: Flask, organiser_client: FlaskClient
):
    add_event(app, OTHER_SLUG)
    foreign = add_response(app, OTHER_SLUG)
    assert organiser_client.get(f"/admin/e/{FIRST_SLUG}/responses/{foreign}").status_code == 404


LEVEL_CASES = [
    # (machine levels, review state, reviewed levels, counted as stimulus?)
    (["stimulus"], "machine", None, True),
    (["stimulus", "virus"], "machine", None, True),
    (["virus"], "machine", None, False),
    (["stimulus"], "changed", ["virus"], False),
    (["virus"], "changed", ["stimulus"], True),
    (["stimulus"], "confirmed", ["stimulus"], True),
    ([], "machine", None, False),
]


def test_level_filter_uses_reviewed_levels_where_reviewed(
    app: Flask, organiser_client: FlaskClient
):
    expected = set()
    for machine, state, reviewed, counted in LEVEL_CASES:
        ident = add_response(
            app,
            FIRST_SLUG,
            tags={
                "machine_levels": machine,
                "review_state": state,
                "reviewed_levels": reviewed,
                "reviewed_groups": [] if reviewed is not None else None,
                "reviewed_areas": [] if reviewed is not None else None,
            },
        )
        if counted:
            expected.add(ident)
    add_response(app, FIRST_SLUG)  # not tagged yet: no level
    assert listed(organiser_client, level="stimulus") == expected
    assert len(expected) == sum(case[3] for case in LEVEL_CASES)


def test_filters_by_kind_status_language_reviewed_and_group(
    app: Flask, organiser_client: FlaskClient
):
    feedback = add_response(app, FIRST_SLUG, kind="feedback", language="zh")
    spam = add_response(app, FIRST_SLUG, status="spam")
    chosen = add_response(app, FIRST_SLUG, groups=["women"])
    reviewed = add_response(
        app,
        FIRST_SLUG,
        tags={
            "machine_groups": ["women"],
            "review_state": "changed",
            "reviewed_levels": [],
            "reviewed_groups": [],
            "reviewed_areas": [],
        },
    )
    machine_group = add_response(app, FIRST_SLUG, tags={"machine_groups": ["women"]})
    everything = {feedback, spam, chosen, reviewed, machine_group}
    assert listed(organiser_client) == everything
    assert listed(organiser_client, kind="feedback") == {feedback}
    assert listed(organiser_client, kind="input") == everything - {feedback}
    assert listed(organiser_client, status="spam") == {spam}
    assert listed(organiser_client, language="zh") == {feedback}
    assert listed(organiser_client, reviewed="yes") == {reviewed}
    assert listed(organiser_client, reviewed="no") == everything - {reviewed}
    assert listed(organiser_client, group="women") == {chosen, machine_group}


def test_search_is_case_insensitive_and_escapes_wildcards(
    app: Flask, organiser_client: FlaskClient
):
    match = add_response(app, FIRST_SLUG, text="Cash TRANSFERS reached 100% of households")
    add_response(app, FIRST_SLUG, text="Cash grants reached 1000 households")
    assert listed(organiser_client, q="cash transfers") == {match}
    assert listed(organiser_client, q="100%") == {match}
    assert listed(organiser_client, q="_") == set()


def test_session_and_theme_filters(app: Flask, organiser_client: FlaskClient, event: Event):
    first = add_response(app, FIRST_SLUG, kind="feedback")
    with app.app_context():
        loaded = get_session().get(Event, event.id)
        second_session = loaded.feedback_sessions()[1]
        codes = (loaded.feedback_sessions()[0].code, second_session.code, loaded.themes[1].code)
        second_theme_id = loaded.themes[1].id
    second = add_response(app, FIRST_SLUG, kind="feedback", session_id=second_session.id)
    theme_input = add_response(app, FIRST_SLUG, theme_id=second_theme_id)
    assert listed(organiser_client, session=codes[0]) == {first}
    assert listed(organiser_client, session=codes[1]) == {second}
    assert listed(organiser_client, theme=codes[2]) == {theme_input}


def test_the_list_is_paginated_fifty_to_a_page(app: Flask, organiser_client: FlaskClient):
    ids = {add_response(app, FIRST_SLUG, text=f"Input {n}") for n in range(53)}
    first = listed(organiser_client)
    second = listed(organiser_client, page="2")
    assert len(first) == 50 and len(second) == 3
    assert first | second == ids
    page = organiser_client.get(f"/admin/e/{FIRST_SLUG}/responses?q=Input").get_data(as_text=True)
    assert "53 responses found" in page and "Page 1 of 2" in page
    next_link = f'<a rel="next" href="/admin/e/{FIRST_SLUG}/responses?page=2&amp;q=Input">'
    assert next_link in page and 'rel="prev"' not in page


def test_detail_shows_text_versions_tags_and_evidence(app: Flask, organiser_client: FlaskClient):
    ident = add_response(
        app,
        FIRST_SLUG,
        text="First line <b>bold</b>\nSecond line",
        name="Ms Example",
        tags={
            "machine_levels": ["stimulus"],
            "machine_scores": {"stimulus": 0.81, "virus": 0.1},
            "machine_evidence": {"stimulus": ["wage subsidies"]},
            "fields": {
                "text": {
                    "levels": ["stimulus"],
                    "evidence": {"stimulus": ["wage subsidies"]},
                    "sentiment": 0.2,
                    "language": "en",
                }
            },
        },
    )
    with app.app_context():
        db = get_session()
        response = db.get(Response, ident)
        response.amend({"text": "First line <b>bold</b>\nSecond line, amended"})
        db.commit()
    page = organiser_client.get(f"/admin/e/{FIRST_SLUG}/responses/{ident}").get_data(as_text=True)
    assert "First line &lt;b&gt;bold&lt;/b&gt;\nSecond line, amended" in page
    assert "<b>bold</b>" not in page
    assert "Version 1" in page and "Ms Example" in page
    assert "wage subsidies" in page and "0.81" in page
    assert re.search(
        r"<input checked id=\"levels-\d\" name=\"levels\" type=\"checkbox\" value=\"stimulus\"",
        page,
    )


def test_filters_by_stakeholder_and_channel_and_counted(app: Flask, organiser_client: FlaskClient):
    government = add_response(app, FIRST_SLUG, stakeholder="government")
    paper = add_response(app, FIRST_SLUG, channel="paper", stakeholder="academia")
    demo = add_response(app, FIRST_SLUG, channel="demo")
    ratings_only = add_response(app, FIRST_SLUG, kind="feedback")
    spam = add_response(app, FIRST_SLUG, status="spam")
    assert listed(organiser_client, stakeholder="government") == {government}
    assert listed(organiser_client, channel="paper") == {paper}
    assert listed(organiser_client, channel="demo", stakeholder="government") == set()
    assert listed(organiser_client, counted="yes") == {government, paper}
    assert listed(organiser_client, counted="demo") == {government, paper, demo}
    assert {ratings_only, spam}.isdisjoint(listed(organiser_client, counted="demo"))


def test_filters_in_use_show_as_removable_links_and_bad_values_find_nothing(
    app: Flask, organiser_client: FlaskClient
):
    add_response(app, FIRST_SLUG, stakeholder="government", text="Cash transfers for all")
    url = f"/admin/e/{FIRST_SLUG}/responses"
    page = organiser_client.get(url, query_string={"stakeholder": "government", "q": "cash"})
    html = page.get_data(as_text=True)
    chips = dict(re.findall(r'<a href="([^"]+)" data-filter="(\w+)"', html))
    assert set(chips.values()) == {"stakeholder", "q"}
    assert f"{url}?q=cash" in chips and f"{url}?stakeholder=government" in chips
    assert "From: Government" in html and "“cash”" in html
    assert "1 response found." in html
    odd = organiser_client.get(url, query_string={"level": "aliens", "reviewed": "maybe"})
    assert odd.status_code == 200 and "0 responses found." in odd.get_data(as_text=True)


def test_the_list_marks_each_answers_evidence_in_its_text(
    app: Flask, organiser_client: FlaskClient
):
    long_start = "Background words. " * 20
    add_response(
        app,
        FIRST_SLUG,
        text=f"{long_start}Wage subsidies <kept> WORKERS in jobs during the lockdown.",
        tags={
            "machine_levels": ["stimulus", "containment"],
            "machine_evidence": {"stimulus": ["wage subsidies"], "containment": ["lockdown"]},
        },
    )
    html = organiser_client.get(f"/admin/e/{FIRST_SLUG}/responses").get_data(as_text=True)
    assert '<mark class="stimulus">Wage subsidies</mark> &lt;kept&gt; WORKERS' in html
    assert '<mark class="containment">lockdown</mark>' in html
    assert "…" in html  # cut before the first evidence, far into the text


def test_an_answers_page_keeps_the_filters_for_previous_and_next(
    app: Flask, organiser_client: FlaskClient
):
    ids = [add_response(app, FIRST_SLUG, stakeholder="government") for _ in range(3)]
    add_response(app, FIRST_SLUG, stakeholder="academia")  # between, filtered out
    ids.append(add_response(app, FIRST_SLUG, stakeholder="government"))
    newest_first = sorted(ids, reverse=True)
    base = f"/admin/e/{FIRST_SLUG}/responses"
    html = organiser_client.get(f"{base}/{newest_first[0]}?stakeholder=government").get_data(
        as_text=True
    )
    assert 'rel="prev"' not in html
    assert f'rel="next" href="{base}/{newest_first[1]}?stakeholder=government"' in html
    html = organiser_client.get(f"{base}/{newest_first[1]}?stakeholder=government").get_data(
        as_text=True
    )
    assert f'rel="prev" href="{base}/{newest_first[0]}?stakeholder=government"' in html
    assert f'rel="next" href="{base}/{newest_first[2]}?stakeholder=government"' in html
    assert f'href="{base}?stakeholder=government">Back to the list' in html
    html = organiser_client.get(f"{base}/{newest_first[-1]}?stakeholder=government").get_data(
        as_text=True
    )
    assert 'rel="next"' not in html


def test_the_filtered_list_downloads_as_a_workbook_of_its_answers_only(
    app: Flask, organiser_client: FlaskClient
):
    chosen = add_response(app, FIRST_SLUG, stakeholder="government", text="=HYPERLINK(1)")
    add_response(app, FIRST_SLUG, stakeholder="academia")
    page = organiser_client.get(f"/admin/e/{FIRST_SLUG}/responses?stakeholder=government")
    link = f"/admin/e/{FIRST_SLUG}/responses/filtered.xlsx?stakeholder=government"
    assert f'href="{link}"' in page.get_data(as_text=True)
    answer = organiser_client.get(link)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(BytesIO(answer.data)).worksheets[0]
    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    header = next(index for index, row in enumerate(rows) if row[0].value == "id")
    body = [row for row in rows[header + 1 :] if row[0].value is not None]
    assert [row[0].value for row in body] == [chosen]
    text = [cell.value for cell in rows[header]].index("text")
    assert body[0][text].value == "=HYPERLINK(1)" and body[0][text].data_type == "s"

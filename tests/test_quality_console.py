"""The console's tagging-quality page: figures from the reviews of one event, and the
disagreements behind them."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from survey_app.db import get_session
from survey_db.models import Event, ResponseTag

from .admin_helpers import OTHER_SLUG, add_event, add_response
from .conftest import FIRST_SLUG

PAGE = f"/admin/e/{FIRST_SLUG}/quality"


def reviewed(machine: list[str], person: list[str]) -> dict:
    return {
        "machine_levels": machine,
        "review_state": "changed" if set(machine) != set(person) else "confirmed",
        "reviewed_levels": person,
        "reviewed_groups": [],
        "reviewed_areas": [],
    }


def row_text(page: str, level: str) -> str:
    found = re.search(rf'<tr id="quality-{level}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {level}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


def test_quality_page_shows_precision_recall_counts_and_intervals(
    app: Flask, organiser_client: FlaskClient
):
    kept = [add_response(app, FIRST_SLUG, tags=reviewed(["virus"], ["virus"])) for _ in range(3)]
    removed = add_response(
        app, FIRST_SLUG, text="Removed.", tags=reviewed(["virus", "stimulus"], ["virus"])
    )
    missed = add_response(app, FIRST_SLUG, text="Missed.", tags=reviewed([], ["containment"]))
    add_response(app, FIRST_SLUG, tags={"machine_levels": ["virus"]})  # not reviewed
    add_response(app, FIRST_SLUG)  # not tagged
    add_response(app, FIRST_SLUG, status="spam", tags=reviewed(["virus"], []))  # not counted
    # reviewed before the machine tagged: nothing to compare
    early = add_response(app, FIRST_SLUG, tags=reviewed([], ["virus"]))
    with app.app_context():
        db = get_session()
        db.execute(
            update(ResponseTag).where(ResponseTag.response_id == early).values(tagger_version="")
        )
        db.commit()
    page = organiser_client.get(PAGE).get_data(as_text=True)
    assert "5 reviewed answers compared." in page
    assert "2 answers with text are not reviewed yet." in page
    virus = row_text(page, "virus")
    assert virus.count("100% 4 of 4") == 2  # precision and recall
    assert "95% interval 51–100%" in virus and "few reviews: wide" in virus
    stimulus = row_text(page, "stimulus")
    assert "0% 0 of 1" in stimulus and "no reviewed answer to count" in stimulus
    assert "1 given by the machine, removed by a person" in stimulus
    assert "1 missed by the machine, added by a person" in row_text(page, "containment")
    pooled = row_text(page, "all")
    assert pooled.count("80% 4 of 5") == 2

    extra = organiser_client.get(f"{PAGE}/stimulus/extra").get_data(as_text=True)
    assert f'/responses/{removed}"' in extra and "1 answer." in extra
    assert all(f'/responses/{ident}"' not in extra for ident in kept)
    gaps = organiser_client.get(f"{PAGE}/containment/missed").get_data(as_text=True)
    assert f'/responses/{missed}"' in gaps and f'/responses/{removed}"' not in gaps


def test_quality_page_without_reviews_says_so(app: Flask, organiser_client: FlaskClient):
    add_response(app, FIRST_SLUG, tags={"machine_levels": ["virus"]})
    page = organiser_client.get(PAGE).get_data(as_text=True)
    assert "Nobody has reviewed a tagged answer of this event yet" in page
    assert 'id="quality"' not in page


def test_quality_counts_only_this_event(app: Flask, organiser_client: FlaskClient, event: Event):
    add_event(app, OTHER_SLUG)
    add_response(app, OTHER_SLUG, tags=reviewed(["virus"], []))
    add_response(app, FIRST_SLUG, tags=reviewed(["virus"], ["virus"]))
    page = organiser_client.get(PAGE).get_data(as_text=True)
    assert "1 reviewed answer compared." in page and "100% 1 of 1" in row_text(page, "virus")


def test_quality_pages_are_closed_to_others_and_odd_urls_get_404(
    app: Flask, stranger_client: FlaskClient, organiser_client: FlaskClient
):
    assert "/admin/login" in app.test_client().get(PAGE).headers["Location"]
    assert stranger_client.get(PAGE).status_code == 404
    assert stranger_client.get(f"{PAGE}/virus/extra").status_code == 404
    assert organiser_client.get(f"{PAGE}/flu/extra").status_code == 404
    assert organiser_client.get(f"{PAGE}/virus/other").status_code == 404
    assert organiser_client.get(f"{PAGE}/virus/extra?page=abc").status_code == 200

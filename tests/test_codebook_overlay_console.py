"""The codebook overlay in the console: admins only; suggestions, a preview, add, remove."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import survey_app.background as background
import survey_app.cli.codebook as codebook_cli
from survey_app.admin.codebook_views import PREVIEWS
from survey_app.db import get_session
from survey_app.prepared import KEEP_SECONDS
from survey_db.models import AuditEntry, CodebookAddition, Event, ResponseTag, utcnow

from .admin_helpers import (
    PASSWORD,
    STALL,
    add_response,
    csrf_token,
    login,
    make_organiser,
    reviewed,
)
from .conftest import FIRST_SLUG


class Started(list[list[str]]):
    """The commands the pages started; each a stand-in process (its command line names the
    job, as the real one's does) that runs until the test works its result out."""

    def __init__(self) -> None:
        super().__init__()
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, _app: Flask, arguments: list[str], log: Path) -> int:
        self.append(list(arguments))
        stand_in = [sys.executable, "-c", "import time; time.sleep(300)", *arguments]
        self.processes.append(subprocess.Popen(stand_in))
        return self.processes[-1].pid

    def work_out(self, app: Flask) -> None:
        """Run the last command here, as the background would, and end its stand-in."""
        result = app.test_cli_runner().invoke(args=self[-1])
        assert result.exit_code == 0, result.output
        self.end()

    def end(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait()


@pytest.fixture
def in_process(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Started]:
    """The results the pages start in the background, worked out here instead (as the
    command would, through the CLI) once the page has answered; the commands started."""
    started = Started()
    monkeypatch.setattr(background, "start_command", started.start)
    yield started
    started.end()


def previewed(app: Flask, client: FlaskClient, started: Started, link: str, **query):
    """Ask for a preview: the page says it is being worked out; then work it out as the
    background command would, and ask again."""
    waiting = client.get(link, query_string=query or None)
    assert waiting.status_code == 200, waiting.get_data(as_text=True)
    assert 'id="preview-working"' in waiting.get_data(as_text=True)
    started.work_out(app)
    return client.get(link, query_string=query or None)


def suggested(app: Flask, client: FlaskClient, started: Started, link: str) -> str:
    """Ask for the suggestions: the page says they are being worked out; then work them out
    as the background command would, and ask again."""
    waiting = client.get(link).get_data(as_text=True)
    assert 'id="suggestions-working"' in waiting and 'id="suggestions"' not in waiting
    assert started[-1][:2] == ["codebook", "suggest"]
    started.work_out(app)
    page = client.get(link).get_data(as_text=True)
    assert 'id="suggestions-working"' not in page
    return page


def admin(app: Flask) -> FlaskClient:
    make_organiser(app, "admin@example.org", PASSWORD, admin=True)
    client = app.test_client()
    login(client, "admin@example.org", PASSWORD)
    return client


def rows(app: Flask) -> list[tuple[str, int, int | None]]:
    with app.app_context():
        found = get_session().scalars(select(CodebookAddition).order_by(CodebookAddition.id))
        return [(row.term, row.added_in, row.removed_in) for row in found]


def test_only_admins_see_the_codebook_pages(app: Flask, organiser_client: FlaskClient):
    assert organiser_client.get("/admin/codebook").status_code == 404
    assert (
        organiser_client.get("/admin/codebook/preview?level=virus&language=en&term=x").status_code
        == 404
    )
    token = csrf_token(organiser_client, "/admin/runs")
    response = organiser_client.post(
        "/admin/codebook/add",
        data={
            "csrf_token": token,
            "level": "virus",
            "language": "en",
            "term": "x",
            "source": "typed",
        },
    )
    assert response.status_code == 404 and rows(app) == []


def test_a_suggestion_is_previewed_added_and_removed(app: Flask, event: Event, in_process: Started):
    for text in (
        STALL,
        "Another stall-out closed three more stalls.",
        "After the stall-out we sold less.",
    ):
        add_response(app, FIRST_SLUG, text=text, tags=reviewed([], ["economic_crisis"]))
    add_response(
        app, FIRST_SLUG, text="The stall-out of the talks changed nothing.", tags=reviewed([], [])
    )
    client = admin(app)
    page = suggested(app, client, in_process, f"/admin/codebook?event={FIRST_SLUG}")
    table = page.split('id="suggestions"')[1].split("</table>")[0]
    assert "stall-out" in table and ">3<" in table and "0.75" in table
    link = (
        re.search(r'href="(/admin/codebook/preview\?[^"]*stall-out[^"]*)"', page)
        .group(1)
        .replace("&amp;", "&")
    )
    preview = previewed(app, client, in_process, link)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "4 answers would gain the level" in html
    assert 'id="preview-working"' not in html
    assert "of the reviewed ones, 3 agree and 1 do not." in html
    assert rows(app) == []  # the preview changes nothing
    form = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    added = client.post("/admin/codebook/add", data=form)
    assert added.status_code == 302
    assert rows(app) == [("stall-out", 1, None)]
    listing = client.get("/admin/codebook").get_data(as_text=True)
    assert "was added to" in listing and 'id="additions"' in listing
    addition_id = re.search(r"/admin/codebook/(\d+)/remove", listing).group(1)
    token = csrf_token(client, "/admin/codebook")
    assert client.post(f"/admin/codebook/{addition_id}/remove").status_code == 400  # no token
    assert (
        client.post(f"/admin/codebook/{addition_id}/remove", data={"csrf_token": token}).status_code
        == 302
    )
    assert rows(app) == [("stall-out", 1, 2)]
    with app.app_context():
        actions = [row.action for row in get_session().scalars(select(AuditEntry))]
    assert actions.count("codebook_add") == 1 and actions.count("codebook_remove") == 1
    assert client.post("/admin/codebook/999/remove", data={"csrf_token": token}).status_code == 404


def test_malformed_and_too_broad_terms_get_a_clear_message(
    app: Flask, event: Event, in_process: Started
):
    client = admin(app)
    for term, message in (
        ("", "Please type a term."),
        ("?!", "at least one letter"),
        ("* fever", "wildcard"),
    ):
        response = client.get(
            "/admin/codebook/preview",
            query_string={"level": "virus", "language": "en", "term": term},
        )
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    bad_level = client.get(
        "/admin/codebook/preview", query_string={"level": "flu", "language": "en", "term": "fever"}
    )
    assert bad_level.status_code == 400
    for number in range(20):
        add_response(app, FIRST_SLUG, text=f"The session number {number} was fine.")
    broad = previewed(
        app, client, in_process, "/admin/codebook/preview", level="virus", language="en", term="the"
    )
    html = broad.get_data(as_text=True)
    assert 'id="preview-refused"' in html and "Add to the codebook" not in html
    token = csrf_token(client, "/admin/codebook")
    forced = client.post(
        "/admin/codebook/add",
        data={
            "csrf_token": token,
            "level": "virus",
            "language": "en",
            "term": "the",
            "source": "typed",
        },
    )
    assert forced.status_code == 302 and rows(app) == []
    assert "would tag nearly everything" in client.get("/admin/codebook").get_data(as_text=True)


def test_a_shield_from_removed_levels_is_previewed_added_and_removed(
    app: Flask, event: Event, in_process: Started
):
    for text in (
        "We ran a lockdown drill at the school.",
        "The lockdown drill went well.",
        "Another lockdown drill was held in March.",
    ):
        add_response(app, FIRST_SLUG, text=text, tags=reviewed(["containment"], []))
    # a person kept the level where the drill was the only sign of it: the shield is wrong here
    add_response(
        app,
        FIRST_SLUG,
        text="Our lockdown drill became the real thing.",
        tags=reviewed(["containment"], ["containment"]),
    )
    client = admin(app)
    page = suggested(app, client, in_process, "/admin/codebook")
    table = page.split('id="suggestions"')[1].split("</table>")[0]
    row = next(row for row in table.split("<tr>") if "lockdown drill" in row)
    assert ">shield<" in row and ">3<" in row and "0.75" in row
    link = (
        re.search(r'href="(/admin/codebook/preview\?[^"]*kind=shield[^"]*)"', row)
        .group(1)
        .replace("&amp;", "&")
    )
    assert "lockdown+drill" in link or "lockdown%20drill" in link
    html = previewed(app, client, in_process, link).get_data(as_text=True)
    assert in_process[-1][-3:] == ["containment", "en", "lockdown drill"]
    assert "--shield" in in_process[-1]
    assert "4 answers would lose the level" in html
    assert "of the reviewed ones, 3 agree and 1 do not." in html
    assert rows(app) == []
    form = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    assert form["kind"] == "shield"
    assert client.post("/admin/codebook/add", data=form).status_code == 302
    with app.app_context():
        [added] = get_session().scalars(select(CodebookAddition))
        assert (added.kind, added.term, added.source) == ("shield", "lockdown drill", "suggestion")
    listing = client.get("/admin/codebook").get_data(as_text=True)
    in_use = listing.split('id="additions"')[1].split("</table>")[0]
    assert "lockdown drill" in in_use and "(shield)" in in_use
    # typed: a weak shield is refused with a message, a bad kind too
    for kind, weak, message in (("shield", "y", "cannot be weak"), ("hedge", "", "Not a valid")):
        refused = client.get(
            "/admin/codebook/preview",
            query_string={
                "level": "containment",
                "language": "en",
                "term": "fire drill",
                "kind": kind,
                "weak": weak,
            },
        )
        assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    addition_id = re.search(r"/admin/codebook/(\d+)/remove", listing).group(1)
    token = csrf_token(client, "/admin/codebook")
    removed = client.post(f"/admin/codebook/{addition_id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302 and rows(app) == [("lockdown drill", 1, 2)]


def test_an_addition_without_its_preview_is_refused(app: Flask, event: Event, in_process: Started):
    client = admin(app)
    query = {"level": "virus", "language": "en", "term": "long haulers", "source": "typed"}
    token = csrf_token(client, "/admin/codebook")
    early = client.post("/admin/codebook/add", data={"csrf_token": token, **query})
    assert early.status_code == 302 and rows(app) == []
    assert "preview is not ready" in client.get("/admin/codebook").get_data(as_text=True)
    html = previewed(app, client, in_process, "/admin/codebook/preview", **query)
    form = dict(
        re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html.get_data(as_text=True))
    )
    # another admin changes the overlay meanwhile: the preview no longer holds
    with app.app_context():
        db = get_session()
        db.add(CodebookAddition(level="stimulus", language="en", term="furlough pay", added_in=1))
        db.commit()
    stale = client.post("/admin/codebook/add", data=form)
    assert stale.status_code == 302 and [row[0] for row in rows(app)] == ["furlough pay"]


def test_the_page_starts_the_preview_in_the_background_and_shows_it_when_ready(
    app: Flask, event: Event
):
    add_response(app, FIRST_SLUG, text=STALL)
    client = admin(app)
    link = "/admin/codebook/preview?level=economic_crisis&language=en&term=stall-out"
    started = time.monotonic()
    first = client.get(link)
    took = time.monotonic() - started
    assert first.status_code == 200 and 'id="preview-working"' in first.get_data(as_text=True)
    assert 'data-live-url="/admin/codebook/preview?' in first.get_data(as_text=True)
    deadline = time.monotonic() + 180
    html = ""
    while time.monotonic() < deadline:
        answer = client.get(link, headers={"Accept": "application/json"})
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
        html = answer.get_json()["html"]
        if 'id="preview-gain"' in html:
            break
        time.sleep(1)
    assert "1 answer would gain the level" in html, html
    assert 'id="preview-area"' in html and rows(app) == []
    print(f"first request {took:.3f} s")


def test_suggestions_are_kept_until_the_reviews_or_the_overlay_change(
    app: Flask, event: Event, in_process: Started
):
    texts = (STALL, "Another stall-out closed three more stalls.", "After the stall-out we sold.")
    for text in texts:
        add_response(app, FIRST_SLUG, text=text, tags=reviewed([], ["economic_crisis"]))
    client = admin(app)
    link = f"/admin/codebook?event={FIRST_SLUG}&min_support=3"
    page = suggested(app, client, in_process, link)
    assert in_process[-1][-4:] == ["--min-support", "3", "--event", FIRST_SLUG]
    assert "stall-out" in page.split('id="suggestions"')[1] and "Worked out at" in page
    again = client.get(link).get_data(as_text=True)  # nothing changed: kept, nothing started
    assert len(in_process) == 1 and 'id="suggestions"' in again
    # other filters are another question
    other = client.get("/admin/codebook?min_support=2").get_data(as_text=True)
    assert 'id="suggestions-working"' in other and in_process[-1][-2:] == ["--min-support", "2"]
    # a reviewer changes their mind (same number of reviews, a later review): worked out anew
    with app.app_context():
        db = get_session()
        tag = db.scalars(select(ResponseTag).order_by(ResponseTag.id)).first()
        tag.reviewed_levels, tag.reviewed_at = [], utcnow()
        db.commit()
    page = suggested(app, client, in_process, link)
    assert 'id="suggestions"' not in page and 'id="no-suggestions"' in page  # support now 2
    # the overlay moves on: worked out anew
    with app.app_context():
        db = get_session()
        db.add(CodebookAddition(level="stimulus", language="en", term="furlough pay", added_in=1))
        db.commit()
    suggested(app, client, in_process, link)
    assert len(in_process) == 4


def test_work_out_again_starts_the_suggestions_anew(app: Flask, event: Event, in_process: Started):
    client = admin(app)
    link = f"/admin/codebook?event={FIRST_SLUG}"
    page = suggested(app, client, in_process, link)
    assert 'id="no-suggestions"' in page and 'id="suggestions-again"' in page
    token = csrf_token(client, link)
    form = {"event": FIRST_SLUG, "min_support": "2"}
    assert client.post("/admin/codebook/suggestions", data=form).status_code == 400  # no token
    assert len(in_process) == 1
    answer = client.post("/admin/codebook/suggestions", data={"csrf_token": token, **form})
    assert answer.status_code == 302
    assert answer.location == f"/admin/codebook?event={FIRST_SLUG}&min_support=2"
    assert len(in_process) == 2 and in_process[1] == in_process[0]
    suggested(app, client, in_process, answer.location)
    unknown = {"csrf_token": token, "event": "no-such-event"}
    assert client.post("/admin/codebook/suggestions", data=unknown).status_code == 404
    # bad filters never give a 500: a word for the least support is the default
    assert client.get("/admin/codebook?min_support=many").status_code == 200
    assert client.get("/admin/codebook?event=no-such-event").status_code == 404


def test_the_page_works_the_suggestions_out_in_the_background(app: Flask, event: Event):
    for text in (STALL, "Another stall-out closed three more stalls."):
        add_response(app, FIRST_SLUG, text=text, tags=reviewed([], ["economic_crisis"]))
    client = admin(app)
    started = time.monotonic()
    first = client.get("/admin/codebook")
    took = time.monotonic() - started
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and 'id="suggestions-working"' in html
    assert 'data-live-url="/admin/codebook?' in html and 'id="additions"' not in html
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        answer = client.get("/admin/codebook", headers={"Accept": "application/json"})
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
        html = answer.get_json()["html"]
        if 'id="suggestions-working"' not in html:
            break
        time.sleep(1)
    ready = time.monotonic() - started
    table = html.split('id="suggestions"')[1].split("</table>")[0]
    assert "stall-out" in table and 'id="suggestions-worked-out"' in html
    print(f"first request {took:.3f} s, suggestions shown after {ready:.1f} s")


def test_a_preview_job_that_fails_is_shown_once_and_started_again_only_when_asked(
    app: Flask, event: Event, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A real background command that exits with an error (its database has no tables): the
    page says so and stops following it; the next looks start nothing; *Try again* does."""
    add_response(app, FIRST_SLUG, text=STALL)
    client = admin(app)
    environment, start = background.job_environment, background.start_command
    broken = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setattr(
        background,
        "job_environment",
        lambda app: environment(app) | {"SURVEY_DATABASE_URL": broken},
    )
    started: list[list[str]] = []

    def counted(app: Flask, arguments: list[str], log: Path) -> int:
        started.append(list(arguments))
        return start(app, arguments, log)

    monkeypatch.setattr(background, "start_command", counted)
    link = "/admin/codebook/preview?level=economic_crisis&language=en&term=stall-out"
    link += f"&event={FIRST_SLUG}"

    def failed() -> str:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            answer = client.get(link, headers={"Accept": "application/json"})
            assert answer.status_code == 200
            html = answer.get_json()["html"]
            if 'id="preview-working"' not in html:
                return html
            time.sleep(0.5)
        raise AssertionError("the preview job never ended")

    assert 'id="preview-working"' in client.get(link).get_data(as_text=True)
    html = failed()
    assert 'id="preview-failed"' in html and "could not be worked out" in html, html
    assert "data-live-url" not in html  # the script stops following it
    error = html.split("<code>")[1].split("</code>")[0]
    assert "OperationalError" in error and "no such table" in error, error
    assert str(tmp_path) not in html and "Traceback" not in html
    log = (Path(app.config["EXPORT_DIR"]) / "codebook-previews" / "jobs.log").read_text()
    assert "Traceback" in log and "no such table" in log  # the log keeps the detail
    for _look in range(3):  # the next looks start nothing
        assert 'id="preview-failed"' in client.get(link).get_data(as_text=True)
    assert len(started) == 1
    form = {"level": "economic_crisis", "language": "en", "term": "stall-out"}
    form |= {"kind": "indicator", "event": FIRST_SLUG, "source": "typed"}
    assert client.post("/admin/codebook/preview", data=form).status_code == 400  # no token
    assert len(started) == 1
    token = csrf_token(client, link)
    again = client.post("/admin/codebook/preview", data={"csrf_token": token, **form})
    assert again.status_code == 302 and len(started) == 2 and started[1] == started[0]
    assert again.location.startswith("/admin/codebook/preview?")
    page = client.get(again.location).get_data(as_text=True)
    assert 'id="preview-working"' in page and 'id="preview-failed"' not in page
    assert 'id="preview-failed"' in failed()  # fails again: still the same database
    assert len(started) == 2


def test_suggestions_that_fail_show_the_error_line_and_try_again_works_them_out(
    app: Flask, event: Event, in_process: Started, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for text in (STALL, "Another stall-out closed three more stalls."):
        add_response(app, FIRST_SLUG, text=text, tags=reviewed([], ["economic_crisis"]))
    client = admin(app)
    link = f"/admin/codebook?event={FIRST_SLUG}"
    assert 'id="suggestions-working"' in client.get(link).get_data(as_text=True)

    def broken(*_args: object) -> None:
        raise RuntimeError(f"cannot read {tmp_path}/models/trial.bin\nsecond line")

    with monkeypatch.context() as patch:
        patch.setattr(codebook_cli, "suggestions", broken)
        result = app.test_cli_runner().invoke(args=in_process[-1])
    assert result.exit_code == 1 and isinstance(result.exception, RuntimeError)
    in_process.end()  # the job has ended, without its result
    page = client.get(link).get_data(as_text=True)
    assert 'id="suggestions-failed"' in page and "could not be worked out" in page
    assert "<code>RuntimeError: cannot read trial.bin</code>" in page
    assert str(tmp_path) not in page and "second line" not in page
    assert 'id="suggestions-working"' not in page and "data-live-url" not in page
    client.get(link, headers={"Accept": "application/json"})
    assert len(in_process) == 1  # not started again by the page
    token = csrf_token(client, link)
    form = {"csrf_token": token, "event": FIRST_SLUG, "min_support": "2"}
    again = client.post("/admin/codebook/suggestions", data=form)
    assert again.status_code == 302 and len(in_process) == 2
    page = suggested(app, client, in_process, again.location)
    assert "stall-out" in page.split('id="suggestions"')[1]
    assert 'id="suggestions-failed"' not in page


def test_results_older_than_a_day_go_when_a_new_one_is_started(
    app: Flask, event: Event, in_process: Started
):
    """A preview quotes answers: what was worked out over a day ago is removed, not kept."""
    folder = Path(app.config["EXPORT_DIR"], PREVIEWS)
    folder.mkdir(parents=True)
    day_old = time.time() - KEEP_SECONDS - 60
    old = [folder / "a.json", folder / "a.pid", folder / "b.failed"]
    fresh = [folder / "c.json", folder / "jobs.log"]
    for file in (*old, *fresh):
        file.write_text("{}", "utf-8")
    for file in [*old, fresh[1]]:
        os.utime(file, (day_old, day_old))
    client = admin(app)

    link = "/admin/codebook/preview?level=economic_crisis&language=en&term=stall-out"
    assert 'id="preview-working"' in client.get(link).get_data(as_text=True)

    assert [file.exists() for file in old] == [False, False, False]
    assert [file.exists() for file in fresh] == [True, True]

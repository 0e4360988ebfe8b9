"""Reviews coded in the raw workbook and imported back, on the command line and in the
console: a summary first, applied on confirmation; bad files refused with row numbers."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, update

from survey_app.db import get_session
from survey_db.models import AuditEntry, Event, ResponseTag, utcnow

from .admin_helpers import OTHER_SLUG, add_event, add_response, csrf_token
from .conftest import FIRST_SLUG

RAW = f"/admin/e/{FIRST_SLUG}/responses.xlsx"
IMPORT = f"/admin/e/{FIRST_SLUG}/review/import"


def reviewed(machine: list[str], person: list[str]) -> dict:
    return {
        "machine_levels": machine,
        "machine_groups": [],
        "machine_areas": [],
        "review_state": "changed" if machine != person else "confirmed",
        "reviewed_levels": person,
        "reviewed_groups": [],
        "reviewed_areas": [],
    }


def machine(levels: list[str]) -> dict:
    return {"machine_levels": levels, "machine_groups": [], "machine_areas": []}


def tags(app: Flask) -> dict[int, ResponseTag]:
    with app.app_context():
        db = get_session()
        found = {tag.response_id: tag for tag in db.scalars(select(ResponseTag))}
        db.expunge_all()
        return found


def audit(app: Flask) -> list[tuple[str, dict]]:
    with app.app_context():
        rows = get_session().scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(row.action, row.detail) for row in rows if row.action != "login"]


def set_reviewed_at(app: Flask, ident: int, later: timedelta) -> None:
    with app.app_context():
        db = get_session()
        tag = db.scalar(select(ResponseTag).where(ResponseTag.response_id == ident))
        db.execute(
            update(ResponseTag)
            .where(ResponseTag.response_id == ident)
            .values(reviewed_at=(tag.reviewed_at or utcnow()) + later)
        )
        db.commit()


@pytest.fixture
def answers(app: Flask, event: Event) -> dict[str, int]:
    """Four answers: two unreviewed, two reviewed in the console an hour ago."""
    made = {
        "fresh": add_response(app, FIRST_SLUG, text="Shops closed.", tags=machine(["containment"])),
        "untouched": add_response(app, FIRST_SLUG, text="Nice venue.", tags=machine([])),
        "corrected": add_response(app, FIRST_SLUG, text="Grants.", tags=reviewed([], ["stimulus"])),
        "contested": add_response(app, FIRST_SLUG, text="Fever.", tags=reviewed([], ["virus"])),
    }
    for name in ("corrected", "contested"):
        set_reviewed_at(app, made[name], -timedelta(hours=1))
    return made


def raw_sheet(client: FlaskClient) -> tuple[Workbook, list[str], int]:
    """The raw workbook as downloaded: the book, its header and the header's row number."""
    response = client.get(RAW)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    at = next(n for n, row in enumerate(rows) if row[:2] == ("id", "kind"))
    return book, list(rows[at]), at + 1


def edit(
    book: Workbook, header: list[str], header_row: int, values: dict[int, str | None]
) -> bytes:
    """Set reviewed_levels by response id, as an organiser does in Excel; the file's bytes."""
    sheet = book.worksheets[0]
    id_col, levels_col = header.index("response_id") + 1, header.index("reviewed_levels") + 1
    for row in range(header_row + 1, sheet.max_row + 1):
        ident = sheet.cell(row, id_col).value
        if ident in values:
            sheet.cell(row, levels_col).value = values[ident]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_raw_workbook_carries_response_id_and_reviewed_levels(
    app: Flask, organiser_client: FlaskClient, answers: dict[str, int]
):
    add_response(app, FIRST_SLUG, text="Nothing.", tags=reviewed(["virus"], []))
    book, header, at = raw_sheet(organiser_client)
    rows = [
        dict(zip(header, row, strict=True))
        for row in book.worksheets[0].iter_rows(min_row=at + 1, values_only=True)
    ]
    by_id = {row["response_id"]: row for row in rows}
    assert all(row["response_id"] == row["id"] for row in rows)
    assert by_id[answers["fresh"]]["reviewed_levels"] is None
    assert by_id[answers["corrected"]]["reviewed_levels"] == "stimulus"
    assert "none" in [row["reviewed_levels"] for row in rows]  # reviewed, no level kept
    assert by_id[answers["fresh"]]["machine_levels"] == "containment"


def test_cli_import_summarises_then_applies_and_keeps_newer_console_reviews(
    app: Flask,
    organiser_client: FlaskClient,
    runner: FlaskCliRunner,
    answers: dict[str, int],
    tmp_path: Path,
):
    book, header, at = raw_sheet(organiser_client)
    data = edit(
        book,
        header,
        at,
        {
            answers["fresh"]: "virus ; containment",
            answers["corrected"]: "economic_crisis",
            answers["contested"]: "none",
        },
    )
    # after the download, someone reviews "contested" again in the console
    set_reviewed_at(app, answers["contested"], timedelta(hours=2))
    path = tmp_path / "coded.xlsx"
    path.write_bytes(data)

    dry = runner.invoke(args=["review", "import", FIRST_SLUG, str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert (
        "1 new review(s), 1 changed review(s), 1 row(s) left as they are, 1 conflict(s)"
        in dry.output
    )
    assert f"response {answers['fresh']} (new) not reviewed -> containment;virus" in dry.output
    assert f"response {answers['contested']} (conflict) virus -> none" in dry.output
    assert "Dry run: nothing changed." in dry.output
    assert tags(app)[answers["fresh"]].review_state == "machine"

    done = runner.invoke(args=["review", "import", FIRST_SLUG, str(path), "--yes"])
    assert done.exit_code == 0 and "Imported 2 review(s)" in done.output
    after = tags(app)
    assert after[answers["fresh"]].review_state == "changed"
    assert after[answers["fresh"]].reviewed_levels == ["containment", "virus"]
    assert after[answers["corrected"]].reviewed_levels == ["economic_crisis"]
    assert after[answers["contested"]].reviewed_levels == ["virus"]  # the newer console review
    assert after[answers["untouched"]].review_state == "machine"
    action, detail = audit(app)[-1]
    assert action == "review_import" and detail["source"] == "cli"
    assert (
        detail["new"],
        detail["changed"],
        detail["unchanged"],
        detail["conflicts"],
        detail["applied"],
    ) == (1, 1, 1, 1, 2)

    forced = runner.invoke(
        args=["review", "import", FIRST_SLUG, str(path), "--yes", "--overwrite-conflicts"]
    )
    assert forced.exit_code == 0 and "Imported 1 review(s)" in forced.output
    assert tags(app)[answers["contested"]].reviewed_levels == []


def test_a_csv_with_just_the_two_columns_imports(
    app: Flask, runner: FlaskCliRunner, answers: dict[str, int], tmp_path: Path
):
    path = tmp_path / "coded.csv"
    path.write_text(
        f"response_id,reviewed_levels\n{answers['fresh']},stimulus\n{answers['untouched']},\n"
        f"{answers['corrected']},stimulus\n",
        encoding="utf-8-sig",
    )
    result = runner.invoke(args=["review", "import", FIRST_SLUG, str(path)], input="y\n")
    assert result.exit_code == 0, result.output
    assert (
        "1 new review(s), 0 changed review(s), 2 row(s) left as they are, 0 conflict(s)"
        in result.output
    )
    assert tags(app)[answers["fresh"]].reviewed_levels == ["stimulus"]


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        ("{untouched},virus\n{fresh},flu\n", ["row 3: unknown level code(s) flu"]),
        ('{untouched},virus\n{fresh},"virus,stimulus"\n', ["row 3:", "Separate codes with ;."]),
        (
            "{fresh},virus\n{untouched},virus\n{fresh},stimulus\n",
            ["row 4: response {fresh} is also in row 2."],
        ),
        (
            "abc,virus\n12.5,virus\n{fresh},virus\n",
            ["row 2: response_id 'abc' is not a number.", "row 3: response_id '12.5'"],
        ),
        ("{fresh},virus\n{other},virus\n", ["row 3: response {other} is not an answer of this"]),
        ("{fresh},virus\n999999,virus\n", ["row 3: response 999999 is not an answer of this"]),
    ],
)
def test_bad_rows_are_refused_with_their_row_and_nothing_is_applied(
    app: Flask,
    runner: FlaskCliRunner,
    answers: dict[str, int],
    tmp_path: Path,
    body: str,
    messages: list[str],
):
    add_event(app, OTHER_SLUG)
    fill = {**answers, "other": add_response(app, OTHER_SLUG, text="Elsewhere.")}
    path = tmp_path / "coded.csv"
    path.write_text("response_id,reviewed_levels\n" + body.format(**fill), encoding="utf-8")
    result = runner.invoke(args=["review", "import", FIRST_SLUG, str(path), "--yes"])
    assert result.exit_code == 1, result.output
    assert "nothing changed" in result.output and "Traceback" not in result.output
    for message in messages:
        assert message.format(**fill) in result.output, result.output
    now = tags(app)
    assert now[answers["fresh"]].review_state == now[answers["untouched"]].review_state == "machine"


def test_a_file_without_the_columns_is_refused(
    app: Flask, runner: FlaskCliRunner, answers: dict[str, int], tmp_path: Path
):
    path = tmp_path / "coded.csv"
    path.write_text(f"id,levels\n{answers['fresh']},virus\n", encoding="utf-8")
    result = runner.invoke(args=["review", "import", FIRST_SLUG, str(path)])
    assert result.exit_code == 1
    assert "No header row with the columns response_id and reviewed_levels" in result.output


@pytest.mark.parametrize(
    ("name", "data"),
    [("coded.xlsx", b"not a zip"), ("coded.txt", b"x"), ("coded.csv", b"\xff\xfe\x00bad")],
)
def test_bad_files_are_refused_clearly(
    app: Flask,
    runner: FlaskCliRunner,
    answers: dict[str, int],
    tmp_path: Path,
    name: str,
    data: bytes,
):
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(args=["review", "import", FIRST_SLUG, str(path)])
    assert result.exit_code == 1 and "nothing changed" in result.output
    assert "Traceback" not in result.output


def test_console_upload_shows_the_summary_and_applies_on_confirmation(
    app: Flask, organiser_client: FlaskClient, answers: dict[str, int]
):
    book, header, at = raw_sheet(organiser_client)
    data = edit(
        book, header, at, {answers["fresh"]: "economic_crisis", answers["corrected"]: "stimulus"}
    )
    token = csrf_token(organiser_client, IMPORT)
    page = organiser_client.post(
        IMPORT,
        data={"csrf_token": token, "file": (io.BytesIO(data), "coded.xlsx")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert (
        "1 new review" in html and "0 changed reviews" in html and "3 rows left as they are" in html
    )
    assert tags(app)[answers["fresh"]].review_state == "machine"  # nothing applied yet
    kept = re.search(r'<input[^>]*name="token"[^>]*value="([^"]+)"', html)
    assert kept, html
    confirm = organiser_client.post(
        IMPORT + "/apply", data={"csrf_token": token, "token": kept.group(1)}
    )
    assert confirm.status_code == 302
    assert tags(app)[answers["fresh"]].reviewed_levels == ["economic_crisis"]
    assert audit(app)[-1][0] == "review_import" and audit(app)[-1][1]["source"] == "console"
    again = organiser_client.post(
        IMPORT + "/apply", data={"csrf_token": token, "token": kept.group(1)}
    )
    assert again.status_code == 302 and again.headers["Location"].endswith("/review/import")


def test_console_refuses_a_bad_file_with_row_numbers_and_audits_it(
    app: Flask, organiser_client: FlaskClient, stranger_client: FlaskClient, answers: dict[str, int]
):
    token = csrf_token(organiser_client, IMPORT)
    body = (
        f"response_id,reviewed_levels\n{answers['fresh']},virus\n{answers['fresh']},flu\n".encode()
    )
    page = organiser_client.post(
        IMPORT,
        data={"csrf_token": token, "file": (io.BytesIO(body), "coded.csv")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Row 3" in html and "is also in row 2" in html and "nothing changed" in html
    assert audit(app)[-1][0] == "review_import_refused"
    assert tags(app)[answers["fresh"]].review_state == "machine"
    assert stranger_client.get(IMPORT).status_code == 404

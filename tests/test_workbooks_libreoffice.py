"""The workbooks as LibreOffice reads them: hostile text shows as the very text, never runs.

openpyxl reading back what openpyxl wrote cannot show how a spreadsheet program takes a cell,
so each workbook an organiser can download is opened by LibreOffice (headless) and saved as
CSV, every sheet as shown on screen, and each text cell is compared with what was written.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import insert, select

from exports import build_summary
from survey_app.db import get_session
from survey_app.demo import make_demo_responses
from survey_db.models import Event, Response, ResponseTag, utcnow
from survey_db.models.vocabulary import LEVELS

from .admin_helpers import add_response
from .conftest import FIRST_SLUG, require_installed
from .test_hostile_input import PAYLOADS
from .test_hostile_workbooks import expected

#: Debian's package: apt-get install libreoffice-calc-nogui
SOFFICE = shutil.which("soffice")
#: CSV filter options: comma, double quotes, UTF-8, from line 1, every sheet (-1) to its own
#: file, cells saved as shown, formulas not exported.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
#: Formula payloads that would show their result instead of their text if they ran.
FORMULAS = ["=1+1", "=SUM(1,2)", '=HYPERLINK("http://evil.example","click")', "@SUM(1)"]


@pytest.fixture(scope="session")
def soffice(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """LibreOffice's command, with a profile of this test process's own (two processes side
    by side must not share its lock; made once, it saves each conversion about 2 s);
    skipped (not in CI) when LibreOffice is missing."""
    require_installed(SOFFICE is not None, "LibreOffice", "libreoffice-calc-nogui")
    profile = tmp_path_factory.mktemp("libreoffice-profile")
    return [SOFFICE, f"-env:UserInstallation={profile.as_uri()}"]  # type: ignore[list-item]


def convert(soffice: list[str], workbook: Path, to: str, out: Path, timeout: float) -> str:
    """Have LibreOffice convert ``workbook`` ``to`` a format, into ``out``; give what it said."""
    result = subprocess.run(
        [
            *soffice,
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            str(workbook),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def as_libreoffice_shows(
    soffice: list[str], workbook: Path, titles: list[str], out: Path
) -> dict[str, list[list[str]]]:
    """The sheets ``titles`` of ``workbook`` as LibreOffice shows them: rows of cell texts."""
    said = convert(soffice, workbook, CSV_FILTER, out, timeout=180)
    sheets = {}
    for title in titles:
        shown = out / f"{workbook.stem}-{title}.csv"
        assert shown.exists(), f"LibreOffice wrote no sheet {title!r}: {said}"
        text = shown.read_text("utf-8")
        sheets[title] = list(csv.reader(io.StringIO(text, newline="")))
    return sheets


def _downloaded(client: FlaskClient, url: str, folder: Path) -> Path:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "workbook.xlsx"
    path.write_bytes(response.data)
    return path


def _add_hostile_responses(app: Flask) -> list[str]:
    """Every payload in every text field of a feedback and a policy input; the texts sent."""
    texts = [*PAYLOADS, *FORMULAS]
    for index, text in enumerate(texts):
        name = f"{text} {index}"
        add_response(
            app,
            FIRST_SLUG,
            "feedback",
            most_useful=f"Cash transfers {text}",
            improve=text,
            next_topics=text,
            name=name,
            organisation=text,
            show_name=True,
        )
        add_response(app, FIRST_SLUG, text=text, name=name, organisation=text, show_name=True)
    return texts


@pytest.mark.slow
@pytest.mark.parametrize("workbook", ["summary.xlsx", "summary.xlsx?language=zh", "responses.xlsx"])
def test_libreoffice_shows_hostile_text_as_written(
    app: Flask,
    organiser_client: FlaskClient,
    event: Event,
    tmp_path: Path,
    soffice: list[str],
    workbook: str,
) -> None:
    texts = _add_hostile_responses(app)
    path = _downloaded(organiser_client, f"/admin/e/{FIRST_SLUG}/{workbook}", tmp_path / "in")
    written = load_workbook(path)
    shown = as_libreoffice_shows(soffice, path, written.sheetnames, tmp_path / "out")
    compared, seen = 0, set()
    for sheet in written.worksheets:
        rows = shown[sheet.title]
        for row in sheet.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str):
                    continue
                line = rows[cell.row - 1] if cell.row <= len(rows) else []
                on_screen = line[cell.column - 1] if cell.column <= len(line) else ""
                assert on_screen == cell.value, (sheet.title, cell.coordinate)
                compared += 1
                seen.add(cell.value)
    assert compared > 100
    for text in texts:
        if expected(text).strip():
            assert expected(text) in seen, f"{text!r} is not shown as written"


def printed_pages(soffice: list[str], workbook: Path, out: Path) -> dict[str, int]:
    """Pages per sheet of ``workbook`` printed to PDF by LibreOffice.

    Every sheet prints its own name at the top of each page (the header ``&A``), so each
    page of the PDF is counted for the sheet whose name it shows.
    """
    import pypdf

    convert(soffice, workbook, "pdf", out, timeout=600)
    titles = load_workbook(workbook, read_only=True).sheetnames
    pages: dict[str, int] = dict.fromkeys(titles, 0)
    for page in pypdf.PdfReader(out / f"{workbook.stem}.pdf").pages:
        lines = {line.strip() for line in page.extract_text().splitlines()}
        [title] = [title for title in titles if title in lines]
        pages[title] += 1
    return pages


def _tag_everything(app: Flask, event: Event, seed: int = 5) -> None:
    """Synthetic machine tags on every answer: one or two levels, with evidence."""
    rng = random.Random(seed)
    with app.app_context():
        db = get_session()
        ids = db.scalars(select(Response.id).where(Response.event_id == event.id)).all()
        rows = []
        for ident in ids:
            levels = sorted(rng.sample(LEVELS, k=rng.choice((0, 1, 1, 2))))
            rows.append(
                {
                    "response_id": ident,
                    "tagged_version": 1,
                    "tagger_version": "print-test",
                    "machine_levels": levels,
                    "machine_scores": {},
                    "machine_evidence": {level: ["word"] for level in levels},
                    "machine_groups": [],
                    "machine_areas": [],
                    "fields": {},
                    "tagged_at": utcnow(),
                }
            )
        db.execute(insert(ResponseTag), rows)
        db.commit()


@pytest.mark.slow
def test_the_briefing_prints_on_one_page_and_3000_answers_in_150(
    app: Flask, event: Event, tmp_path: Path, soffice: list[str]
) -> None:
    """The summary of 3,000 answers, demo included, as LibreOffice prints it to A4."""
    with app.app_context():
        db = get_session()
        loaded = db.get(Event, event.id)
        make_demo_responses(db, loaded, 3_000, seed=2)
        db.commit()
    _tag_everything(app, event)
    with app.app_context():
        db = get_session()
        path = build_summary(db, db.get(Event, event.id), tmp_path / "s.xlsx", include_demo=True)
    pages = printed_pages(soffice, path, tmp_path)
    assert pages["Briefing (with demo)"] == 1
    assert all(count >= 1 for count in pages.values()), pages
    assert sum(pages.values()) <= 150, pages

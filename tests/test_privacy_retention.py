"""Retention removes names and organisations of old answers everywhere, and nothing else."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from survey_app.db import get_session
from survey_db.models import Response, utcnow

SLUG = "2020-11-10-social-protection"


def make_answers(app, event) -> tuple[int, int]:
    with app.app_context():
        db = get_session()
        theme = event.themes[0]
        old = Response(
            event_id=event.id,
            kind="input",
            theme_id=theme.id,
            text="Old input about wage subsidies",
            name="Old Name",
            organisation="Old Org",
            show_name=True,
            quote_ok=True,
            created_at=utcnow() - timedelta(days=400),
        )
        db.add(old)
        db.flush()
        old.amend({"text": "Amended old input about wage subsidies", "name": "Older Name"})
        recent = Response(
            event_id=event.id,
            kind="input",
            theme_id=theme.id,
            text="Recent input",
            name="Recent Name",
            organisation="Recent Org",
            show_name=True,
            quote_ok=True,  # a name appears beside words only when they may be quoted
        )
        db.add(recent)
        db.commit()
        return old.id, recent.id


def test_purge_clears_old_names_in_answers_versions_and_workbooks(app, runner, event, tmp_path):
    old_id, recent_id = make_answers(app, event)
    folder = Path(app.config["EXPORT_DIR"]) / SLUG
    folder.mkdir(parents=True)
    stale = folder / "summary-20201111T000000Z.xlsx"
    stale.write_bytes(b"a workbook that shows Old Name")

    dry = runner.invoke(args=["privacy", "purge", "--older-than", "365", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would clear" in dry.output and "1 response(s), 1 earlier version(s)" in dry.output
    with app.app_context():
        assert get_session().get(Response, old_id).name == "Older Name"
    assert stale.exists()

    result = runner.invoke(args=["privacy", "purge", "--older-than", "365"])
    assert result.exit_code == 0, result.output
    assert "Cleared" in result.output and "Deleted 1 saved workbook(s); wrote 1" in result.output
    with app.app_context():
        db = get_session()
        old = db.get(Response, old_id)
        assert (old.name, old.organisation) == (None, None)
        assert old.text == "Amended old input about wage subsidies" and old.version == 2
        assert [(v.data["name"], v.data["organisation"]) for v in old.versions] == [(None, None)]
        assert old.versions[0].data["text"] == "Old input about wage subsidies"
        recent = db.get(Response, recent_id)
        assert (recent.name, recent.organisation) == ("Recent Name", "Recent Org")
    assert not stale.exists()
    [fresh] = folder.glob("summary-*.xlsx")
    cells = [
        str(cell)
        for sheet in load_workbook(fresh, read_only=True).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]
    assert not any(
        "Old Name" in cell or "Older Name" in cell or "Old Org" in cell for cell in cells
    )
    assert any("Recent Name" in cell for cell in cells)


def test_default_period_comes_from_configuration(app, runner, event):
    make_answers(app, event)
    app.config["RETENTION_DAYS"] = 500
    result = runner.invoke(args=["privacy", "purge"])
    assert "older than 500 days: 0 response(s), 0 earlier version(s)" in result.output
    with app.app_context():
        names = set(get_session().scalars(select(Response.name)))
    assert names == {"Older Name", "Recent Name"}

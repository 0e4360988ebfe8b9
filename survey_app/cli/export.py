"""``flask --app survey_app export SLUG --output FILE.xlsx``: the summary workbook, by hand."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from exports import build_summary
from survey_db.engine import session_factory
from survey_db.models import Event

from ..db import get_engine


@click.command("export")
@click.argument("slug")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the workbook (.xlsx); replaced atomically if it exists.",
)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option(
    "--include-demo",
    is_flag=True,
    help="Count demo answers in every figure (every sheet's title then says so).",
)
@with_appcontext
def export_command(slug: str, output: Path, lang: str, include_demo: bool) -> None:
    """Write the briefing workbook of the event SLUG (demo answers left out unless asked)."""
    # A reading session: a long export must not hold SQLite's write lock.
    with session_factory(get_engine())() as db:
        event = db.scalar(select(Event).where(Event.slug == slug))
        if event is None:
            raise click.ClickException(f"no event '{slug}'")
        path = build_summary(
            db,
            event,
            output,
            lang=lang,
            include_demo=include_demo,
            base_url=current_app.config.get("PUBLIC_BASE_URL", ""),
        )
    demo = " with demo answers" if include_demo else ""
    click.echo(f"Wrote the summary of '{slug}'{demo} to {path}.")

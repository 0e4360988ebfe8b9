"""``flask --app survey_app export SLUG --output FILE.xlsx``: a workbook of one event.

By hand, or started by the console for a large event's download (``--for-organiser``,
``--progress``): the build then runs in its own process and the page follows its progress.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from exports import build_summary
from exports.filtered import build_filtered
from exports.raw import build_raw
from survey_db.engine import session_factory
from survey_db.models import Event, Organiser, Response

from ..admin import queries
from ..db import get_engine
from ..prepared import PROGRESS_ROWS, write_progress


def progress_writer(path: Path, expected: int) -> Callable[[], None]:
    """A ``pace`` callback that writes the rows written so far to ``path`` now and then."""
    written = 0

    def pace() -> None:
        nonlocal written
        written += 1
        if written % PROGRESS_ROWS == 0:
            write_progress(path, rows=written, expected=expected, done=False)

    write_progress(path, rows=0, expected=expected, done=False)
    return pace


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
@click.option("--raw", is_flag=True, help="Every response of the event, raw, instead.")
@click.option(
    "--filtered",
    metavar="QUERY",
    help="The console's responses list with these filters instead (its query string, "
    "e.g. 'stakeholder=government&q=wage'; '' for every response), as its download.",
)
@click.option(
    "--for-organiser",
    type=int,
    help="Organiser id: the Series sheet compares only the events they may see.",
)
@click.option(
    "--progress",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rows written so far to this JSON file as the build goes.",
)
@with_appcontext
def export_command(
    slug: str,
    output: Path,
    lang: str,
    include_demo: bool,
    raw: bool,
    filtered: str | None,
    for_organiser: int | None,
    progress: Path | None,
) -> None:
    """Write the briefing workbook of the event SLUG (demo answers left out unless asked)."""
    # A reading session: a long export must not hold SQLite's write lock.
    with session_factory(get_engine())() as db:
        event = db.scalar(select(Event).where(Event.slug == slug))
        if event is None:
            raise click.ClickException(f"no event '{slug}'")
        visible = None
        if for_organiser is not None:
            reader = db.get(Organiser, for_organiser)
            if reader is None or not reader.can_see(event):
                raise click.ClickException(f"organiser {for_organiser} may not see '{slug}'")
            visible = reader.visible_event_ids()
        ids: set[int] | None = None
        if filtered is not None:
            # The list's own filter rule, read from its query string as the view reads it.
            chosen = queries.Filters.from_args(dict(parse_qsl(filtered)))
            ids = set(db.scalars(queries.filtered(event, chosen).with_only_columns(Response.id)))
        answers = select(func.count()).where(Response.event_id == event.id)
        expected = len(ids) if ids is not None else db.scalar(answers) or 0
        pace = progress_writer(progress, expected) if progress is not None else None
        if ids is not None:
            path = build_filtered(db, event, ids, output, pace=pace)
        elif raw:
            path = build_raw(db, event, output, pace=pace)
        else:
            path = build_summary(
                db,
                event,
                output,
                lang=lang,
                pace=pace,
                visible_event_ids=visible,
                include_demo=include_demo,
                base_url=current_app.config.get("PUBLIC_BASE_URL", ""),
            )
    if progress is not None:
        write_progress(progress, rows=expected, expected=expected, done=True)
    what = "raw responses" if raw else "summary"
    if ids is not None:
        what = f"{len(ids)} responses of the filtered list"
    demo = " with demo answers" if include_demo and not raw and ids is None else ""
    click.echo(f"Wrote the {what} of '{slug}'{demo} to {path}.")

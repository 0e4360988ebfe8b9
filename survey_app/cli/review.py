"""``flask --app survey_app review import SLUG FILE``: reviews coded in a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from survey_db.models import Event, Organiser

from ..admin.review_import import ImportPlan, ImportRefused, apply_import, plan_import, read_file
from ..db import get_session


@click.group("review", cls=AppGroup)
def review_cli() -> None:
    """Import reviews coded outside the console."""


def _summary(plan: ImportPlan) -> str:
    counts = plan.counts()
    lines = [
        f"{counts['new']} new review(s), {counts['changed']} changed review(s), "
        f"{counts['unchanged']} row(s) left as they are, "
        f"{counts['conflicts']} conflict(s) with reviews made in the console since the download."
    ]
    for label, changes in (
        ("new", plan.new),
        ("changed", plan.changed),
        ("conflict", plan.conflicts),
    ):
        for change in changes:
            before = "not reviewed" if change.before is None else ";".join(change.before) or "none"
            lines.append(
                f"  row {change.row}: response {change.response_id} ({label}) "
                f"{before} -> {';'.join(change.after) or 'none'}"
            )
    return "\n".join(lines)


@review_cli.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--yes", is_flag=True, help="Apply without asking after the summary.")
@click.option(
    "--overwrite-conflicts",
    is_flag=True,
    help="Also apply the file where a review in the console is newer than the download.",
)
@click.option("--by", "email", help="The organiser the reviews are recorded for (e-mail).")
def review_import_command(
    slug: str, file: Path, dry_run: bool, yes: bool, overwrite_conflicts: bool, email: str | None
) -> None:
    """Import the reviewed_levels of FILE (.xlsx or .csv) into the event SLUG."""
    db = get_session()
    event = db.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event '{slug}'")
    reviewer = None
    if email:
        reviewer = db.scalar(select(Organiser).where(Organiser.email == email.strip().lower()))
        if reviewer is None:
            raise click.ClickException(f"no organiser '{email}'")
    try:
        plan = plan_import(db, event, read_file(file.name, file.read_bytes()))
    except ImportRefused as refusal:
        lines = [f"row {row}: {text}" if row else text for row, text in refusal.problems]
        if refusal.more:
            lines.append(f"... and {refusal.more} more problem(s)")
        raise click.ClickException(
            "the file was not imported, nothing changed:\n" + "\n".join(lines)
        ) from None
    click.echo(_summary(plan))
    if dry_run:
        click.echo("Dry run: nothing changed.")
        return
    if not yes and not click.confirm("Apply these reviews?", default=False):
        click.echo("Nothing changed.")
        return
    applied = apply_import(
        db, event, plan, reviewer, overwrite_conflicts=overwrite_conflicts, source="cli"
    )
    db.commit()
    click.echo(f"Imported {applied} review(s) into '{slug}'.")

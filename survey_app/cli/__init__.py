"""``flask --app survey_app ...`` commands: database, events, seed and demo data."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from exports.nightly import write_due_workbooks
from survey_db import migrate
from survey_db.models import Event

from .. import demo, privacy
from ..admin import audit
from ..db import get_session
from ..events import FIRST_EVENT_FILE, EventFileError, apply_event, parse_event_yaml
from .codebook import codebook_cli
from .export import export_command
from .organisers import organisers_cli
from .pipeline import pipeline_cli
from .review import review_cli


@click.group("db", cls=AppGroup)
def db_cli() -> None:
    """Migrate the database schema (Alembic)."""


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the database to REVISION (default: the newest)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database upgraded to {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the database back to REVISION (``base`` empties it)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database downgraded to {revision}.")


@click.group("events", cls=AppGroup)
def events_cli() -> None:
    """Load events and open or close their collection."""


def _load_file(path: Path, status: str | None = None) -> None:
    try:
        spec = parse_event_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise click.ClickException(f"{path}: not UTF-8 text") from None
    except EventFileError as error:
        raise click.ClickException(f"{path}: {error}") from None
    session = get_session()
    try:
        changes = apply_event(session, spec, status=status)
    except EventFileError as error:
        session.rollback()
        raise click.ClickException(f"{path}: {error}") from None
    slug = spec.event["slug"]
    if not changes:
        session.commit()
        click.echo(f"Event '{slug}' is already up to date.")
        return
    event = session.scalar(select(Event).where(Event.slug == slug))
    audit.record(session, "event_loaded", event=event, by="cli", file=path.name, changes=changes)
    session.commit()
    click.echo(f"Event '{slug}': {len(changes)} change(s).")
    for line in changes:
        click.echo(f"  - {line}")


@events_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def events_load(path: Path) -> None:
    """Load or update an event from a YAML file and tell what changed."""
    _load_file(path)


def _event_or_fail(slug: str) -> Event:
    event = get_session().scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event '{slug}'")
    return event


def _set_status(slug: str, status: str) -> None:
    event = _event_or_fail(slug)
    changed = event.set_status(status)
    if changed:
        action = "event_opened" if event.is_open else "event_closed"
        audit.record(get_session(), action, event=event, by="cli")
    get_session().commit()
    click.echo(f"Event '{slug}' is {status}" + ("." if changed else " (it already was)."))


@events_cli.command("open")
@click.argument("slug")
def events_open(slug: str) -> None:
    """Open SLUG for collection."""
    _set_status(slug, "open")


@events_cli.command("close")
@click.argument("slug")
def events_close(slug: str) -> None:
    """Close collection of SLUG: the forms say so and accept nothing."""
    _set_status(slug, "closed")


@events_cli.command("purge-demo")
@click.argument("slug")
def events_purge_demo(slug: str) -> None:
    """Remove the synthetic (``demo``) responses of SLUG."""
    event = _event_or_fail(slug)
    removed = demo.purge_demo(get_session(), event)
    get_session().commit()
    click.echo(f"Removed {removed} demo response(s) from '{slug}'.")


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load the bundled first event and open it for collection."""
    _load_file(FIRST_EVENT_FILE, status="open")


@click.command("demo-data")
@with_appcontext
@click.argument("slug")
@click.option("--responses", "count", type=click.IntRange(1, 2_000_000), default=500)
@click.option("--force", is_flag=True, help="Add demo data even beside real responses.")
@click.option("--seed", "random_seed", type=int, default=None, help="Seed for repeatable data.")
def demo_data_command(slug: str, count: int, force: bool, random_seed: int | None) -> None:
    """Fill SLUG with realistic synthetic feedback and policy inputs (channel ``demo``)."""
    event = _event_or_fail(slug)
    session = get_session()
    real = demo.real_response_count(session, event)
    if real and not force:
        raise click.ClickException(
            f"'{slug}' already holds {real} real response(s); add --force to mix in demo data"
        )
    made = demo.make_demo_responses(session, event, count, seed=random_seed)
    session.commit()
    click.echo(f"Added {made} demo responses to '{slug}'.")


@click.group("privacy", cls=AppGroup)
def privacy_cli() -> None:
    """Apply the retention period to personal data."""


@privacy_cli.command("purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(0, None),
    default=None,
    help="Age in days (default: SURVEY_RETENTION_DAYS).",
)
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
def privacy_purge(days: int | None, dry_run: bool) -> None:
    """Remove names and organisations from answers older than the retention period."""
    days = current_app.config["RETENTION_DAYS"] if days is None else days
    session = get_session()
    report = privacy.purge_personal_data(session, days, dry_run=dry_run)
    verb = "Would clear" if dry_run else "Cleared"
    click.echo(
        f"{verb} names and organisations older than {days} days: "
        f"{report.responses} response(s), {report.versions} earlier version(s)."
    )
    if dry_run:
        session.rollback()
        return
    session.commit()
    export_dir = current_app.config["EXPORT_DIR"]
    removed = privacy.drop_saved_workbooks(export_dir, report.events)
    written = write_due_workbooks(session, export_dir, current_app.config["EXPORT_KEEP"])
    click.echo(f"Deleted {removed} saved workbook(s); wrote {written} fresh one(s).")


def init_app(app: Flask) -> None:
    """Register every command group."""
    for command in (
        db_cli,
        events_cli,
        seed_command,
        demo_data_command,
        pipeline_cli,
        privacy_cli,
        export_command,
        organisers_cli,
        codebook_cli,
        review_cli,
    ):
        app.cli.add_command(command)

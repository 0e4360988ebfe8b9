"""``flask --app survey_app pipeline run``: the nightly tagging job, thin over the runner.

Exit status: 0 when the run succeeded, 1 when it failed (the run log row says why), and
75 (``EX_TEMPFAIL``, "try again later") when another run holds the lock; cron can tell a
busy pipeline from a broken one.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from exports.nightly import write_due_workbooks
from pipeline.pacing import Pacer
from pipeline.priority import lower_session_share
from pipeline.runner import BATCH_SIZE, PipelineFailed, PipelineLocked, run_pipeline
from survey_db.models import Event, PipelineRun

from ..db import get_engine, get_session

#: Exit status of a run refused because another holds the lock (sysexits.h EX_TEMPFAIL).
EXIT_LOCKED = 75

#: Tagging processes of a CLI run by default: the machine's cores, at most 2 (the nightly job).
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)

#: An AppGroup, so its commands run in an app context under ``flask`` and the test runner alike.
pipeline_cli = AppGroup("pipeline", help="Tag the free-text answers (the nightly job).")


class LockedError(click.ClickException):
    """Another run is working: exit with :data:`EXIT_LOCKED`."""

    exit_code = EXIT_LOCKED


def _summary(run: PipelineRun) -> str:
    seconds = run.duration_seconds or 0.0
    return (
        f"Pipeline run {run.id} {run.status} in {seconds:.1f} s "
        f"({run.mode}, tagger {run.tagger_version}): selected {run.selected}, "
        f"tagged {run.tagged}, unchanged {run.unchanged}, reviewed kept {run.reviewed_kept}, "
        f"workbooks {run.workbooks}."
    )


def _write_workbooks(session: Session, pacer: Pacer | None) -> int:
    """Fresh summary workbooks for the events that changed since their last one."""
    config = current_app.config
    pace = pacer.step if pacer is not None else None
    return write_due_workbooks(
        session,
        config["EXPORT_DIR"],
        config["EXPORT_KEEP"],
        pace=pace,
        base_url=config.get("PUBLIC_BASE_URL", ""),
    )


def _event_id(slug: str | None) -> int | None:
    """The id of the event SLUG names (None: every event)."""
    if slug is None:
        return None
    found = get_session().scalar(select(Event.id).where(Event.slug == slug))
    if found is None:
        raise click.ClickException(f"no event '{slug}'")
    return found


@pipeline_cli.command("run")
@click.option("--full", is_flag=True, help="Re-tag every response, not only what changed.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=BATCH_SIZE,
    show_default=True,
    help="Responses tagged and committed per transaction.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=DEFAULT_WORKERS,
    show_default=True,
    help="Processes tagging in parallel (1: tag in this process).",
)
@click.option(
    "--no-workbooks", is_flag=True, help="Only tag; leave the summary workbooks as they are."
)
@click.option("--event", "slug", help="Tag only this event's responses (the console's Tag now).")
@click.option(
    "--trigger",
    type=click.Choice(["cli", "console"]),
    default="cli",
    hidden=True,
    help="Who started the run, for the run log.",
)
@click.option(
    "--nice",
    type=click.IntRange(0, 19),
    help="Lower the job's CPU priority by this much (default SURVEY_PIPELINE_NICE, 19).",
)
def run_command(
    full: bool,
    batch_size: int,
    workers: int,
    no_workbooks: bool,
    slug: str | None,
    trigger: str,
    nice: int | None,
) -> None:
    """Tag new and amended responses (all with --full); exit 75 if another run is working."""
    event_id = _event_id(slug)
    get_session().rollback()  # the run uses its own connections; hold no transaction open
    nice = current_app.config["PIPELINE_NICE"] if nice is None else nice
    if nice:
        # Attendees may be submitting while the job runs: their requests get the CPU first.
        click.echo(f"Tagging and workbooks at CPU priority +{nice}, below the web app.")
        if lower_session_share(nice):
            click.echo(f"This job's session as a whole runs at +{nice} too (Linux autogroup).")
    engine = get_engine()
    done = 0
    with ExitStack() as stack:
        bar = None

        def progress(count: int, total: int) -> None:
            nonlocal bar, done
            done += count
            if not sys.stdout.isatty():
                click.echo(f"{datetime.now():%H:%M:%S} tagged {done} of {total}")
                return
            if bar is None:
                bar = stack.enter_context(click.progressbar(length=total, label="Tagging"))
            bar.update(count)

        try:
            run = run_pipeline(
                engine,
                full=full,
                batch_size=batch_size,
                progress=progress,
                workers=workers,
                nice=nice,
                pacer=Pacer() if nice else None,
                event_id=event_id,
                trigger=trigger,
                after_tagging=None if no_workbooks else _write_workbooks,
            )
        except PipelineLocked as locked:
            raise LockedError(str(locked)) from None
        except PipelineFailed as failed:
            stack.close()
            message = f"{_summary(failed.run)} Error: {failed.run.error}"
            raise click.ClickException(message) from None
    click.echo(_summary(run))

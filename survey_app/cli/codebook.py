"""``flask --app survey_app codebook ...``: suggestions from the reviews and the overlay."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from survey_db.models import CodebookAddition, Event
from survey_db.models.overlay import active_additions, overlay_revision
from survey_db.models.vocabulary import LANGUAGES, LEVELS

from ..admin.overlay import (
    OverlayRefused,
    Preview,
    add_term,
    as_yaml,
    find_active,
    parse_addition,
    preview,
    remove_term,
    store_preview,
    store_suggestions,
    suggestions,
    suggestions_asked,
)
from ..background import noting_failure
from ..db import get_session


@click.group("codebook", cls=AppGroup)
def codebook_cli() -> None:
    """Suggest codebook terms from the reviews; add and remove them in the overlay."""


def _event(slug: str | None) -> Event | None:
    if slug is None:
        return None
    event = get_session().scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event '{slug}'")
    return event


@codebook_cli.command("suggest")
@click.option("--event", "slug", help="Only the reviews of this event (default: all).")
@click.option("--min-support", type=click.IntRange(1, None), default=2, show_default=True)
@click.option(
    "--store",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write them to this file, for the console page that started it.",
)
def codebook_suggest(slug: str | None, min_support: int, store: Path | None) -> None:
    """List terms found where reviewers added a level the machine missed (indicators), or
    removed one it gave (shields); changes nothing."""
    with noting_failure(store):
        db = get_session()
        event = _event(slug)
        asked = suggestions_asked(db, event, min_support)  # before: a review meanwhile outdates it
        found = suggestions(db, event, min_support)
        if store is not None:
            store_suggestions(store, asked, found)
    if not found:
        click.echo("No suggestion: too few reviews disagree with the machine.")
        return
    click.echo(
        f"{'level':<16}{'language':<10}{'kind':<11}{'term':<32}{'support':>8}{'precision':>11}"
    )
    for item in found:
        click.echo(
            f"{item.level:<16}{item.language:<10}{item.kind:<11}{item.term:<32}"
            f"{item.support:>8}{item.precision:>11.2f}"
        )


def _describe(result: Preview) -> str:
    addition = result.addition
    verb = "lose" if result.shield else "gain"
    lines = [
        f"{result.changed} answer(s) would {verb} level {addition.level}; of the reviewed ones, "
        f"{result.agree} agree and {result.disagree} do not.",
        f"The term's words stand in {result.holding} of {result.answers} {addition.language} "
        f"answer(s) ({100 * result.share:.0f}%).",
    ]
    if result.lose:
        lines.append(
            f"Warning: {result.lose} answer(s) would lose another level they have now "
            "(the term takes the place of another level's indicator)."
        )
    if result.broad:
        lines.append("Warning: the term is very broad; it would tag a large share of answers.")
    return "\n".join(lines)


@codebook_cli.command("preview")
@click.argument("level", type=click.Choice(LEVELS))
@click.argument("language", type=click.Choice(LANGUAGES))
@click.argument("term")
@click.option("--weak", is_flag=True, help="A weak indicator: not enough alone.")
@click.option("--shield", is_flag=True, help="A shield: the words inside it are not LEVEL.")
@click.option("--event", "slug", help="Preview on this event's answers (default: all).")
@click.option(
    "--store",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write it to this file, for the console page that started it.",
)
def codebook_preview(
    level: str,
    language: str,
    term: str,
    weak: bool,
    shield: bool,
    slug: str | None,
    store: Path | None,
) -> None:
    """Show what adding TERM to LEVEL in LANGUAGE would change (changes nothing)."""
    with noting_failure(store):
        db = get_session()
        try:
            addition = parse_addition(level, language, term, weak, _kind(shield))
        except OverlayRefused as refusal:
            raise click.ClickException(str(refusal)) from None
        revision = overlay_revision(db)
        result = preview(db, addition, _event(slug))
        if store is not None:
            store_preview(store, result, revision)
    click.echo(_describe(result))


@codebook_cli.command("add")
@click.argument("level", type=click.Choice(LEVELS))
@click.argument("language", type=click.Choice(LANGUAGES))
@click.argument("term")
@click.option("--weak", is_flag=True, help="A weak indicator: not enough alone.")
@click.option("--shield", is_flag=True, help="A shield: the words inside it are not LEVEL.")
@click.option("--event", "slug", help="Preview on this event's answers (default: all).")
@click.option("--yes", is_flag=True, help="Add without asking after the preview.")
def codebook_add(
    level: str, language: str, term: str, weak: bool, shield: bool, slug: str | None, yes: bool
) -> None:
    """Preview TERM as an indicator of LEVEL in LANGUAGE (or a shield against it), then add
    it to the overlay."""
    db = get_session()
    try:
        addition = parse_addition(level, language, term, weak, _kind(shield))
        result = preview(db, addition, _event(slug))
        click.echo(_describe(result))
        if result.refused:
            add_term(db, addition, None, checked=result)  # raises, saying why
        if not yes and not click.confirm("Add it to the codebook overlay?", default=False):
            click.echo("Nothing added.")
            return
        row = add_term(db, addition, None, checked=result)
    except OverlayRefused as refusal:
        db.rollback()
        raise click.ClickException(str(refusal)) from None
    db.commit()
    click.echo(
        f"Added the {row.kind} '{row.term}' to {row.level} ({row.language}) in overlay revision "
        f"{row.added_in}; the next pipeline run re-tags with it."
    )


def _kind(shield: bool) -> str:
    return "shield" if shield else "indicator"


@codebook_cli.command("remove")
@click.argument("level", type=click.Choice(LEVELS))
@click.argument("language", type=click.Choice(LANGUAGES))
@click.argument("term")
@click.option("--shield", is_flag=True, help="The term is a shield.")
def codebook_remove(level: str, language: str, term: str, shield: bool) -> None:
    """Remove TERM from the overlay (its history stays)."""
    db = get_session()
    try:
        revision = remove_term(db, find_active(db, level, language, term, _kind(shield)), None)
    except OverlayRefused as refusal:
        db.rollback()
        raise click.ClickException(str(refusal)) from None
    db.commit()
    click.echo(f"Removed '{' '.join(term.split())}' in overlay revision {revision}.")


@codebook_cli.command("additions")
@click.option("--yaml", "as_patch", is_flag=True, help="Print them as a codebook.yaml patch.")
@click.option("--all", "everything", is_flag=True, help="Include removed terms (history).")
def codebook_additions(as_patch: bool, everything: bool) -> None:
    """List the terms of the codebook overlay."""
    db = get_session()
    revision = overlay_revision(db)
    if as_patch:
        click.echo(as_yaml(active_additions(db), revision), nl=False)
        return
    rows = (
        list(db.scalars(select(CodebookAddition).order_by(CodebookAddition.id)))
        if everything
        else active_additions(db)
    )
    click.echo(f"Codebook overlay, revision {revision}: {len(rows)} term(s).")
    for row in rows:
        state = "" if row.active else f"  (removed in revision {row.removed_in})"
        strength = "shield" if row.kind == "shield" else "weak" if row.weak else "strong"
        click.echo(
            f"{row.level:<16}{row.language:<4}{strength:<8}{row.term}  "
            f"[revision {row.added_in}, {row.source}]{state}"
        )

"""The codebook overlay on the command line: suggestions from reviews, a preview before a
term is added, revisions, removal with history, the audit log and bad terms refused."""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from pipeline import TAGGER_VERSION, Addition
from survey_app.admin.overlay import (
    stored_preview,
    stored_suggestions,
    suggestions_asked,
    tagger_for,
)
from survey_app.db import get_session
from survey_db.models import AuditEntry, CodebookAddition, Event, ResponseTag, utcnow

from .admin_helpers import STALL, add_response, reviewed
from .conftest import FIRST_SLUG


def audit(app: Flask) -> list[tuple[str, dict]]:
    with app.app_context():
        rows = get_session().scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(row.action, row.detail) for row in rows]


def overlay_rows(app: Flask) -> list[CodebookAddition]:
    with app.app_context():
        db = get_session()
        rows = list(db.scalars(select(CodebookAddition).order_by(CodebookAddition.id)))
        db.expunge_all()
        return rows


def test_add_previews_then_adds_a_revision_that_changes_the_tagger_version(
    app: Flask, runner: FlaskCliRunner, event: Event
):
    agreeing = add_response(app, FIRST_SLUG, text=STALL, tags=reviewed([], ["economic_crisis"]))
    disagreeing = add_response(
        app, FIRST_SLUG, text="A stall-out of the talks, nothing more.", tags=reviewed([], [])
    )
    add_response(app, FIRST_SLUG, text="Two more stall-outs this week.")  # not reviewed
    add_response(app, FIRST_SLUG, text="The vaccine rollout was quick.")
    result = runner.invoke(args=["codebook", "add", "economic_crisis", "en", "stall-out", "--yes"])
    assert result.exit_code == 0, result.output
    assert (
        "3 answer(s) would gain level economic_crisis; of the reviewed ones, 1 agree and 1 do not."
        in result.output
    )
    assert "stand in 3 of 4 en answer(s) (75%)" in result.output
    assert "Warning: the term is very broad" in result.output
    assert "overlay revision 1" in result.output
    [row] = overlay_rows(app)
    assert (row.level, row.language, row.term, row.weak, row.added_in) == (
        "economic_crisis",
        "en",
        "stall-out",
        False,
        1,
    )
    action, detail = audit(app)[-1]
    assert action == "codebook_add" and detail["term"] == "stall-out" and detail["revision"] == 1
    assert (detail["gain"], detail["agree"], detail["disagree"]) == (3, 1, 1)
    with app.app_context():
        tagger = tagger_for(get_session())
        assert tagger.codebook.tagger_version.startswith(TAGGER_VERSION + "+")
        result = tagger.tag(STALL)
        assert result.evidence["economic_crisis"] == ("stall-out",)
        # a suggestion or an addition never touches the stored tags: the next run re-tags
        tags = {t.response_id: t for t in get_session().scalars(select(ResponseTag))}
        assert tags[agreeing].machine_levels == [] and tags[disagreeing].machine_levels == []


def test_add_asks_before_adding_and_a_no_adds_nothing(
    app: Flask, runner: FlaskCliRunner, event: Event
):
    add_response(app, FIRST_SLUG, text=STALL)
    result = runner.invoke(
        args=["codebook", "add", "economic_crisis", "en", "stall-out"], input="n\n"
    )
    assert result.exit_code == 0 and "Nothing added." in result.output
    assert overlay_rows(app) == []


def test_remove_keeps_the_history_and_additions_list_it(
    app: Flask, runner: FlaskCliRunner, event: Event
):
    for term in ("stall-out", "hours were cut"):
        assert (
            runner.invoke(
                args=["codebook", "add", "economic_crisis", "en", term, "--yes"]
            ).exit_code
            == 0
        )
    assert (
        runner.invoke(
            args=["codebook", "add", "stimulus", "zh", "纾困 * 补助", "--weak", "--yes"]
        ).exit_code
        == 0
    )
    removed = runner.invoke(args=["codebook", "remove", "economic_crisis", "en", " stall-out "])
    assert removed.exit_code == 0 and "revision 4" in removed.output
    rows = overlay_rows(app)
    assert [(row.term, row.added_in, row.removed_in) for row in rows] == [
        ("stall-out", 1, 4),
        ("hours were cut", 2, None),
        ("纾困 * 补助", 3, None),
    ]
    assert audit(app)[-1][0] == "codebook_remove" and audit(app)[-1][1]["revision"] == 4
    listing = runner.invoke(args=["codebook", "additions"]).output
    assert "revision 4: 2 term(s)" in listing and "stall-out" not in listing
    history = runner.invoke(args=["codebook", "additions", "--all"]).output
    assert "stall-out" in history and "(removed in revision 4)" in history
    patch = yaml.safe_load(runner.invoke(args=["codebook", "additions", "--yaml"]).output)
    assert patch == {
        "levels": {
            "economic_crisis": {"indicators": {"en": {"strong": ["hours were cut"]}}},
            "stimulus": {"indicators": {"zh": {"weak": ["纾困 * 补助"]}}},
        }
    }
    again = runner.invoke(args=["codebook", "remove", "economic_crisis", "en", "stall-out"])
    assert again.exit_code == 1 and "No such term in the codebook overlay." in again.output
    with app.app_context():
        assert tagger_for(get_session()).tag(STALL).levels == frozenset()


def test_malformed_duplicate_and_too_broad_terms_are_refused(
    app: Flask, runner: FlaskCliRunner, event: Event
):
    cases = {
        "": "The term is empty.",
        "   ": "The term is empty.",
        "?!…": "at least one letter, digit or Chinese character",
        "*": "at least one letter, digit or Chinese character",
        "* fever": "cannot begin or end with the wildcard",
        "x" * 201: "at most 200 characters",
    }
    for term, message in cases.items():
        result = runner.invoke(args=["codebook", "add", "virus", "en", term, "--yes"])
        assert result.exit_code == 1 and message in result.output, (term, result.output)
        assert "Traceback" not in result.output
    assert runner.invoke(args=["codebook", "add", "flu", "en", "fever"]).exit_code == 2
    assert (
        runner.invoke(args=["codebook", "add", "virus", "en", "long haulers", "--yes"]).exit_code
        == 0
    )
    duplicate = runner.invoke(args=["codebook", "add", "virus", "en", "long  haulers", "--yes"])
    assert duplicate.exit_code == 1 and "already in the codebook overlay" in duplicate.output
    for number in range(20):
        add_response(app, FIRST_SLUG, text=f"The session number {number} was fine.")
    broad = runner.invoke(args=["codebook", "add", "virus", "en", "the", "--yes"])
    assert broad.exit_code == 1 and "would tag nearly everything" in broad.output
    assert [row.term for row in overlay_rows(app)] == ["long haulers"]


def test_suggest_lists_terms_of_missed_levels_with_support_and_precision(
    app: Flask, runner: FlaskCliRunner, event: Event
):
    for text in (
        STALL,
        "Another stall-out closed three more stalls.",
        "After the stall-out we sold less.",
    ):
        add_response(app, FIRST_SLUG, text=text, tags=reviewed([], ["economic_crisis"]))
    add_response(
        app, FIRST_SLUG, text="The stall-out of the talks changed nothing.", tags=reviewed([], [])
    )
    add_response(
        app, FIRST_SLUG, text="A stall-out again.", tags={"machine_levels": []}
    )  # unreviewed
    result = runner.invoke(args=["codebook", "suggest", "--event", FIRST_SLUG])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if " stall-out " in line)
    assert line.split() == ["economic_crisis", "en", "indicator", "stall-out", "3", "0.75"]
    assert overlay_rows(app) == []  # suggestions change nothing
    high = runner.invoke(args=["codebook", "suggest", "--min-support", "4"])
    assert "No suggestion" in high.output
    unknown = runner.invoke(args=["codebook", "suggest", "--event", "nope"])
    assert unknown.exit_code == 1 and "no event 'nope'" in unknown.output


def test_the_preview_warns_when_answers_would_lose_another_level(
    app: Flask, runner: FlaskCliRunner, event: Event
):
    add_response(app, FIRST_SLUG, text="他失业了。")
    with app.app_context():
        assert "economic_crisis" in tagger_for(get_session()).tag("他失业了").levels
    result = runner.invoke(args=["codebook", "add", "virus", "zh", "失业"], input="n\n")
    assert result.exit_code == 0, result.output
    assert "1 answer(s) would gain level virus" in result.output
    assert "Warning: 1 answer(s) would lose another level they have now" in result.output
    assert overlay_rows(app) == []


DRILLS = (
    "We ran a lockdown drill at the school.",
    "The lockdown drill went well.",
    "Another lockdown drill was held in March.",
)


def test_a_removed_level_gives_a_shield_previewed_added_listed_and_removed(
    app: Flask, runner: FlaskCliRunner, event: Event
):
    for text in DRILLS:
        add_response(app, FIRST_SLUG, text=text, tags=reviewed(["containment"], []))
    add_response(
        app,
        FIRST_SLUG,
        text="The lockdown drill came a week before the real lockdown.",
        tags=reviewed(["containment"], ["containment"]),
    )
    add_response(app, FIRST_SLUG, text="The city went into lockdown in March.")
    add_response(app, FIRST_SLUG, text="Our lockdown drill scared the children.")  # unreviewed
    result = runner.invoke(args=["codebook", "suggest"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if " lockdown drill " in line)
    assert line.split() == ["containment", "en", "shield", "lockdown", "drill", "3", "0.75"]
    assert overlay_rows(app) == []

    weak = runner.invoke(
        args=["codebook", "add", "containment", "en", "lockdown drill", "--shield", "--weak"]
    )
    assert weak.exit_code == 1 and "cannot be weak" in weak.output
    added = runner.invoke(
        args=["codebook", "add", "containment", "en", "lockdown drill", "--shield", "--yes"]
    )
    assert added.exit_code == 0, added.output
    # the three a person cleared and the unreviewed one; the one a person kept keeps the
    # level through its other "lockdown"
    assert (
        "4 answer(s) would lose level containment; of the reviewed ones, 3 agree and 0 do not."
        in added.output
    )
    assert "Added the shield 'lockdown drill' to containment (en)" in added.output
    [row] = overlay_rows(app)
    assert (row.kind, row.level, row.term, row.weak) == (
        "shield",
        "containment",
        "lockdown drill",
        False,
    )
    action, detail = audit(app)[-1]
    assert action == "codebook_add" and detail["kind"] == "shield"
    assert (detail["loss"], detail["agree"], detail["disagree"]) == (4, 3, 0)
    with app.app_context():
        tagger = tagger_for(get_session())
        assert tagger.tag(DRILLS[0]).levels == frozenset()
        assert tagger.tag("The city went into lockdown in March.").levels == {"containment"}
        assert tagger.codebook.tagger_version != TAGGER_VERSION

    listing = runner.invoke(args=["codebook", "additions"])
    assert "shield" in listing.output and "lockdown drill" in listing.output
    patch = yaml.safe_load(runner.invoke(args=["codebook", "additions", "--yaml"]).output)
    assert patch == {"shields": {"en": ["lockdown drill"]}}
    # an indicator of the same words is another term: removing it finds nothing
    wrong = runner.invoke(args=["codebook", "remove", "containment", "en", "lockdown drill"])
    assert wrong.exit_code == 1 and "No such term" in wrong.output
    gone = runner.invoke(
        args=["codebook", "remove", "containment", "en", "lockdown drill", "--shield"]
    )
    assert gone.exit_code == 0, gone.output
    assert audit(app)[-1][0] == "codebook_remove" and audit(app)[-1][1]["kind"] == "shield"
    with app.app_context():
        assert tagger_for(get_session()).tag(DRILLS[0]).levels == {"containment"}


def test_preview_changes_nothing_and_stores_what_the_console_reads(
    app: Flask, runner: FlaskCliRunner, event: Event, tmp_path: Path
):
    add_response(app, FIRST_SLUG, text=STALL, tags=reviewed([], ["economic_crisis"]))
    path = tmp_path / "previews" / "one.json"
    args = ["codebook", "preview", "--store", str(path), "--", "economic_crisis", "en", "stall-out"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "1 answer(s) would gain level economic_crisis; of the reviewed ones, 1 agree" in (
        result.output
    )
    assert overlay_rows(app) == [] and not [a for a, _ in audit(app) if a == "codebook_add"]
    stored = stored_preview(path, 0)
    assert stored is not None and stored.addition == Addition("economic_crisis", "en", "stall-out")
    assert (stored.changed, stored.agree, stored.disagree) == (1, 1, 0)
    assert stored_preview(path, 1) is None  # another revision of the overlay: not this one
    path.write_text("{not json", "utf-8")
    assert stored_preview(path, 0) is None
    bad = runner.invoke(args=["codebook", "preview", "virus", "en", "?!"])
    assert bad.exit_code == 1 and "at least one letter" in bad.output


def test_suggest_stores_what_the_console_reads_keyed_by_the_reviews(
    app: Flask, runner: FlaskCliRunner, event: Event, tmp_path: Path
):
    for text in (STALL, "Another stall-out closed three more stalls."):
        add_response(app, FIRST_SLUG, text=text, tags=reviewed([], ["economic_crisis"]))
    path = tmp_path / "suggestions" / "one.json"
    args = ["codebook", "suggest", "--store", str(path), "--event", FIRST_SLUG]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    with app.app_context():
        db = get_session()
        scope = db.scalar(select(Event).where(Event.slug == FIRST_SLUG))
        asked = suggestions_asked(db, scope, 2)
        stored = stored_suggestions(path, asked)
        assert stored is not None
        found, worked_out = stored
        assert [(s.level, s.term, s.support) for s in found if s.term == "stall-out"] == [
            ("economic_crisis", "stall-out", 2)
        ]
        assert abs((utcnow() - worked_out).total_seconds()) < 120
        assert stored_suggestions(path, suggestions_asked(db, scope, 3)) is None  # other filter
        assert stored_suggestions(path, suggestions_asked(db, None, 2)) is None
    add_response(app, FIRST_SLUG, text="The stall-out hurt.", tags=reviewed([], []))
    with app.app_context():
        db = get_session()
        # one review more: the stored list is out of date, and another file's question
        assert stored_suggestions(path, suggestions_asked(db, scope, 2)) is None
    path.write_text("{not json", "utf-8")
    with app.app_context():
        assert stored_suggestions(path, asked) is None

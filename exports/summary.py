"""The briefing workbook of an event: plain figures from :mod:`exports.data` to printed sheets.

Sheets, in order: Briefing (one landscape A4 page), Session ratings, Session comments, Policy
inputs, Impact matrix, then those of :mod:`exports.reference` (Quotes, Crosstabs, Follow-up
topics, Series, Codebook, Method). Each sheet opens with a title block, then holds its data
as Excel tables whose column names equal their header cells (what keeps Excel from
"repairing" the file). Every value goes through :class:`exports.cells.CellMaker`. Demo
answers are out of every figure unless ``include_demo`` (then every sheet's title says so).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from survey_db import counting
from survey_db.models import Event, Response
from survey_db.models.vocabulary import AREAS, GROUPS, LEVELS

from . import briefing as briefing_figures
from . import charts, data, reference
from .atomic import replacing
from .book import TITLE_ROWS, Book, Sheet

# Book and Sheet live in exports.book; the raw and filtered workbooks import them from here too.
__all__ = ["TITLE_ROWS", "Book", "Sheet", "build_summary"]

#: Characters of a session or theme title in charts and narrow columns.
SHORT_TITLE = 42


def write_briefing(book: Book, brief: briefing_figures.Briefing) -> None:
    """The event on one landscape A4 page: answers, what was left out and ratings on the
    left; levels, follow-up topics and caveats on the right; three quotes below both."""
    text = book.labels
    widths = (36, 16, 8, 9, 2, 56, 10, 10, 10, 10)
    sheet = book.sheet("sheet_briefing", widths, f"A{TITLE_ROWS + 1}", fit_height=True)
    short = briefing_figures.short
    counts = brief.counts
    left: list[tuple[list[Any], list[str]]] = []
    right: list[tuple[list[Any], list[str]]] = []

    left.append(([text["b_answers"], counts.counted], ["label", "label"]))
    left.append(([text.code("feedback"), counts.feedback], []))
    left.append(([text.code("input"), counts.inputs], []))
    left.append(([text["b_people"], counts.people], []))
    left.append(([text["b_by_channel"]], ["label"]))
    left += [([text.code(channel), n], []) for channel, n in sorted(counts.by_channel.items())]
    left.append(([text["b_left_out"]], ["label"]))
    for status, n in counts.left_out.items():
        if status != "demo" or not brief.include_demo:
            left.append(([text.code(status), n], []))
    if brief.include_demo:
        left.append(([text["b_demo_in"]], ["label"]))
    left.append(([], []))
    sessions_at = len(left)
    heads = [text["b_sessions"], text["n"], text["mean"], text["share_4_5"]]
    left.append((heads, ["header"] * 4))
    for row in brief.ranked:
        cells = [short(row.session, SHORT_TITLE), row.n, row.mean, row.share_4_5]
        left.append((cells, ["plain", "plain", "decimal", "percent"]))
    for key, found in (("b_best", brief.best), ("b_weakest", brief.weakest)):
        if found is not None:
            cells = [f"{text[key]}: {short(found.session, 34)}", found.n, found.mean]
            left.append((cells, ["plain", "plain", "decimal"]))
    left.append(([text["b_min_rated"].format(n=briefing_figures.MIN_RATED)], ["plain"]))

    right.append(([text["b_topics"], text["answers"]], ["header", "header"]))
    right += [([reference.topic_name(text, t), t.answers], []) for t in brief.topics]
    right.append(([], []))
    status = brief.status
    run = status.last_run
    finished = run.finished_at if run is not None else text["b_no_run"]
    right.append(([text["b_caveats"]], ["label"]))
    right.append(([text["b_machine"], status.machine], []))
    right.append(([text["b_reviewed"], status.reviewed], []))
    right.append(([text["b_not_tagged"], status.not_tagged], []))
    right.append(([text["b_last_run"], finished, text.code(run.status) if run else None], []))
    right.append(([text["b_never_tags"]], []))
    right.append(([], []))
    # the two tall header rows (sessions, levels) side by side
    gap = (len(right) + 1) - sessions_at
    if gap > 0:
        left[sessions_at:sessions_at] = [([], [])] * gap
    else:
        right += [([], [])] * -gap
    right.append(([text["b_levels"]], ["label"]))
    right.append(([text["theme"], *(text.code(level) for level in LEVELS)], ["header"] * 5))
    for title, counted in brief.levels:
        label = f"{short(title, 44)} ({text['n']} = {counted.tagged})"
        cells = [label, *(counted.share(level) for level in LEVELS)]
        right.append((cells, ["plain", *["percent"] * 4]))
    for index in range(max(len(left), len(right))):
        cells, styles = left[index] if index < len(left) else ([], [])
        more, more_styles = right[index] if index < len(right) else ([], [])
        pad = 5 - len(cells)
        sheet.append(
            [*cells, *[None] * pad, *more],
            [*styles, *["plain"] * (5 - len(styles)), *more_styles][: 5 + len(more)],
        )
    sheet.append([])
    sheet.heading(text["b_quotes"])
    themes = brief.facts.themes
    for quote in brief.quotes:
        where = f"{text.code(quote.level)}\n{short(themes.get(quote.theme_id, ''), 60)}"
        said = f"“{short(quote.text, briefing_figures.QUOTE_CHARS)}”"
        sheet.append([where, None, None, None, None, said], ["text", *["plain"] * 4, "text"])
    sheet.print_columns(len(widths))


def write_ratings(book: Book) -> None:
    """Per session, the overall rating's distribution as a chart; then every question's n,
    mean, median, share 4-5 and counts."""
    text = book.labels
    sheet = book.sheet("sheet_ratings", (44, 26, 8, 8, 9, 9, 9, 9, 9, 9, 9))
    rows = data.rating_rows(book.db, book.scope, book.facts)
    ranked = [row for row in data.ranked_sessions(rows) if row.n]
    sheet.heading(text["chart_data"])
    headers = [text["session"], text["n"], text["mean"], *(str(value) for value in range(1, 6))]
    lines = (
        (
            briefing_figures.short(row.session, SHORT_TITLE),
            row.n,
            row.mean,
            *(count / row.n for count in row.counts),
        )
        for row in ranked
    )
    first, last = sheet.table(
        "RatingChart", headers, lines, ["text", "top", "decimal", *["percent"] * 5], repeat=False
    )
    if ranked:
        space = charts.rows_for(len(ranked))
        charts.distribution_chart(
            sheet.ws, text["chart_ratings"], first - 1, last, 4, f"A{sheet.row + 2}", space
        )
        for _ in range(space + 2):
            sheet.append([])
    headers = [text["session"], text["question"], text["n"], text["mean"], text["median"]]
    headers += [text["share_4_5"], *(text["count_of"].format(value=v) for v in range(1, 6))]
    lines = (
        (r.session, text.code(r.question), r.n, r.mean, r.median, r.share_4_5, *r.counts)
        for r in rows
    )
    styles = ["text", "top", "top", "decimal", "decimal", "percent", *["top"] * 5]
    sheet.table("Ratings", headers, lines, styles, repeat=True)


def _flags(codes: list[str], vocabulary: tuple[str, ...]) -> list[int]:
    found = set(codes)
    return [1 if code in found else 0 for code in vocabulary]


class _Column(NamedTuple):
    header: str
    width: float
    style: str
    value: Callable[[data.AnswerRow], Any]


def _answer_columns(book: Book, kind: str, target: dict[str, Any]) -> tuple[list[_Column], int]:
    """The columns of an answer sheet, those printed first; and how many are printed.

    ``target["ws"]`` is the sheet the rows go to, once made: a link belongs to its sheet.
    """
    text = book.labels
    feedback = kind == "feedback"
    places = data.place_titles(book.facts, kind)
    yes, no = text["yes"], text["no"]
    short = briefing_figures.short

    def link(row: data.AnswerRow) -> Any:
        url = book.response_link(row.response_id)
        return book.cells.link(target["ws"], row.response_id, url)

    def source(row: data.AnswerRow) -> str:
        return text.code(row.review_state) if row.review_state else text["not_tagged"]

    def evidence(row: data.AnswerRow) -> str | None:
        found = (f"{text.code(lv)}: {', '.join(words)}" for lv, words in row.evidence.items())
        return "; ".join(found) or None

    fields = ("most_useful", "improve", "next_topics") if feedback else ("text",)
    printed = [
        _Column(text["response_id"], 8, "top", link),
        _Column(
            text["session" if feedback else "theme"],
            18,
            "text",
            lambda row: short(places.get(row.place_id, ""), 34),
        ),
        _Column(text["stakeholder_col"], 13, "top", lambda row: text.code(row.stakeholder)),
        _Column(text["language"], 9, "top", lambda row: text.code(row.language)),
        *(
            _Column(
                text.code(field) if feedback else text["text"],
                46 if feedback else 120,
                "text",
                lambda row, field=field: row.texts[field],
            )
            for field in fields
        ),
        _Column(text["levels_codes"], 17, "text", lambda row: " ".join(row.levels) or None),
        _Column(text["sentiment"], 10, "decimal", lambda row: row.sentiment),
        _Column(text["tags_from"], 12, "text", source),
        _Column(text["name"], 13, "text", lambda row: row.name),
    ]
    on_screen = [
        _Column(text["attendance"], 10, "plain", lambda row: text.code(row.attendance)),
        _Column(text["channel"], 10, "plain", lambda row: text.code(row.channel)),
        _Column(text["amended"], 8, "plain", lambda row: yes if row.amended else no),
        _Column(text["submitted"], 15, "plain", lambda row: row.submitted),
        _Column(text["levels"], 30, "plain", lambda row: text.codes(row.levels)),
        _Column(text["groups_names"], 30, "plain", lambda row: text.codes(row.groups)),
        _Column(text["areas_names"], 30, "plain", lambda row: text.codes(row.areas)),
        _Column(text["evidence"], 40, "plain", evidence),
        _Column(text["organisation"], 16, "plain", lambda row: row.organisation),
        _Column(text["quote_ok"], 8, "plain", lambda row: yes if row.quote_ok else no),
        _Column(text["groups_codes"], 24, "plain", lambda row: " ".join(row.groups) or None),
        _Column(text["areas_codes"], 24, "plain", lambda row: " ".join(row.areas) or None),
    ]
    for prefix, codes, get in (
        ("level", LEVELS, lambda row: row.levels),
        ("group", GROUPS, lambda row: row.groups),
        ("area", AREAS, lambda row: row.areas),
    ):
        on_screen += [
            _Column(
                f"{prefix}_{code}",
                len(prefix) + len(code) + 4,  # wide enough for its header on one line
                "plain",
                lambda row, code=code, get=get: 1 if code in get(row) else 0,
            )
            for code in codes
        ]
    return printed + on_screen, len(printed)


def write_answers(book: Book, kind: str) -> None:
    """One row per answer with text: its id (a link to the console), where, who, the texts,
    the tags that count as names, as codes and as 0/1 columns; names only with consent.

    The columns a reader needs on paper come first and only they print; the rest (for
    filters and pivot tables) stay on screen.
    """
    text = book.labels
    key = "sheet_comments" if kind == "feedback" else "sheet_inputs"
    target: dict[str, Any] = {}
    columns, printed = _answer_columns(book, kind, target)
    sheet = book.sheet(key, [column.width for column in columns], "C7")
    target["ws"] = sheet.ws
    sheet.note(text["print_note"])
    rows = (
        [column.value(row) for column in columns]
        for row in data.answer_rows(book.db, book.scope, kind)
    )
    styles = [column.style for column in columns]
    headers = [column.header for column in columns]
    sheet.table("Comments" if kind == "feedback" else "Inputs", headers, rows, styles)
    sheet.print_columns(printed)


def write_matrix(book: Book) -> None:
    """Levels by session and by theme (and by group and area): counts and shares of the
    tagged answers with text, and a chart of the shares by theme and session feedback."""
    text = book.labels
    widths = (44, 14, 10, 10, *([11] * (2 * len(LEVELS))))
    sheet = book.sheet("sheet_matrix", widths)
    sheet.note(text["matrix_note"])
    db, scope, facts = book.db, book.scope, book.facts
    short = briefing_figures.short
    chart_rows = briefing_figures.level_rows(db, scope, facts, text["session_feedback"])
    headers = [text["theme"], *(text.code(level) for level in LEVELS)]
    lines = (
        [short(title, SHORT_TITLE), *(counted.share(level) for level in LEVELS)]
        for title, counted in chart_rows
    )
    first, last = sheet.table(
        "LevelChart", headers, lines, ["text", *["percent"] * 4], repeat=False
    )
    space = charts.rows_for(len(chart_rows) * len(LEVELS), 0.45, 7)
    charts.level_chart(
        sheet.ws, text["chart_levels"], first - 1, last, 2, len(LEVELS), f"A{sheet.row + 2}", space
    )
    for _ in range(space + 2):
        sheet.append([])
    by_session = {
        row.key: row for row in data.levels_by(db, scope, Response.session_id, "feedback")
    }
    by_theme = {row.key: row for row in data.levels_by(db, scope, Response.theme_id, "input")}
    empty = data.LevelCounts(None, 0, 0, dict.fromkeys(LEVELS, 0))
    cells: list[tuple[str, str, data.LevelCounts]] = []
    cells += [
        (text["dim_session"], title, by_session.get(ident, empty))
        for ident, title in facts.sessions.items()
    ]
    cells += [
        (text["dim_theme"], title, by_theme.get(ident, empty))
        for ident, title in facts.themes.items()
    ]
    cells += [
        (text["dim_group"], text.code(code), data.levels_where(db, scope, counting.has_group(code)))
        for code in GROUPS
    ]
    cells += [
        (text["dim_area"], text.code(code), data.levels_where(db, scope, counting.has_area(code)))
        for code in AREAS
    ]
    headers = [text["value"], text["dimension"], text["with_text"], text["tagged_with_text"]]
    headers += [text.code(level) for level in LEVELS]
    headers += [text["share_of"].format(level=text.code(level)) for level in LEVELS]
    lines = (
        [title, dimension, counted.with_text, counted.tagged]
        + [counted.levels[level] for level in LEVELS]
        + [counted.share(level) for level in LEVELS]
        for dimension, title, counted in cells
    )
    styles = ["text", "top", "top", "top", *["top"] * len(LEVELS)]
    sheet.table("ImpactMatrix", headers, lines, styles + ["percent"] * len(LEVELS), repeat=True)


def build_summary(
    session: Session,
    event: Event,
    path: str | Path,
    *,
    lang: str = "en",
    pace: Callable[[], None] | None = None,
    visible_event_ids: Collection[int] | None = None,
    include_demo: bool = False,
    base_url: str = "",
) -> Path:
    """Write the briefing workbook of ``event`` to ``path`` atomically and return the path.

    The file appears complete or not at all: it is written beside ``path`` under a temporary
    name and renamed into place. ``lang`` (``en`` or ``zh``) picks the labels and titles;
    ``pace``, if given, is called after every row (the nightly job pauses in it under load).
    Demo answers count only with ``include_demo``. The Series sheet compares only events the
    reader may see (``visible_event_ids``; None for an admin) and never a draft
    (:func:`exports.data.compared_events`). ``base_url`` (the app's public address) makes
    each answer's id a link to its page in the console. Nothing here runs the tagger.
    """
    event = session.get(Event, event.id) or event
    book = Book(session, event, lang, pace, include_demo=include_demo, base_url=base_url)
    try:
        brief = briefing_figures.briefing(
            session,
            event,
            lang,
            include_demo=include_demo,
            feedback_label=book.labels["session_feedback"],
        )
        write_briefing(book, brief)
        write_ratings(book)
        write_answers(book, "feedback")
        write_answers(book, "input")
        write_matrix(book)
        reference.write_all(book, visible_event_ids, brief.all_quotes, brief.all_topics)
        target = Path(path)
        with replacing(target) as temporary:
            book.workbook.save(temporary)
    except BaseException:
        book.discard()
        raise
    return target

"""The summary workbook of an event: plain rows from :mod:`exports.data` to write-only sheets.

Each sheet opens with a title block, then holds its data as Excel tables whose column names
equal their header cells (what keeps Excel from "repairing" the file). Every value goes
through :class:`exports.cells.CellMaker`. On the sheets with a row per answer only the free
text and the tag lists wrap: a row is as tall as its text, not its session title, and an
unstyled cell is the cheapest one to write.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from sqlalchemy.orm import Session

from pipeline import TAGGER_VERSION, load_codebook
from survey_db.models import Event, utcnow
from survey_db.models.vocabulary import AREAS, GROUPS, LEVELS

from . import data, topics
from .atomic import replacing
from .cells import CellMaker, safe_sheet_title
from .labels import Labels

#: Rows above each sheet's first table: title, date, generated at, tagger version, blank.
TITLE_ROWS = 5
_TABLE_STYLE = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)


class Sheet:
    """One write-only worksheet that knows its current row and writes tables."""

    def __init__(self, book: Book, title: str, widths: Sequence[float], freeze: str) -> None:
        self.book = book
        taken = [ws.title for ws in book.workbook.worksheets]
        self.ws = book.workbook.create_sheet(safe_sheet_title(title, taken))
        for index, width in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.ws.freeze_panes = freeze
        self.row = 0
        self.append([book.facts.title], ["title"])
        for label, value in book.title_block:
            self.append([label, value], ["label", "plain"])
        self.append([])

    def append(self, values: Sequence[Any], styles: Sequence[str] = ()) -> None:
        """Write one row; ``styles`` name each cell's look (plain by default)."""
        cells = self.book.cells
        looks = list(styles) + ["plain"] * (len(values) - len(styles))
        self.ws.append(
            [cells(self.ws, value, look) for value, look in zip(values, looks, strict=True)]
        )
        self.row += 1
        if self.book.pace is not None:
            self.book.pace()

    def heading(self, text: str) -> None:
        """A bold line introducing the next table."""
        self.append([text], ["label"])

    def table(
        self,
        name: str,
        headers: Sequence[str],
        rows: Iterable[Sequence[Any]],
        styles: Sequence[str],
    ) -> tuple[int, int]:
        """Stream ``rows`` under ``headers`` as an Excel table; return its first and last data row.

        Excel wants a table to hold at least one data row, so an empty one gets a blank row.
        """
        header_cells = [self.book.cells(self.ws, text, "header") for text in headers]
        self.ws.append(header_cells)
        self.row += 1
        first = self.row + 1
        for values in rows:
            self.append(values, styles)
        if self.row < first:
            self.append([None] * len(headers))
        ref = f"A{first - 1}:{get_column_letter(len(headers))}{self.row}"
        columns = [TableColumn(id=n, name=cell.value) for n, cell in enumerate(header_cells, 1)]
        table = Table(
            displayName=name,
            ref=ref,
            autoFilter=AutoFilter(ref=ref),
            tableColumns=columns,
            tableStyleInfo=_TABLE_STYLE,
        )
        with warnings.catch_warnings():
            # openpyxl warns that write-only tables need their columns named by hand: done above.
            warnings.simplefilter("ignore", UserWarning)
            self.ws.add_table(table)
        return first, self.row


class Book:
    """The workbook being built, with the one cell maker and the shared title block."""

    def __init__(
        self, db: Session, event: Event, lang: str, pace: Callable[[], None] | None = None
    ) -> None:
        self.db = db
        self.event = event
        self.pace = pace
        self.labels = Labels(lang)
        self.facts = data.event_facts(db, event, lang)
        self.cells = CellMaker(event.timezone)
        self.workbook = Workbook(write_only=True)
        self.tagger_version = TAGGER_VERSION
        text = self.labels
        found = ", ".join(self.facts.tagger_versions) or text["none_yet"]
        self.title_block: list[tuple[str, Any]] = [
            (text["date"], self.facts.date),
            (text["generated_at"], utcnow()),
            (
                text["tagger_version"],
                text["tagger_versions_line"].format(found=found, current=self.tagger_version),
            ),
        ]

    def discard(self) -> None:
        """Finish the sheets of a workbook that will not be saved.

        Open write-only sheets hold a generator on a temporary file; closed here they end
        cleanly instead of failing later in the garbage collector.
        """
        for ws in self.workbook.worksheets:
            if not ws.closed:
                ws.close()

    def sheet(self, key: str, widths: Sequence[float], freeze: str | None = None) -> Sheet:
        """A new sheet titled in the workbook's language, frozen below its first header."""
        return Sheet(self, self.labels[key], widths, freeze or f"A{TITLE_ROWS + 2}")


def write_overview(book: Book) -> None:
    """Responses by session, theme, attendance, stakeholder and language; the latest run."""
    text = book.labels
    sheet = book.sheet("sheet_overview", (60, 16, 20, 12, 12, 12), f"A{TITLE_ROWS + 1}")
    counts = data.response_counts(book.db, book.event, text.lang)
    sections = (
        ("session", "by_session", "session", False),
        ("theme", "by_theme", "theme", False),
        ("attendance", "by_attendance", "attendance", True),
        ("stakeholder", "by_stakeholder", "stakeholder", True),
        ("language", "by_language", "language", True),
    )
    for key, heading, header, coded in sections:
        sheet.heading(text[heading])
        rows = [(text.code(value) if coded else value, n) for value, n in counts[key]]
        sheet.table(f"Overview_{key}", [text[header], text["responses"]], rows, ["text"])
        sheet.append([])
    sheet.heading(text["latest_run"])
    run = data.latest_run(book.db)
    if run is not None:
        for label, value in (
            ("run_started", run.started_at),
            ("run_finished", run.finished_at),
            ("run_status", run.status),
            ("run_mode", run.mode),
            ("tagger_version", run.tagger_version),
            ("run_selected", run.selected),
            ("run_tagged", run.tagged),
        ):
            sheet.append([text[label], value])
    else:
        sheet.append([text["none_yet"]])
    sheet.append([])
    sheet.heading(text["counting_rule"])
    sheet.append([text["counting_text"]], ["text"])


def write_ratings(book: Book) -> None:
    """Per question and session: n, mean, median, share 4-5, the counts; a chart of overall."""
    text = book.labels
    sheet = book.sheet("sheet_ratings", (60, 24, 8, 8, 8, 10, 9, 9, 9, 9, 9))
    headers = [text["session"], text["question"], text["n"], text["mean"], text["median"]]
    headers += [text["share_4_5"], *(text["count_of"].format(value=v) for v in range(1, 6))]
    rows = data.rating_rows(book.db, book.event, book.facts)
    lines = (
        (r.session, text.code(r.question), r.n, r.mean, r.median, r.share_4_5, *r.counts)
        for r in rows
    )
    styles = ["text", "plain", "plain", "decimal", "decimal", "percent"]
    first, _ = sheet.table("Ratings", headers, lines, styles)
    sessions = len(book.facts.sessions)
    if sessions:
        chart = BarChart()
        chart.type = "bar"
        chart.title = text["chart_overall"]
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 5
        chart.height = max(7.5, sessions * 0.9)
        chart.width = 22
        last = first + sessions - 1
        chart.add_data(
            Reference(sheet.ws, min_col=4, min_row=first - 1, max_row=last), titles_from_data=True
        )
        chart.set_categories(Reference(sheet.ws, min_col=1, min_row=first, max_row=last))
        sheet.ws.add_chart(chart, f"M{TITLE_ROWS + 1}")


def _person_columns(text: Labels) -> list[str]:
    return [text["name"], text["organisation"], text["quote_ok"]]


def write_comments(book: Book) -> None:
    """Every comment by session and question, with its sentiment and impact levels."""
    text = book.labels
    sheet = book.sheet("sheet_comments", (40, 16, 17, 80, 10, 10, 30, 18, 20, 24, 10))
    headers = [text["session"], text["question"], text["submitted"], text["comment"]]
    headers += [text["language"], text["sentiment"], text["levels"], text["tag_source"]]
    headers += _person_columns(text)
    rows = (
        (
            row.session,
            text.code(row.question),
            row.submitted,
            row.text,
            text.code(row.language),
            row.sentiment,
            text.codes(row.levels),
            text.code(row.tag_source) if row.tag_source else None,
            row.name,
            row.organisation,
            text["yes" if row.quote_ok else "no"],
        )
        for row in data.comment_rows(book.db, book.event, book.facts)
    )
    styles = ["plain", "plain", "plain", "text", "plain", "decimal", "text"]
    sheet.table("Comments", headers, rows, styles)


def write_inputs(book: Book) -> None:
    """One row per policy input: theme, text, groups, areas, levels and who made each tag."""
    text = book.labels
    widths = (40, 17, 80, 10, *([24] * 6), *([14] * len(LEVELS)), 40, 10, 12, 18, 20, 24, 10)
    sheet = book.sheet("sheet_inputs", widths)
    headers = [text["theme"], text["submitted"], text["text"], text["language"]]
    headers += [text[key] for key in ("groups", "groups_attendee", "groups_tagger")]
    headers += [text[key] for key in ("areas", "areas_attendee", "areas_tagger")]
    headers += [text.code(level) for level in LEVELS]
    headers += [text["evidence"], text["sentiment"], text["reviewed"], text["tag_source"]]
    headers += _person_columns(text)
    sources = {"machine": text.code("machine"), "confirmed": text.code("confirmed")}
    sources |= {"added": text["level_added"], "removed": text["level_removed"]}

    def line(row: data.InputRow) -> list[Any]:
        evidence = "; ".join(
            f"{text.code(level)}: {', '.join(words)}" for level, words in row.evidence.items()
        )
        return [
            row.theme,
            row.submitted,
            row.text,
            text.code(row.language),
            *(text.codes(codes) for codes in (row.groups, row.groups_attendee, row.groups_tagger)),
            *(text.codes(codes) for codes in (row.areas, row.areas_attendee, row.areas_tagger)),
            *(sources.get(row.level_sources.get(level, ""), None) for level in LEVELS),
            evidence or None,
            row.sentiment,
            text["yes" if row.review_state not in (None, "machine") else "no"],
            text.code(row.review_state) if row.review_state else None,
            row.name,
            row.organisation,
            text["yes" if row.quote_ok else "no"],
        ]

    styles = ["plain", "plain", "text", "plain", *(["text"] * 6), *(["plain"] * len(LEVELS))]
    styles += ["text", "decimal"]
    rows = (line(row) for row in data.input_rows(book.db, book.event, book.facts))
    sheet.table("Inputs", headers, rows, styles)


def write_matrix(book: Book) -> None:
    """Counts and shares of each level by theme, group and area, with a chart by theme."""
    text = book.labels
    sheet = book.sheet("sheet_matrix", (14, 60, 12, *([12] * (2 * len(LEVELS)))))
    matrix = data.impact_matrix(book.db, book.event)
    headers = [text["dimension"], text["value"], text["tagged"]]
    headers += [text.code(level) for level in LEVELS]
    headers += [text["share_of"].format(level=text.code(level)) for level in LEVELS]
    names = {**book.facts.themes, "feedback": text["session_feedback"]}
    rows: list[list[Any]] = []
    for dimension, buckets, order in (
        ("dim_theme", matrix.themes, list(names)),
        ("dim_group", matrix.groups, GROUPS),
        ("dim_area", matrix.areas, AREAS),
    ):
        for key in order:
            bucket = buckets.get(key, data.Bucket())
            n = bucket.tagged
            shares = [bucket.levels[level] / n if n else None for level in LEVELS]
            label = names[key] if dimension == "dim_theme" else text.code(key)
            rows.append([text[dimension], label, n, *(bucket.levels[lv] for lv in LEVELS), *shares])
    styles = ["plain", "text", "plain", *(["plain"] * len(LEVELS)), *(["percent"] * len(LEVELS))]
    first, _ = sheet.table("ImpactMatrix", headers, rows, styles)
    sheet.append([])
    sheet.append([text["untagged"], matrix.untagged], ["label"])
    chart = BarChart()
    chart.title = text["chart_matrix"]
    chart.y_axis.number_format = "0%"
    chart.width = 24
    last = first + len(names) - 1
    shares_from = 4 + len(LEVELS)
    values = Reference(
        sheet.ws,
        min_col=shares_from,
        max_col=shares_from + len(LEVELS) - 1,
        min_row=first - 1,
        max_row=last,
    )
    chart.add_data(values, titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=2, min_row=first, max_row=last))
    sheet.ws.add_chart(chart, f"{get_column_letter(shares_from + len(LEVELS) + 1)}{TITLE_ROWS + 1}")


def write_topics(book: Book) -> None:
    """The most frequent phrases among the follow-up topics, then every answer."""
    text = book.labels
    sheet = book.sheet("sheet_topics", (40, 17, 80, 10, 20, 24), f"A{TITLE_ROWS + 1}")
    sheet.heading(text["phrases"])
    sheet.append([text["topic_note"]], ["text"])
    phrases = topics.topic_phrases(book.db, book.event)
    sheet.table("TopicPhrases", [text["phrase"], text["answers"]], phrases, ["text"])
    sheet.append([])
    sheet.heading(text["topic_answers"])
    headers = [text["session"], text["submitted"], text["text"], text["language"]]
    headers += [text["name"], text["organisation"]]
    rows = (
        (row.session, row.submitted, row.text, text.code(row.language), row.name, row.organisation)
        for row in topics.topic_rows(book.db, book.event, book.facts)
    )
    sheet.table("TopicAnswers", headers, rows, ["plain", "plain", "text"])


def write_series(book: Book, compared: list[data.SeriesRow]) -> None:
    """The headline figures of the events of the series the reader may compare, side by side."""
    text = book.labels
    sheet = book.sheet("sheet_series", (60, 12, 12, 12, 12, 14, 14, 14, *([14] * len(LEVELS))))
    headers = [text["event"], text["date"], text["responses"], text["feedback"], text["inputs"]]
    headers += [text["mean_overall"], text["share_overall_4_5"], text["tagged"]]
    headers += [text["share_inputs_level"].format(level=text.code(level)) for level in LEVELS]
    rows = (
        (
            r.title,
            r.date,
            r.responses,
            r.feedback,
            r.inputs,
            r.mean_overall,
            r.share_overall_4_5,
            r.tagged_inputs,
            *(r.level_shares[level] for level in LEVELS),
        )
        for r in compared
    )
    styles = ["text", "plain", "plain", "plain", "plain", "decimal", "percent", "plain"]
    sheet.table("Series", headers, rows, styles + ["percent"] * len(LEVELS))


def write_method(book: Book) -> None:
    """Levels and their definitions, how tags are made, caveats, and repairs made to texts."""
    text = book.labels
    sheet = book.sheet("sheet_method", (36, 100), f"A{TITLE_ROWS + 1}")
    codebook = load_codebook()
    sheet.heading(text["method_levels"])
    rows = (
        (text.code(level.code), getattr(level, f"definition_{text.lang}"))
        for level in codebook.levels
    )
    sheet.table("Levels", [text["level"], text["definition"]], rows, ["text", "text"])
    sheet.append([])
    for heading, body in (
        ("method_how", "method_how_text"),
        ("counting_rule", "counting_text"),
        ("method_caveats", "method_caveats_text"),
    ):
        sheet.append([text[heading], text[body]], ["label", "text"])
    sheet.append([text["tagger_version"], book.tagger_version], ["label"])
    sheet.append([])
    sheet.heading(text["method_repairs"])
    sheet.append([text["replaced_chars"], book.cells.replaced], ["text"])
    sheet.append([text["cut_cells"], book.cells.cut], ["text"])


def build_summary(
    session: Session,
    event: Event,
    path: str | Path,
    *,
    lang: str = "en",
    pace: Callable[[], None] | None = None,
    visible_event_ids: Collection[int] | None = None,
) -> Path:
    """Write the summary workbook of ``event`` to ``path`` atomically and return the path.

    The file appears complete or not at all: it is written beside ``path`` under a temporary
    name and renamed into place. ``lang`` (``en`` or ``zh``) picks the labels and titles;
    ``pace``, if given, is called after every row (the nightly job pauses in it under load).
    The Series sheet compares only events the reader may see (``visible_event_ids``; None
    for an admin) and never a draft (:func:`exports.data.compared_events`).
    """
    event = session.get(Event, event.id) or event
    book = Book(session, event, lang, pace)
    try:
        for write in (write_overview, write_ratings, write_comments, write_inputs, write_matrix):
            write(book)
        write_topics(book)
        compared = data.series_rows(session, event, lang, visible_event_ids)
        if len(compared) > 1:
            write_series(book, compared)
        write_method(book)
        target = Path(path)
        with replacing(target) as temporary:
            book.workbook.save(temporary)
    except BaseException:
        book.discard()
        raise
    return target

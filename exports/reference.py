"""The briefing workbook's later sheets: Quotes, Crosstabs, Follow-up topics, Series, Codebook
and Method. Each reads plain figures from the ``exports`` data modules and writes one sheet."""

from __future__ import annotations

from collections.abc import Collection

from pipeline.codebook import bundled_codebook
from survey_db.models import Response
from survey_db.models.vocabulary import (
    AREAS,
    ATTENDANCE,
    CHANNELS,
    FEEDBACK_TEXT_FIELDS,
    GROUPS,
    LANGUAGES,
    LEVELS,
    RATING_FIELDS,
    STAKEHOLDERS,
)

from . import charts, crosstabs, data, quotes, topics
from .book import Book
from .briefing import short
from .labels import QUESTIONS, Labels

#: Characters of a session or theme title in narrow columns.
SHORT_TITLE = 42


def topic_name(text: Labels, topic: topics.Topic) -> str:
    """A topic as a reader knows it: a group's or area's name, or the phrase itself."""
    return topic.key if topic.kind == "phrase" else text.code(topic.key)


def write_quotes(book: Book, found: list[quotes.Quote]) -> None:
    """Per level and theme, the most representative answers that may be quoted."""
    text = book.labels
    sheet = book.sheet("sheet_quotes", (24, 30, 90, 9, 9, 10, 18, 20))
    sheet.append([text["quote_rule"], text["quote_rule_text"]], ["label", "text"])
    sheet.append([])
    headers = [text["level"], text["theme"], text["text"], text["language"], text["response_id"]]
    headers += [text["score"], text["name"], text["organisation"]]
    found = list(found)
    order = {level: n for n, level in enumerate(LEVELS)}
    themes = list(book.facts.themes)
    found.sort(key=lambda q: (order.get(q.level, 9), themes.index(q.theme_id), -q.score))
    rows = (
        [
            text.code(quote.level),
            short(book.facts.themes.get(quote.theme_id, ""), SHORT_TITLE),
            quote.text,
            text.code(quote.language),
            book.cells.link(sheet.ws, quote.response_id, book.response_link(quote.response_id)),
            quote.score,
            quote.name,
            quote.organisation,
        ]
        for quote in found
    )
    sheet.table("Quotes", headers, rows, ["text", "text", "text", "plain", "plain", "decimal"])


def write_crosstabs(book: Book) -> None:
    """Overall ratings by stakeholder, attendance and language; levels by session and by
    stakeholder."""
    text = book.labels
    sheet = book.sheet("sheet_crosstabs", (40, 8, 8, 9, *([9] * 5)), f"A{TITLE_ROWS_PLUS}")
    for name in crosstabs.RATING_BY:
        dimension = text["form_language"] if name == "language" else text[name]
        sheet.heading(text["cross_ratings"].format(dimension=dimension))
        headers = [dimension, text["n"], text["mean"], text["share_4_5"]]
        headers += [text["count_of"].format(value=v) for v in range(1, 6)]
        lines = []
        for found in crosstabs.ratings_by(book.db, book.scope, name):
            row = data.distribution_row(0, "", "overall", list(found.counts))
            lines.append([text.code(found.value), row.n, row.mean, row.share_4_5, *row.counts])
        table = f"Ratings_by_{name}"
        sheet.table(table, headers, lines, ["text", "plain", "decimal", "percent"])
        sheet.append([])
    level_heads = [text["with_text"], text["tagged_with_text"]]
    level_heads += [text["share_of"].format(level=text.code(level)) for level in LEVELS]
    styles = ["text", "plain", "plain", *["percent"] * len(LEVELS)]
    by_session = {
        row.key: row for row in data.levels_by(book.db, book.scope, Response.session_id, "feedback")
    }
    sheet.heading(text["cross_levels"].format(dimension=text["session"]))
    lines = [
        [short(title, SHORT_TITLE), counted.with_text, counted.tagged]
        + [counted.share(level) for level in LEVELS]
        for ident, title in book.facts.sessions.items()
        if (counted := by_session.get(ident)) is not None
    ]
    sheet.table("Levels_by_session", [text["session"], *level_heads], lines, styles)
    sheet.append([])
    sheet.heading(text["cross_levels"].format(dimension=text["stakeholder"]))
    lines = [
        [text.code(counted.key), counted.with_text, counted.tagged]
        + [counted.share(level) for level in LEVELS]
        for counted in crosstabs.levels_by_stakeholder(book.db, book.scope)
    ]
    sheet.table("Levels_by_stakeholder", [text["stakeholder"], *level_heads], lines, styles)


#: The crosstabs sheet holds several tables: freeze only the title block.
TITLE_ROWS_PLUS = 6


def write_topics(book: Book, found: topics.Topics) -> None:
    """Follow-up topics grouped across both languages, by session and by theme."""
    text = book.labels
    sessions = [
        ident for ident in book.facts.sessions if any(t.by_session[ident] for t in found.topics)
    ]
    themes = list(book.facts.themes)
    widths = (34, 9, 9, *([11] * (len(sessions) + len(themes))))
    sheet = book.sheet("sheet_topics", widths)
    sheet.note(text["topics_rule"].format(n=found.answers))
    kinds = {"group": text["kind_group"], "area": text["kind_area"], "phrase": text["kind_phrase"]}
    headers = [text["topic"], text["topic_kind"], text["all_sessions"]]
    used: set[str] = {header.casefold() for header in headers}
    for title in [book.facts.sessions[i] for i in sessions] + [
        text["inputs_on"].format(theme=book.facts.themes[i]) for i in themes
    ]:
        headers.append(_unique(short(title, 30), used))
    rows = (
        [topic_name(text, topic), kinds[topic.kind], topic.answers]
        + [topic.by_session[ident] or None for ident in sessions]
        + [topic.by_theme[ident] or None for ident in themes]
        for topic in found.topics
    )
    sheet.table("Topics", headers, rows, ["text"])


def _unique(header: str, used: set[str]) -> str:
    """A table column name not yet taken (Excel compares them without case)."""
    candidate, number = header, 1
    while candidate.casefold() in used:
        number += 1
        candidate = f"{header} ({number})"
    used.add(candidate.casefold())
    return candidate


def write_series(book: Book, compared: list[data.SeriesRow]) -> None:
    """Every event of the series the reader may see, this one marked, the change from the
    previous event, level shares and a trend chart."""
    text = book.labels
    widths = (44, 12, 10, 9, 9, 9, 9, 10, 10, 10, 10, *([12] * len(LEVELS)))
    sheet = book.sheet("sheet_series", widths)
    headers = [text["event"], text["date"], text["this_event"], text["responses"]]
    headers += [text["change_answers"], text["feedback"], text["inputs"]]
    headers += [text["mean_overall"], text["change_mean"], text["share_overall_4_5"]]
    headers += [text["tagged_inputs"]]
    headers += [text["share_inputs_level"].format(level=text.code(lv)) for lv in LEVELS]
    lines = []
    before: data.SeriesRow | None = None
    for row in compared:
        mean_change = None
        if before is not None and row.mean_overall is not None and before.mean_overall is not None:
            mean_change = row.mean_overall - before.mean_overall
        lines.append(
            [
                row.title,
                row.date,
                "✓" if row.event_id == book.event.id else None,
                row.responses,
                row.responses - before.responses if before is not None else None,
                row.feedback,
                row.inputs,
                row.mean_overall,
                mean_change,
                row.share_overall_4_5,
                row.tagged_inputs,
                *(row.level_shares[level] for level in LEVELS),
            ]
        )
        before = row
    styles = ["text", "plain", "flag", "plain", "plain", "plain", "plain", "decimal", "decimal"]
    styles += ["percent", "plain", *["percent"] * len(LEVELS)]
    first, last = sheet.table("Series", headers, lines, styles)
    space = 18
    charts.trend_chart(
        sheet.ws,
        text["chart_series"],
        first - 1,
        last,
        12,
        len(LEVELS),
        f"A{sheet.row + 2}",
        space,
    )
    for _ in range(space + 2):
        sheet.append([])


def write_codebook(book: Book) -> None:
    """The questions in both languages with their answer codes; the levels, groups and areas
    with their definitions; what sentiment means and where it is missing."""
    text = book.labels
    en, zh = Labels("en"), Labels("zh")
    sheet = book.sheet("sheet_codebook", (18, 44, 36, 60))
    sheet.heading(text["cb_questions"])
    answers = {
        **dict.fromkeys(RATING_FIELDS, text["cb_scale"]),
        **dict.fromkeys((*FEEDBACK_TEXT_FIELDS, "text"), text["cb_free_text"]),
        "theme": "; ".join(book.facts.themes.values()),
        "groups": _codes(text, GROUPS),
        "areas": _codes(text, AREAS),
        "attendance": _codes(text, ATTENDANCE),
        "stakeholder": _codes(text, STAKEHOLDERS),
        "quote_ok": f"1 = {text['yes']}, 0 = {text['no']}",
        "show_name": f"1 = {text['yes']}, 0 = {text['no']}",
    }
    rows = (
        [code, wording_en, wording_zh, answers[code]]
        for code, (wording_en, wording_zh) in QUESTIONS.items()
    )
    headers = [text["cb_code"], text["cb_wording_en"], text["cb_wording_zh"]]
    sheet.table("Questions", [*headers, text["cb_answer_codes"]], rows, ["plain", *["text"] * 3])
    sheet.append([])
    sheet.heading(text["cb_categories"])
    book_codes = bundled_codebook()
    kinds = (
        (text["level"], book_codes.levels),
        (text["kind_group"], book_codes.groups),
        (text["kind_area"], book_codes.areas),
    )
    rows = (
        [
            category.code,
            f"{en.code(category.code)}\n{zh.code(category.code)}",
            kind,
            f"{category.definition_en}\n{category.definition_zh}",
        ]
        for kind, categories in kinds
        for category in categories
    )
    headers = [text["cb_code"], text["cb_name"], text["cb_kind"], text["cb_definition"]]
    sheet.table("Codes", headers, rows, ["plain", "text", "plain", "text"])
    sheet.append([])
    sheet.heading(text["cb_other"])
    others = [
        (text["channel"], CHANNELS),
        (text["language"], LANGUAGES),
        (text["tags_from"], ("machine", "confirmed", "changed")),
    ]
    rows = ([label, _codes(text, codes)] for label, codes in others)
    sheet.table("OtherCodes", [text["cb_kind"], text["cb_answer_codes"]], rows, ["text", "text"])
    sheet.append([])
    sheet.append([text["cb_sentiment"], text["cb_sentiment_text"]], ["label", "text"])


def _codes(text: Labels, codes: tuple[str, ...]) -> str:
    return "; ".join(f"{code} = {text.code(code)}" for code in codes)


def write_method(book: Book) -> None:
    """How tags are made and counted, who counts as a person, demo answers, caveats, repairs."""
    text = book.labels
    sheet = book.sheet("sheet_method", (36, 100), f"A{TITLE_ROWS_PLUS}", landscape=False)
    demo = "method_demo_in" if book.scope.include_demo else "method_demo_out"
    for heading, body in (
        ("method_how", text["method_how_text"]),
        ("counting_rule", text["counting_text"]),
        ("method_demo", text[demo]),
        ("method_people", text["method_people_text"]),
        ("quote_rule", text["quote_rule_text"]),
        ("cb_sentiment", text["cb_sentiment_text"]),
        ("method_caveats", text["method_caveats_text"]),
    ):
        sheet.append([text[heading], body], ["label", "text"])
    sheet.append([text["tagger_version"], book.tagger_version], ["label"])
    sheet.append([])
    sheet.heading(text["method_repairs"])
    sheet.append([text["replaced_chars"], book.cells.replaced], ["text"])
    sheet.append([text["cut_cells"], book.cells.cut], ["text"])


def write_all(
    book: Book,
    visible_event_ids: Collection[int] | None,
    found_quotes: list[quotes.Quote],
    found_topics: topics.Topics,
) -> None:
    """Write the sheets after the Impact matrix, in order (quotes and topics counted once,
    for the Briefing)."""
    write_quotes(book, found_quotes)
    write_crosstabs(book)
    write_topics(book, found_topics)
    compared = data.series_rows(book.db, book.scope, book.labels.lang, visible_event_ids)
    if len(compared) > 1:
        write_series(book, compared)
    write_codebook(book)
    write_method(book)

"""Browsing an event's responses: a filtered list with its evidence, one answer, an export.

The filters are query parameters, so a filtered list is a link: the levels page links each
cell to its answers, and an answer's page keeps the filters for its previous and next.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from exports.filtered import build_filtered
from survey_db.models import Event, Organiser, Response
from survey_db.models.vocabulary import FEEDBACK_TEXT_FIELDS, LANGUAGES, RATING_FIELDS

from .. import labels
from ..db import get_session
from ..i18n import current_language
from ..texts import gettext as _
from . import audit, bp, pagination, queries
from .access import event_or_404, organiser
from .downloads import audit_download, background_from, prepare_list_instead, send_built
from .review_forms import ReviewForm

#: Characters of an answer's text shown in the list (around its first evidence).
SNIPPET = 240


def evidence_words(evidence: dict[str, list[str]] | None) -> dict[str, str]:
    """The tagger's evidence (level -> words) turned around: each word with its level."""
    return {
        quote: level
        for level, quotes in sorted((evidence or {}).items(), reverse=True)
        for quote in quotes
        if quote
    }


def highlight(text: str, evidence: dict[str, str], limit: int | None = None) -> Markup:
    """``text`` escaped, its evidence words marked by level; cut to ``limit`` around the first.

    Matching ignores case; a word the tagger normalised beyond recognition is simply not
    marked (the answer's page lists the evidence in full).
    """
    quotes = sorted(evidence, key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, quotes)), re.IGNORECASE) if quotes else None
    start, end = 0, len(text)
    if limit is not None and len(text) > limit:
        first = pattern.search(text) if pattern else None
        start = max(0, first.start() - limit // 6) if first and first.end() > limit else 0
        end = min(len(text), start + limit)
    shown = text[start:end]
    parts: list[Markup | str] = ["…" if start else ""]
    last = 0
    for found in pattern.finditer(shown) if pattern else ():
        level = next(
            (code for quote, code in evidence.items() if quote.lower() == found.group().lower()),
            "",
        )
        parts += [
            shown[last : found.start()],
            Markup('<mark class="{}">{}</mark>').format(level, found.group()),
        ]
        last = found.end()
    parts += [shown[last:], "…" if end < len(text) else ""]
    return Markup("").join(escape(part) for part in parts)


def filter_chips(event: Event, filters: queries.Filters) -> list[tuple[str, str]]:
    """Each filter that is set, worded for the list's removable filters: (name, words)."""
    lang = current_language()
    sessions = {item.code: item.title(lang) for item in event.feedback_sessions()}
    themes = {item.code: item.title(lang) for item in event.themes}
    worded = {
        "kind": ("", {"feedback": _("Session feedback"), "input": _("Policy input")}),
        "session": (_("Session"), sessions),
        "theme": (_("Theme"), themes),
        "level": (_("Impact level"), labels.LEVELS),
        "group": (_("Group"), labels.GROUPS),
        "stakeholder": (_("From"), labels.STAKEHOLDERS),
        "language": (_("Language"), {"en": "English", "zh": "中文"}),
        "channel": (_("Channel"), labels.CHANNELS),
        "reviewed": ("", {"yes": _("Reviewed"), "no": _("Not reviewed")}),
        "status": (_("Status"), labels.STATUSES),
        "counted": (
            "",
            {"yes": _("Counted in the levels"), "demo": _("Counted in the levels, demo included")},
        ),
        "q": (_("Text contains"), {}),
    }
    chips = []
    for name, value in filters.as_args().items():
        prefix, names = worded[name]
        shown = str(names.get(value, value)) if name != "q" else f"“{value}”"
        chips.append((name, f"{prefix}: {shown}" if prefix else shown))
    return chips


def response_or_404(db: Session, event: Event, response_id: int) -> Response:
    """A response of ``event``; 404 for an id of another event, like for an unknown one."""
    response = db.scalar(
        select(Response)
        .where(Response.id == response_id, Response.event_id == event.id)
        .options(selectinload(Response.versions), selectinload(Response.tag))
    )
    if response is None:
        if db.scalar(select(Response.event_id).where(Response.id == response_id)) is not None:
            # An answer of another event, asked for under this one: refused, and recorded.
            audit.record_apart(
                "access_refused", organiser=organiser(), event=event, path=request.full_path
            )
        abort(404)
    return response


def _people(db: Session, response: Response) -> dict[int, str]:
    """E-mail addresses of the organisers named on the response and its review, by id."""
    tag = response.tag
    ids = {
        response.entered_by_id,
        response.status_changed_by_id,
        tag.reviewed_by_id if tag is not None else None,
    } - {None}
    if not ids:
        return {}
    rows = db.execute(select(Organiser.id, Organiser.email).where(Organiser.id.in_(ids)))
    return {ident: email for ident, email in rows}


def review_form_for(response: Response) -> ReviewForm:
    """A review form showing the tags that count now (the machine's until reviewed)."""
    tag = response.tag
    return ReviewForm(
        formdata=None,
        levels=tag.levels if tag is not None else [],
        groups=tag.groups if tag is not None else list(response.groups or []),
        areas=tag.areas if tag is not None else list(response.areas or []),
    )


def neighbours(
    db: Session, event: Event, filters: queries.Filters, response_id: int
) -> tuple[int | None, int | None]:
    """The answers before and after ``response_id`` in the filtered list (newest first)."""
    ids = queries.filtered(event, filters).with_only_columns(Response.id).order_by(None)
    newer = db.scalar(select(func.min(ids.where(Response.id > response_id).subquery().c.id)))
    older = db.scalar(select(func.max(ids.where(Response.id < response_id).subquery().c.id)))
    return newer, older


def came_from() -> dict[str, str | int]:
    """Where an answer's page was reached from, as its query string carries it.

    The filtered list's filters; or, with ``return_to=queue``, the review queue's place. A
    review made on the page returns there.
    """
    args: dict[str, str | int] = {**queries.Filters.from_args(request.args).as_args()}
    if request.args.get("return_to") == "queue":
        args |= {"return_to": "queue", **pagination.place()}
    return args


def render_detail(event: Event, response: Response, form: ReviewForm | None = None) -> str:
    """The page of one response, with ``form`` (or a fresh review form) at its end.

    Where the page was reached from comes along in the query string: the list's filters, for
    the previous and next answer and for the page after a review; or the review queue's place
    (``return_to=queue``), to which a review here returns.
    """
    db = get_session()
    audit.record_personal_view(organiser(), event, response)
    filters = queries.Filters.from_args(request.args)
    from_queue = request.args.get("return_to") == "queue"
    newer, older = (None, None) if from_queue else neighbours(db, event, filters, response.id)
    return render_template(
        "admin/response_detail.html",
        event=event,
        active="admin.responses",
        response=response,
        tag=response.tag,
        people=_people(db, response),
        form=form or review_form_for(response),
        text_fields=FEEDBACK_TEXT_FIELDS if response.kind == "feedback" else ("text",),
        rating_fields=RATING_FIELDS,
        filters=filters,
        from_queue=from_queue,
        place=pagination.place(),
        came_from=came_from(),
        newer=newer,
        older=older,
        highlight=highlight,
        evidence_words=evidence_words,
    )


@bp.get("/e/<slug>/responses")
@login_required
def responses(slug: str) -> ResponseReturnValue:
    """List the event's responses, filtered and searched, 50 to a page."""
    event = event_or_404(slug)
    filters = queries.Filters.from_args(request.args)
    number = pagination.page_number()
    page = queries.paginate(get_session(), queries.filtered(event, filters), number)
    return render_template(
        "admin/responses.html",
        event=event,
        active="admin.responses",
        filters=filters,
        chips=filter_chips(event, filters),
        page=page,
        languages=LANGUAGES,
        highlight=highlight,
        evidence_words=evidence_words,
        snippet=SNIPPET,
    )


@bp.get("/e/<slug>/responses/filtered.xlsx")
@login_required
def download_filtered(slug: str) -> ResponseReturnValue:
    """Send the answers of the filtered list as a workbook, one row each, as the raw export.

    A list longer than the downloads' threshold is prepared in the background instead.
    """
    event = event_or_404(slug)
    filters = queries.Filters.from_args(request.args)
    db = get_session()
    chosen = queries.filtered(event, filters).with_only_columns(Response.id).order_by(None)
    if (db.scalar(select(func.count()).select_from(chosen.subquery())) or 0) > background_from():
        return prepare_list_instead(event, filters)
    ids = set(db.scalars(chosen))

    def build(path: Path) -> Path:
        return build_filtered(db, event, ids, path)

    response = send_built(build, f"{slug}-responses-filtered.xlsx")
    audit_download(db, event, "filtered", filters=filters.as_args(), rows=len(ids))
    return response


@bp.get("/e/<slug>/responses/<int:response_id>")
@login_required
def response_detail(slug: str, response_id: int) -> ResponseReturnValue:
    """Show one response in full: texts, ratings, versions, tags with evidence, review."""
    event = event_or_404(slug)
    return render_detail(event, response_or_404(get_session(), event, response_id))

"""The Briefing as a page that prints on one landscape A4 sheet.

The same figures as the workbook's first sheet (:func:`exports.briefing.briefing`), worded
by the workbook's own labels, so the page and the download never disagree. Demo answers are
left out unless ``?demo=yes``.
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from exports.briefing import MIN_RATED, QUOTE_CHARS, briefing, short
from exports.labels import Labels

from ..db import get_session
from ..i18n import current_language
from . import bp
from .access import event_or_404


@bp.get("/e/<slug>/briefing")
@login_required
def briefing_page(slug: str) -> ResponseReturnValue:
    """Show the event's Briefing, ready to print."""
    event = event_or_404(slug)
    include_demo = request.args.get("demo") == "yes"
    text = Labels(current_language())
    brief = briefing(
        get_session(),
        event,
        text.lang,
        include_demo=include_demo,
        feedback_label=text["session_feedback"],
    )
    return render_template(
        "admin/briefing.html",
        event=event,
        brief=brief,
        text=text,
        short=short,
        quote_chars=QUOTE_CHARS,
        min_rated=MIN_RATED,
        include_demo=include_demo,
    )

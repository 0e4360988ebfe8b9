"""The live overview of one event: counts, rating distributions, review progress, the last run.

The page is whole without script; ``static/console.js`` refreshes its figures in place from
:func:`overview_live`, which renders the same template part, so a figure is worded once.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required
from markupsafe import Markup

from survey_db.models import AgendaSession, Event, Theme

from .. import labels
from ..db import get_session
from ..i18n import current_language
from ..texts import gettext as _
from . import bp, charts, queries
from .access import event_or_404
from .tag_now import run_context

#: Seconds between two refreshes of the figures by the page's script.
LIVE_EVERY = 30


def stats_words(distribution: queries.Distribution) -> str:
    """n, mean and spread of a distribution in words, as a chart shows them under its bar."""
    if distribution.mean is None or distribution.spread is None:
        return _("no answers")
    return _(
        "n %(n)d · mean %(mean).2f · SD %(spread).2f",
        n=distribution.n,
        mean=distribution.mean,
        spread=distribution.spread,
    )


def rating_charts(
    ratings: tuple[dict[int, dict[str, queries.Distribution]], dict[str, queries.Distribution]],
    sessions: list[Any],
    lang: str,
) -> dict[str, Markup]:
    """The 1-5 distribution of the overall rating per session, and of each question overall."""
    legend = (_("1 = poor"), _("5 = excellent"))
    per_session, overall = ratings
    empty = queries.Distribution((0, 0, 0, 0, 0))
    by_session = [
        (item.title(lang), found.counts, stats_words(found))
        for item, _count in sessions
        for found in [per_session.get(item.id, {}).get("overall", empty)]
    ]
    by_question = [
        (str(label), overall[name].counts, stats_words(overall[name]))
        for name, label in labels.RATINGS.items()
    ]
    return {
        "session_ratings": charts.distribution_chart(
            by_session, title=_("Overall rating by session: answers 1 to 5"), legend=legend
        ),
        "questions": charts.distribution_chart(
            by_question, title=_("Answers 1 to 5 by question, all sessions"), legend=legend
        ),
    }


def overview_figures(event: Event) -> dict[str, Any]:
    """Everything the overview's figures show, read in a handful of aggregate queries."""
    db = get_session()
    lang = current_language()
    sessions = queries.counts_by_item(db, event, AgendaSession)
    themes = queries.counts_by_item(db, event, Theme)
    ratings = queries.ratings(db, event)
    per_session, overall = queries.averages_of(*ratings)
    channels = queries.counts_by_channel(db, event)
    reviewed, inputs = queries.inputs_reviewed(db, event)
    figures = {
        "sessions": charts.bar_chart(
            [(item.title(lang), count) for item, count in sessions],
            title=_("Feedback by session"),
        ),
        "themes": charts.bar_chart(
            [(item.title(lang), count) for item, count in themes],
            title=_("Policy inputs by theme"),
        ),
        "channels": charts.bar_chart(
            [(str(labels.CHANNELS[code]), channels.get(code, 0)) for code in labels.CHANNELS],
            title=_("Responses by channel"),
        ),
        **rating_charts(ratings, sessions, lang),
    }
    return {
        "event": event,
        "sessions": sessions,
        "themes": themes,
        "per_session": per_session,
        "overall": overall,
        "channels": channels,
        "reviewed": reviewed,
        "inputs": inputs,
        "not_counted": queries.not_counted(db, event),
        "figures": figures,
    }


@bp.get("/e/<slug>/")
@login_required
def event_overview(slug: str) -> ResponseReturnValue:
    """Show how many answered what, the ratings' spread and how far the review has come."""
    event = event_or_404(slug)
    return render_template(
        "admin/overview.html",
        active="admin.event_overview",
        live_every=LIVE_EVERY,
        **overview_figures(event),
        **run_context(event),
    )


@bp.get("/e/<slug>/live")
@login_required
def overview_live(slug: str) -> ResponseReturnValue:
    """Give the overview's figures as HTML in JSON, for the page's script to update in place."""
    event = event_or_404(slug)
    html = render_template("admin/_overview_figures.html", **overview_figures(event))
    return jsonify(html=html)

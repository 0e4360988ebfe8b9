"""The live overview of one event: counts, rating averages, review progress, the last run."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required

from survey_db.models import AgendaSession, Theme

from .. import labels
from ..db import get_session
from ..i18n import current_language
from ..texts import gettext as _
from . import bp, charts, queries
from .access import event_or_404


@bp.get("/e/<slug>/")
@login_required
def event_overview(slug: str) -> ResponseReturnValue:
    """Show how many answered what, the mean ratings and how far the review has come."""
    event = event_or_404(slug)
    db = get_session()
    lang = current_language()
    sessions = queries.counts_by_item(db, event, AgendaSession)
    themes = queries.counts_by_item(db, event, Theme)
    per_session, overall = queries.rating_averages(db, event)
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
        "session_ratings": charts.bar_chart(
            [
                (item.title(lang), per_session[item.id].means["overall"])
                if item.id in per_session
                else (item.title(lang), None)
                for item, _count in sessions
            ],
            title=_("Mean overall rating by session (1-5)"),
            scale_max=5,
            decimals=2,
        ),
        "questions": charts.bar_chart(
            [(str(labels.RATINGS[name]), mean) for name, mean in overall.means.items()],
            title=_("Mean rating by question, all sessions (1-5)"),
            scale_max=5,
            decimals=2,
        ),
        "channels": charts.bar_chart(
            [(str(labels.CHANNELS[code]), channels.get(code, 0)) for code in labels.CHANNELS],
            title=_("Responses by channel"),
        ),
    }
    return render_template(
        "admin/overview.html",
        event=event,
        active="admin.event_overview",
        sessions=sessions,
        themes=themes,
        per_session=per_session,
        overall=overall,
        channels=channels,
        reviewed=reviewed,
        inputs=inputs,
        not_counted=queries.not_counted(db, event),
        run=queries.latest_run(db),
        figures=figures,
    )

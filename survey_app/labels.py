"""Translated labels of the shared codes (stakeholders, groups, areas, impact levels, ...)."""

from __future__ import annotations

from flask import has_request_context
from flask_babel.speaklater import LazyString
from wtforms.fields.choices import SelectChoice

from exports.labels import CODES
from survey_db.models import vocabulary

from .texts import lazy_gettext as _l

STAKEHOLDERS: dict[str, LazyString] = {
    "government": _l("Government"),
    "social_partner": _l("Social partner (workers' or employers' organisation)"),
    "civil_society": _l("Civil society"),
    "un_agency": _l("UN agency"),
    "academia": _l("Academia"),
    "other": _l("Other"),
}

ATTENDANCE: dict[str, LazyString] = {
    "in_person": _l("In the room"),
    "online": _l("Online (Zoom)"),
}


def _worded(code: str) -> str:
    """The name of a level, group or area in the request's language, from the one wording."""
    from .i18n import current_language  # i18n imports this module

    return CODES[current_language() if has_request_context() else "en"][code]


def _worded_once(codes: tuple[str, ...]) -> dict[str, LazyString]:
    """Lazy names of ``codes`` as ``exports/labels.py`` words them (web and workbooks alike)."""
    return {code: LazyString(_worded, code) for code in codes}


GROUPS = _worded_once(vocabulary.GROUPS)
AREAS = _worded_once(vocabulary.AREAS)
LEVELS = _worded_once(vocabulary.LEVELS)

RATINGS: dict[str, LazyString] = {
    "overall": _l("Overall"),
    "relevance": _l("Relevance"),
    "speakers": _l("Speakers"),
    "discussion_time": _l("Time for discussion"),
    "technical": _l("Technical quality"),
}

ROLES: dict[str, LazyString] = {
    "host": _l("Host"),
    "speaker": _l("Speaker"),
    "moderator": _l("Moderator"),
    "presenter": _l("Presenter"),
    "discussant": _l("Discussant"),
    "panelist": _l("Panellist"),
}

STATUSES: dict[str, LazyString] = {
    "active": _l("Active"),
    "withdrawn": _l("Withdrawn by the attendee"),
    "spam": _l("Spam"),
    "test": _l("Test"),
}


def choices(table: dict[str, LazyString]) -> list[SelectChoice]:
    """Form choices of a table's codes, in the table's order."""
    return [SelectChoice(code, label) for code, label in table.items()]


EVENT_STATUSES: dict[str, LazyString] = {
    "draft": _l("Draft (not collecting)"),
    "open": _l("Open for answers"),
    "closed": _l("Closed"),
}

CHANNELS: dict[str, LazyString] = {
    "web": _l("Web form"),
    "paper": _l("Paper form"),
    "demo": _l("Demo data"),
}

REVIEW_STATES: dict[str, LazyString] = {
    "machine": _l("From the machine, not reviewed"),
    "confirmed": _l("Confirmed by a person"),
    "changed": _l("Changed by a person"),
}

RUN_STATUSES: dict[str, LazyString] = {
    "running": _l("Running"),
    "succeeded": _l("Succeeded"),
    "failed": _l("Failed"),
}

RUN_MODES: dict[str, LazyString] = {
    "incremental": _l("Incremental"),
    "full": _l("Full"),
}

RUN_TRIGGERS: dict[str, LazyString] = {
    "cli": _l("Nightly job or command line"),
    "console": _l("Tag now, in the console"),
    "download": _l("Summary download"),
}

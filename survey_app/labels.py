"""Translated labels of the shared codes (stakeholders, groups, areas, impact levels, ...)."""

from __future__ import annotations

from flask_babel.speaklater import LazyString
from wtforms.fields.choices import SelectChoice

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

GROUPS: dict[str, LazyString] = {
    "women": _l("Women"),
    "informal_workers": _l("Workers in the informal economy"),
    "flexible_gig_workers": _l("Flexible and gig workers"),
    "migrant_workers": _l("Migrant workers"),
    "children": _l("Children"),
    "older_persons": _l("Older persons"),
    "persons_with_disabilities": _l("Persons with disabilities"),
    "poor_households": _l("Poor households"),
}

AREAS: dict[str, LazyString] = {
    "health": _l("Health protection"),
    "employment_injury": _l("Employment injury"),
    "unemployment": _l("Unemployment protection"),
    "employment_retention": _l("Employment retention"),
    "social_assistance": _l("Social assistance"),
    "pensions": _l("Pensions"),
    "digital_delivery": _l("Digital delivery"),
    "financing": _l("Financing"),
}

LEVELS: dict[str, LazyString] = {
    "virus": _l("Direct impact of the virus"),
    "containment": _l("Impact of the containment measures"),
    "economic_crisis": _l("Impact of the economic crisis"),
    "stimulus": _l("Impact of the economic stimulus package"),
}

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
    "download": _l("Summary download"),
}

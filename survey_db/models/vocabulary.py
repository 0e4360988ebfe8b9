"""The codes that forms, models, the pipeline and the workbooks share: defined here only."""

from __future__ import annotations

LANGUAGES = ("en", "zh")
EVENT_STATUSES = ("draft", "open", "closed")
SESSION_KINDS = ("plenary", "parallel", "break")
PERSON_ROLES = ("host", "speaker", "moderator", "presenter", "discussant", "panelist")
RESPONSE_KINDS = ("feedback", "input")
CHANNELS = ("web", "paper", "demo")
RESPONSE_STATUSES = ("active", "withdrawn", "spam", "test")
REVIEW_STATES = ("machine", "confirmed", "changed")

LEVELS = ("virus", "containment", "economic_crisis", "stimulus")
GROUPS = (
    "women",
    "informal_workers",
    "flexible_gig_workers",
    "migrant_workers",
    "children",
    "older_persons",
    "persons_with_disabilities",
    "poor_households",
)
AREAS = (
    "health",
    "employment_injury",
    "unemployment",
    "employment_retention",
    "social_assistance",
    "pensions",
    "digital_delivery",
    "financing",
)
STAKEHOLDERS = ("government", "social_partner", "civil_society", "un_agency", "academia", "other")
ATTENDANCE = ("in_person", "online")

#: The rating questions of session feedback, in the order the forms and workbooks show them.
RATING_FIELDS = ("overall", "relevance", "speakers", "discussion_time", "technical")
#: The free-text questions of session feedback; the pipeline tags each of them.
FEEDBACK_TEXT_FIELDS = ("most_useful", "improve", "next_topics")


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint expression limiting ``column`` to ``values``."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"

"""SQLAlchemy 2.0 typed models, one module per aggregate."""

from .accounts import AuditEntry, Organiser, organiser_events
from .base import Base, utcnow
from .events import AgendaSession, Event, Series, SessionPerson, Theme
from .live import LiveTerms
from .overlay import CodebookAddition
from .responses import ANSWER_FIELDS, Response, ResponseVersion
from .runs import PipelineRun
from .tags import ResponseTag

__all__ = [
    "ANSWER_FIELDS",
    "AgendaSession",
    "AuditEntry",
    "Base",
    "CodebookAddition",
    "Event",
    "LiveTerms",
    "Organiser",
    "PipelineRun",
    "Response",
    "ResponseTag",
    "ResponseVersion",
    "Series",
    "SessionPerson",
    "Theme",
    "organiser_events",
    "utcnow",
]

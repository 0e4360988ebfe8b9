"""Event definitions: reading and validating event YAML, and the bundled first event."""

from pathlib import Path

from .loader import (
    EventFileError,
    EventSpec,
    apply_event,
    parse_event_yaml,
    series_events_touched,
    series_refusal,
)

#: The first event of the series, as the concept note describes it.
FIRST_EVENT_FILE = Path(__file__).parent / "data" / "2020-11-10-social-protection.yaml"

__all__ = [
    "FIRST_EVENT_FILE",
    "EventFileError",
    "EventSpec",
    "apply_event",
    "parse_event_yaml",
    "series_events_touched",
    "series_refusal",
]

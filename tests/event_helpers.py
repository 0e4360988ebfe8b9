"""Loading the bundled event file again with a change, as an organiser would."""

from __future__ import annotations

from flask import Flask

from survey_app.db import get_session
from survey_app.events import FIRST_EVENT_FILE, apply_event, parse_event_yaml


def load_event_file_with(app: Flask, old: str, new: str) -> None:
    """Load the first event's file with ``old`` (which it must hold) replaced by ``new``."""
    text = FIRST_EVENT_FILE.read_text("utf-8")
    assert old in text
    with app.app_context():
        db = get_session()
        assert apply_event(db, parse_event_yaml(text.replace(old, new)))
        db.commit()

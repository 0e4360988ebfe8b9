"""Attendee pages: the agenda, session feedback, the feedback grid and policy inputs."""

from flask import Blueprint

bp = Blueprint("attendee", __name__)

from . import routes  # noqa: E402,F401

"""Attendee pages: the agenda, session feedback, the feedback grid and policy inputs."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from .kept_pages import KeptPages
from .published import PublishedEvents

bp = Blueprint("attendee", __name__)


@bp.record_once
def _per_app_stores(state: BlueprintSetupState) -> None:
    """Each app its own kept pages and event copies, so test apps never share them."""
    state.app.extensions["kept_pages"] = KeptPages()
    state.app.extensions["published_events"] = PublishedEvents()


from . import agenda, routes  # noqa: E402,F401

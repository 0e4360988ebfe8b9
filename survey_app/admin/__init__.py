"""The organisers' console under ``/admin``: one module per area, one blueprint."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import audit_views, auth, events, runs  # noqa: E402,F401
from . import downloads, overview, paper, responses, review  # noqa: E402,F401

"""The organisers' console under ``/admin``: one module per area, one blueprint."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import (  # noqa: E402,F401  # noqa: E402,F401
    audit_views,
    auth,
    briefing,
    codebook_views,
    downloads,
    events,
    levels,
    live,
    overview,
    paper,
    quality,
    responses,
    review,
    review_import,
    runs,
    tag_now,
)

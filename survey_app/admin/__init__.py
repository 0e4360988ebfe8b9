"""The organisers' console under ``/admin``: one module per area, one blueprint."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import audit_views, auth, downloads, events, overview, paper, responses, review, runs  # noqa: E402,F401  # noqa: E402,F401
from . import quality  # noqa: E402,F401
from . import tag_now  # noqa: E402,F401
from . import levels  # noqa: E402,F401
from . import live  # noqa: E402,F401
from . import review_import  # noqa: E402,F401
from . import codebook_views  # noqa: E402,F401
from . import briefing  # noqa: E402,F401

"""Error pages: every failure gets a page in the visitor's language, never a bare error."""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, g, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from .db import get_session
from .extensions import limiter


def _discard_session() -> None:
    """Drop the request's session; rolling back a dead connection may itself fail."""
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except DBAPIError:
            current_app.logger.warning("could not close a session after a database fault")


def database_unavailable(error: Exception) -> tuple[str, int, dict[str, str]]:
    """The database did not answer: say so, and keep whatever the visitor was sending.

    A POST comes back as a form holding every field as it was sent (the same one-time key
    and CSRF token), so "Try again" stores the answer once the database is back.
    """
    _discard_session()
    current_app.logger.error("database unavailable: %s", error)
    fields = list(request.form.items(multi=True)) if request.method == "POST" else []
    html = render_template("unavailable.html", fields=fields)
    return html, 503, {"Retry-After": "10"}


def retry_after() -> str:
    """Seconds until the limit this request broke lets the address send again.

    Worked out only for a refused request: the limiter's X-RateLimit headers are off, as
    they would cost two more trips to the counts' store on every accepted post.
    """
    breached = limiter.current_limit
    if breached is None:
        return "60"
    reset_time = breached.window[0]
    return str(max(1, math.ceil(reset_time - time.time())))


def init_app(app: Flask) -> None:
    """Render HTTP errors with our layout and roll back the session on a server error."""
    app.register_error_handler(OperationalError, database_unavailable)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int, dict[str, str]]:
        headers = {"Retry-After": retry_after()} if error.code == 429 else {}
        return render_template("error.html", error=error), error.code or 500, headers

    @app.errorhandler(500)
    def _server_error(error: Exception) -> tuple[str, int]:
        get_session().rollback()
        return render_template("error.html", error=None), 500

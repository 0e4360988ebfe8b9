"""Error pages: every failure gets a page in the visitor's language, never a bare error."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from .db import get_session


def init_app(app: Flask) -> None:
    """Render HTTP errors with our layout and roll back the session on a server error."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int]:
        return render_template("error.html", error=error), error.code or 500

    @app.errorhandler(500)
    def _server_error(error: Exception) -> tuple[str, int]:
        get_session().rollback()
        return render_template("error.html", error=None), 500

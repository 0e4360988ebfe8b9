"""Dialogue Feedback: participant feedback for the UN policy dialogues on social protection."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)

    from .config import load_config

    app.config.from_mapping(load_config(app.instance_path))
    if test_config is not None:
        app.config.from_mapping(test_config)
    _require_secret_key(app)

    from . import db, errors, i18n, security
    from .extensions import csrf, init_login_app, limiter

    db.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    init_login_app(app)
    security.init_app(app)
    errors.init_app(app)

    from . import cli
    from .admin import bp as admin_bp
    from .attendee import bp as attendee_bp
    from .health import bp as health_bp

    app.register_blueprint(attendee_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(health_bp)
    cli.init_app(app)
    return app


def _require_secret_key(app: Flask) -> None:
    """Outside development a real secret key is required; in development one is made up."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config["SURVEY_ENV"] != "development" and not app.testing:
        raise RuntimeError("SURVEY_SECRET_KEY must be set outside development")
    app.config["SECRET_KEY"] = _development_key(app.instance_path)


def _development_key(instance_path: str) -> str:
    """A key kept in the instance folder, so development sessions survive restarts."""
    import secrets

    path = os.path.join(instance_path, "dev-secret-key")
    if not os.path.exists(path):
        with open(path, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
    with open(path, encoding="ascii") as handle:
        return handle.read().strip()

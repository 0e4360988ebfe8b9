"""Configuration read from the environment (prefix ``SURVEY_``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: Longest free-text answer we accept; well below Werkzeug's form limits, so a long
#: answer gets a message at its field instead of a 413.
TEXT_MAX = 5000
SHORT_TEXT_MAX = 200


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str) -> dict[str, Any]:
    """Build the app configuration from ``SURVEY_*`` variables and sane defaults."""
    env = os.environ
    default_db = "sqlite:///" + str(Path(instance_path) / "survey.sqlite3")
    production = env.get("SURVEY_ENV", "development") == "production"
    return {
        "SURVEY_ENV": env.get("SURVEY_ENV", "development"),
        "SECRET_KEY": env.get("SURVEY_SECRET_KEY"),
        "DATABASE_URL": env.get("SURVEY_DATABASE_URL", default_db),
        "PUBLIC_BASE_URL": env.get("SURVEY_PUBLIC_BASE_URL", ""),
        "EXPORT_DIR": env.get("SURVEY_EXPORT_DIR", str(Path(instance_path) / "exports")),
        "EXPORT_KEEP": int(env.get("SURVEY_EXPORT_KEEP", "14")),
        # How much the nightly job lowers its CPU priority, so attendees' requests come first.
        "PIPELINE_NICE": int(env.get("SURVEY_PIPELINE_NICE", "19")),
        "RETENTION_DAYS": int(env.get("SURVEY_RETENTION_DAYS", "365")),
        "RATELIMIT_STORAGE_URI": env.get("SURVEY_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(env.get("SURVEY_RATELIMIT_ENABLED"), True),
        # Off: the X-RateLimit headers cost two more trips to Redis on every post. A refused
        # post still says when to come back (Retry-After, see errors.py).
        "RATELIMIT_HEADERS_ENABLED": False,
        # Per client address. A whole room may share one public address, so the limit on
        # submissions is far above what a room sends and only stops floods.
        "RATELIMIT_SUBMIT": env.get("SURVEY_RATELIMIT_SUBMIT", "600 per minute; 20000 per day"),
        "TRUSTED_PROXIES": int(env.get("SURVEY_TRUSTED_PROXIES", "0")),
        # CSRF tokens live as long as the session: an attendee may open a form at 13:00
        # and send it at 17:00.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": True,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        # A console session ends after this long without a request, and this long after
        # signing in whatever happens; signing out, a password reset or disabling the
        # account end every session of the account at once (see extensions.py).
        "SESSION_IDLE_SECONDS": 60 * int(env.get("SURVEY_SESSION_IDLE_MINUTES", "60")),
        "SESSION_MAX_SECONDS": 3600 * int(env.get("SURVEY_SESSION_MAX_HOURS", "12")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production or _bool(env.get("SURVEY_SECURE_COOKIES")),
        "REMEMBER_COOKIE_SECURE": production or _bool(env.get("SURVEY_SECURE_COOKIES")),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ("en", "zh"),
    }

"""Languages: English and Simplified Chinese, chosen per request."""

from __future__ import annotations

from functools import cache

from babel.support import Translations
from flask import Flask
from flask_babel import get_locale
from wtforms.i18n import messages_path

from . import labels, texts
from .extensions import babel, select_locale


def current_language() -> str:
    """``en`` or ``zh`` for the current request (kept on ``g``, beside Flask-Babel's locale)."""
    return texts.kept_for_request("_language", _language_now)


def _language_now() -> str:
    return "zh" if str(get_locale()).startswith("zh") else "en"


@cache
def wtforms_messages(language: str) -> Translations:
    """WTForms' own messages ("Not a valid choice") in ``language``, read once per process.

    Flask-WTF reads that catalogue again on every request that validates a form.
    """
    return Translations.load(messages_path(), [language], domain="wtforms")


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and expose the language to templates."""
    babel.init_app(app, locale_selector=select_locale)
    texts.init_app(app)

    @app.context_processor
    def _language() -> dict[str, object]:
        return {"lang": current_language(), "labels": labels, "roles": labels.ROLES}

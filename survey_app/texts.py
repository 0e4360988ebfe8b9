"""Translated texts, with the request's catalogue looked up once per request.

Flask-Babel looks the catalogue up again for every string it translates, through nine
context-local lookups (about 15 µs each time here), and a filled-in form page shows some
sixty strings. The catalogue is kept on ``g``, as Flask-Babel keeps the request's locale, so
the two always agree.
"""

from __future__ import annotations

from typing import Any

from babel.support import NullTranslations
from flask import Flask, g, has_app_context
from flask_babel import get_translations
from flask_babel.speaklater import LazyString


def translations() -> NullTranslations:
    """Flask-Babel's catalogue for the current request, looked up once per app context."""
    if not has_app_context():
        return get_translations()
    found = g.get("_translations")
    if found is None:
        found = g._translations = get_translations()
    return found


def gettext(string: str, **variables: Any) -> str:
    """``flask_babel.gettext``: the translation of ``string``, formatted with ``variables``."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """``flask_babel.lazy_gettext``: translated when shown, for texts defined at import."""
    return LazyString(gettext, string, **variables)


def init_app(app: Flask) -> None:
    """Templates' ``_()`` use the kept catalogue too (once Flask-Babel has set up Jinja)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: translations().ugettext(string),
        ngettext=lambda singular, plural, n: translations().ungettext(singular, plural, n),
        newstyle=True,
    )

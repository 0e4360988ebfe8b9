"""Translated texts, with the request's catalogue looked up once per request.

Flask-Babel looks the catalogue up again for every string it translates, through nine
context-local lookups, and a filled-in form page shows some sixty strings. The catalogue is
kept on ``g``, as Flask-Babel keeps the request's locale, so the two always agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from babel.support import NullTranslations
from flask import Flask, g, has_app_context
from flask_babel import get_translations
from flask_babel.speaklater import LazyString

T = TypeVar("T")


def kept_for_request(name: str, make: Callable[[], T]) -> T:
    """``make()`` once per app context, kept on ``g`` as ``name`` (outside one, every call).

    For what follows from the request's locale, which Flask-Babel also keeps on ``g``.
    """
    if not has_app_context():
        return make()
    found = g.get(name)
    if found is None:
        found = make()
        setattr(g, name, found)
    return found


def translations() -> NullTranslations:
    """Flask-Babel's catalogue for the current request, looked up once per app context."""
    return kept_for_request("_translations", get_translations)


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

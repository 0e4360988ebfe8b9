"""The base of every form in the app."""

from __future__ import annotations

from babel.support import Translations
from flask_wtf import FlaskForm
from wtforms import Form

from .i18n import current_language, wtforms_messages


class AppForm(FlaskForm):
    """A Flask-WTF form whose WTForms messages ("Not a valid choice") come in the page's
    language from a catalogue read once per process, not once per request."""

    class Meta:
        def get_translations(self, form: Form) -> Translations:
            return wtforms_messages(current_language())

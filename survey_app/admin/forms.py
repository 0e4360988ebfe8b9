"""Forms of the console's sign-in, events and settings pages."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from survey_db.models import Event

from ..db import get_session
from ..events import EventFileError, EventSpec, parse_event_yaml
from ..forms import AppForm
from ..passwords import MAX_LENGTH
from ..texts import gettext as _
from ..texts import lazy_gettext as _l

#: Largest event file accepted; the first event's file is about 20 KB.
EVENT_FILE_MAX_BYTES = 256 * 1024


def normalise_email(value: str | None) -> str:
    """Emails are stored and compared in lower case, without surrounding blanks."""
    return (value or "").strip().lower()


class LoginForm(AppForm):
    """Sign-in with email and password."""

    email = EmailField(
        _l("Email"),
        filters=[normalise_email],
        validators=[DataRequired(_l("Please enter your email.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please enter your password.")), Length(max=MAX_LENGTH)],
    )


class StatusForm(AppForm):
    """Opens or closes an event's collection (one button per target status)."""

    status = HiddenField(validators=[AnyOf(["open", "closed"])])


class EventUploadForm(AppForm):
    """An event YAML file, checked as ``flask events load`` checks it.

    With ``slug`` the file must update that event; without, it must create a new one.
    After validation ``spec`` holds the parsed file. Messages that quote the file use
    ``gettext``, not lazy strings: Jinja takes a lazy string for safe markup.
    """

    file = FileField(
        _l("Event file (YAML)"), validators=[FileRequired(_l("Please choose a file."))]
    )

    def __init__(self, *args: Any, slug: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slug = slug
        self.spec: EventSpec | None = None

    def validate_file(self, field: FileField) -> None:
        raw = field.data.stream.read(EVENT_FILE_MAX_BYTES + 1)
        if len(raw) > EVENT_FILE_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)d KB.", size=EVENT_FILE_MAX_BYTES // 1024)
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text.")) from None
        try:
            spec = parse_event_yaml(text)
        except EventFileError as error:
            raise ValidationError(
                _("The file was not loaded: %(error)s", error=str(error))
            ) from None
        slug = spec.event["slug"]
        if self.slug is not None and slug != self.slug:
            raise ValidationError(
                _(
                    "The file describes the event '%(found)s', not '%(expected)s'.",
                    found=slug,
                    expected=self.slug,
                )
            )
        if self.slug is None and get_session().scalar(select(Event.id).where(Event.slug == slug)):
            raise ValidationError(
                _(
                    "The event '%(slug)s' exists already: update it from its settings page.",
                    slug=slug,
                )
            )
        self.spec = spec

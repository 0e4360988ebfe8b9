"""Forms of the console's review and paper entry; the paper forms reuse the attendee forms."""

from __future__ import annotations

from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length

from .. import labels
from ..attendee.forms import MultiCheckboxField, PolicyInputForm, SessionFeedbackForm
from ..forms import AppForm
from ..texts import lazy_gettext as _l

#: Names of the languages in themselves, as a language menu shows them.
LANGUAGE_NAMES = (SelectChoice("en", "English"), SelectChoice("zh", "中文"))

#: What a review can do: accept the machine's tags, set them by hand, or change the status.
REVIEW_ACTIONS = ("confirm", "change", "spam", "test", "active")
#: Where the organiser goes after a review.
RETURN_TO = ("detail", "queue")


class ReviewForm(AppForm):
    """Review one response; the check boxes only accept the codes of the vocabulary."""

    action = StringField(validators=[InputRequired(), AnyOf(REVIEW_ACTIONS)])
    levels = MultiCheckboxField(_l("Impact levels"), choices=labels.choices(labels.LEVELS))
    groups = MultiCheckboxField(_l("Groups"), choices=labels.choices(labels.GROUPS))
    areas = MultiCheckboxField(
        _l("Areas of social protection"), choices=labels.choices(labels.AREAS)
    )
    return_to = StringField(default="detail", validators=[AnyOf(RETURN_TO)])


#: Answers one bulk accept may take: a page of the queue.
BULK_MAX = 50


class BulkAcceptForm(AppForm):
    """Accept the machine's tags of the answers ticked in the queue (their ids)."""

    ids = SelectMultipleField(
        coerce=int, validate_choice=False, validators=[Length(min=1, max=BULK_MAX)]
    )


def _language_field() -> SelectField:
    return SelectField(
        _l("Language of the paper form"),
        choices=list(LANGUAGE_NAMES),
        default="en",
        validators=[InputRequired()],
    )


class PaperFeedbackForm(SessionFeedbackForm):
    """Session feedback keyed in from paper: the attendee's fields plus the session rated."""

    session = SelectField(
        _l("Session"), validators=[InputRequired(_l("Please choose the session."))]
    )
    language = _language_field()


class PaperInputForm(PolicyInputForm):
    """A policy input keyed in from paper: the attendee's fields plus the form's language."""

    language = _language_field()

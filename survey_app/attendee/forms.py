"""Attendee forms. Field names are the data contract that the workbooks and tests share."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    Field,
    Form,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .. import labels
from ..config import SHORT_TEXT_MAX, TEXT_MAX
from ..forms import AppForm
from ..texts import lazy_gettext as _l

RATING_CHOICES = [SelectChoice(value, str(value)) for value in range(1, 6)]


def no_nul(form: Form, field: Field) -> None:
    """Refuse NUL characters: PostgreSQL cannot store them, so neither database takes them."""
    if isinstance(field.data, str) and "\x00" in field.data:
        raise ValidationError(_l("Please remove the NUL character(s) from this text."))


def _text(label: Any, *, limit: int = TEXT_MAX, required: bool = False) -> TextAreaField:
    first = DataRequired(_l("Please write your input.")) if required else Optional()
    return TextAreaField(
        label,
        validators=[
            first,
            no_nul,
            Length(max=limit, message=_l("Please keep this under %(max)d characters.")),
        ],
    )


def _short(label: Any) -> StringField:
    return StringField(
        label,
        validators=[
            Optional(),
            no_nul,
            Length(max=SHORT_TEXT_MAX, message=_l("Please keep this under %(max)d characters.")),
        ],
    )


def rating(label: Any, *, required: bool = False) -> RadioField:
    """A 1-5 rating; blank allowed unless ``required``."""
    first = InputRequired(_l("Please choose a rating from 1 to 5.")) if required else Optional()
    return RadioField(label, choices=RATING_CHOICES, coerce=int, validators=[first])


class MultiCheckboxField(SelectMultipleField):
    """Several choices as check boxes (works with a keyboard and on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RespondentMixin:
    """Who answers: all optional, anonymous unless a name is given."""

    stakeholder = SelectField(
        _l("You are from"),
        choices=[SelectChoice("", _l("Prefer not to say")), *labels.choices(labels.STAKEHOLDERS)],
        validators=[Optional()],
    )
    name = _short(_l("Your name (optional)"))
    organisation = _short(_l("Your organisation (optional)"))
    quote_ok = BooleanField(_l("You may quote my words anonymously in the summaries."))
    #: Stored only together with ``quote_ok`` (see :func:`.operations.clean_answers`).
    show_name = BooleanField(
        _l("My name may appear with my words in the summaries (only if they may be quoted).")
    )


class SubmissionForm(AppForm):
    """Carries the one-time key that makes a double post store one response."""

    submission_key = HiddenField(validators=[Optional(), Length(max=64)])


class SessionFeedbackForm(RespondentMixin, SubmissionForm):
    """Feedback on one agenda session."""

    overall = rating(_l("Overall, how useful was this session?"), required=True)
    relevance = rating(_l("Relevance to your work"))
    speakers = rating(_l("Quality of the speakers"))
    discussion_time = rating(_l("Time for discussion"))
    technical = rating(_l("Technical quality (audio, video, interpretation)"))
    most_useful = _text(_l("What was most useful?"))
    improve = _text(_l("What could be improved?"))
    next_topics = _text(_l("Which topics should the next dialogue take up?"))
    attendance = RadioField(
        _l("You took part"),
        choices=labels.choices(labels.ATTENDANCE),
        validators=[Optional()],
    )


class PolicyInputForm(RespondentMixin, SubmissionForm):
    """A policy input on one of the event's themes."""

    theme = RadioField(_l("Theme"), validators=[InputRequired(_l("Please choose a theme."))])
    text = _text(_l("Your policy input"), required=True)
    groups = MultiCheckboxField(
        _l("Which groups does it concern?"),
        choices=labels.choices(labels.GROUPS),
        validators=[Optional()],
    )
    areas = MultiCheckboxField(
        _l("Which areas of social protection?"),
        choices=labels.choices(labels.AREAS),
        validators=[Optional()],
    )


class GridBase(RespondentMixin, SubmissionForm):
    """Rates every session attended on one page; fields per session are added per event.

    Parallel sessions (run at the same time) are one choice, "which did you attend?"; any
    other session can be marked as not attended.
    """

    attendance = SessionFeedbackForm.attendance
    #: The sessions' codes, and the parallel ones by part (set by :func:`grid_form_class`).
    session_codes: tuple[str, ...] = ()
    parallel: dict[str, tuple[str, ...]] = {}

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks, then those across a session's fields and a group's."""
        valid = super().validate(extra_validators)
        answered = {}
        for code in self.session_codes:
            rating = self[grid_field(code, "overall")]
            comment = self[grid_field(code, "most_useful")]
            answered[code] = bool(rating.data or (comment.data or "").strip())
            absent = self._fields.get(grid_field(code, "absent"))
            if absent is not None and absent.data and answered[code]:
                absent.errors.append(
                    _l(
                        "You marked this session as not attended: untick that, or clear its "
                        "rating and comment."
                    )
                )
            elif (comment.data or "").strip() and not rating.data:
                comment.errors.append(_l("Please rate this session too, or remove the comment."))
        for part, codes in self.parallel.items():
            choice = self[grid_field(part, "attended")]
            given = [code for code in codes if answered[code]]
            if choice.data in codes and set(given) - {choice.data}:
                choice.errors.append(_l("Rate only the session you chose, or change your choice."))
            elif choice.data == "none" and given:
                choice.errors.append(
                    _l("You chose none of these: clear their ratings, or choose a session.")
                )
            elif not choice.data and len(given) > 1:
                choice.errors.append(
                    _l("These sessions ran at the same time: choose the one you attended.")
                )
        return valid and not any(field.errors for field in self)


def grid_form_class(
    session_codes: list[str], parallel: dict[str, list[str]] | None = None
) -> type[GridBase]:
    """A grid form: a rating and a comment for each session, a choice per parallel group.

    ``parallel`` gives the codes of each part's parallel sessions; every other session gets
    a "did not attend" box.
    """
    parallel = parallel or {}
    grouped = {code for codes in parallel.values() for code in codes}
    fields: dict[str, Any] = {
        "session_codes": tuple(session_codes),
        "parallel": {part: tuple(codes) for part, codes in parallel.items()},
    }
    for code in session_codes:
        fields[grid_field(code, "overall")] = rating(_l("Overall rating"))
        fields[grid_field(code, "most_useful")] = _text(_l("Comment (optional)"))
        if code not in grouped:
            fields[grid_field(code, "absent")] = BooleanField(_l("I did not attend this session"))
    for part, codes in parallel.items():
        choices = [SelectChoice(code, code) for code in codes]
        fields[grid_field(part, "attended")] = RadioField(
            _l("These sessions ran at the same time: which did you attend?"),
            choices=[*choices, SelectChoice("none", _l("None of these"))],
            validators=[Optional()],
        )
    return type("GridForm", (GridBase,), fields)


def grid_field(code: str, question: str) -> str:
    """The grid's field name for one question about one session."""
    return f"{question}__{code.replace('-', '_')}"


class WithdrawForm(AppForm):
    """Withdraws an answer, or restores it; ``confirm`` is set by the confirmation page."""

    confirm = HiddenField()

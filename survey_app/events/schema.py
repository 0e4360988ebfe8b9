"""Strict validation of event YAML: every problem names its line."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from survey_db.models.vocabulary import PERSON_ROLES, SESSION_KINDS

from ..texts import gettext as _

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_TEXT = 300
MAX_LONG_TEXT = 4000
#: Limits well above any real dialogue (the first event has 12 sessions, 3 themes and at most
#: 9 people in a session) that keep a hostile file from costing more than a moment to check.
MAX_FILE_CHARS = 256 * 1024
MAX_SESSIONS = 200
MAX_PEOPLE = 60
#: People over all sessions: bounds the rows one upload writes under the write lock.
MAX_PEOPLE_TOTAL = 1000
MAX_THEMES = 50
MAX_PARTS = 20
MAX_HOSTS = 50
#: An event file nests five levels (file > sessions > session > people > person).
MAX_DEPTH = 10
#: Longest number, in characters: a time, a code or a year is far shorter.
MAX_NUMBER_CHARS = 30


class EventFileError(ValueError):
    """A problem in an event file, with the line it is on.

    Messages are translated when raised: in the console's language on a web upload, in
    English on the command line. The file's own keys and values stay as written.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(
            _("line %(line)d: %(message)s", line=line, message=message) if line else message
        )


class _LineLoader(yaml.CSafeLoader):
    """Safe loader (libyaml's parser) that remembers the line of every mapping under ``__line__``.

    It only ever sees files that :func:`_screen` passed: no aliases, tags or deep nesting.
    """


def _screen(text: str) -> None:
    """Refuse what an event file never needs before anything is built from it.

    An alias repeats a part of the file without its text (3,000 aliases of 3,000 aliases are
    nine million people in 33 KB), a tag asks for a type, deep nesting exhausts the stack. The
    check reads libyaml's event stream, which costs milliseconds even for the largest file.
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise EventFileError(
                _(
                    "aliases (*%(name)s) are not allowed in an event file: write the value out",
                    name=event.anchor,
                ),
                line,
            )
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            raise EventFileError(
                _("anchors (&%(name)s) are not allowed in an event file", name=event.anchor), line
            )
        if getattr(event, "tag", None) is not None:
            raise EventFileError(
                _("tags (%(tag)s) are not allowed in an event file", tag=event.tag), line
            )
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise EventFileError(
                    _(
                        "the file exceeds the maximum nesting depth (%(limit)d levels)",
                        limit=MAX_DEPTH,
                    ),
                    line,
                )
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1


def _construct_int(loader: _LineLoader, node: yaml.ScalarNode) -> int:
    """An integer, refused when longer than an event file needs (Python stops at 4,300 digits)."""
    if len(node.value) > MAX_NUMBER_CHARS:
        raise EventFileError(
            _("a number longer than %(limit)d characters", limit=MAX_NUMBER_CHARS),
            node.start_mark.line + 1,
        )
    return loader.construct_yaml_int(node)  # type: ignore[no-any-return]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    loader.flatten_mapping(node)
    mapping: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise EventFileError(
                _("keys must be text, not %(key)s", key=repr(key)), key_node.start_mark.line + 1
            )
        if key in mapping:
            raise EventFileError(
                _("'%(key)s' is given twice", key=key), key_node.start_mark.line + 1
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.setdefault("__lines__", {})[key] = key_node.start_mark.line + 1
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
# Dates and times stay text, so "13:00" is never read as a number of minutes.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class PersonSpec:
    role: str
    name: str
    affiliation_en: str = ""
    affiliation_zh: str = ""
    talk_en: str = ""
    talk_zh: str = ""
    starts_at: time | None = None
    ends_at: time | None = None


@dataclass(frozen=True)
class SessionSpec:
    code: str
    kind: str
    title_en: str
    title_zh: str
    starts_at: time
    ends_at: time
    part: str | None
    takes_feedback: bool
    people: tuple[PersonSpec, ...] = ()


@dataclass(frozen=True)
class ThemeSpec:
    code: str
    title_en: str
    title_zh: str
    description_en: str = ""
    description_zh: str = ""


@dataclass(frozen=True)
class EventSpec:
    """An event file, validated: what :func:`apply_event` writes to the database."""

    series: dict[str, str]
    event: dict[str, Any]
    parts: dict[str, dict[str, str]]
    sessions: tuple[SessionSpec, ...]
    themes: tuple[ThemeSpec, ...] = field(default=())


class _Reader:
    """Reads one mapping strictly, naming the line of each problem."""

    def __init__(self, data: Any, where: str, line: int | None = None) -> None:
        if not isinstance(data, dict):
            raise EventFileError(
                _("%(where)s must be a mapping of keys to values", where=where), line
            )
        self.data = data
        self.where = where
        self.line: int | None = data.get("__line__", line)
        self.lines: dict[str, int] = data.get("__lines__", {})
        self.used: set[str] = {"__line__", "__lines__"}

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key, self.line)

    def error(self, problem: str, key: str | None = None) -> EventFileError:
        """``problem`` (translated) in this mapping, on the line of ``key`` if given."""
        line = self.line if key is None else self.line_of(key)
        return EventFileError(_("%(where)s: %(problem)s", where=self.where, problem=problem), line)

    def text(self, key: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
        self.used.add(key)
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise self.error(_("'%(key)s' is required", key=key))
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self.error(_("'%(key)s' must be text", key=key), key)
        value = str(value).strip()
        if "\x00" in value:
            raise self.error(_("'%(key)s' holds a NUL character", key=key), key)
        if len(value) > limit:
            raise self.error(
                _("'%(key)s' is longer than %(limit)d characters", key=key, limit=limit), key
            )
        return value

    def code(self, key: str, pattern: re.Pattern[str] = CODE_RE) -> str:
        value = self.text(key)
        if not pattern.match(value):
            raise self.error(
                _(
                    "'%(key)s' must be lower-case letters, digits and dashes, not %(value)s",
                    key=key,
                    value=repr(value),
                ),
                key,
            )
        return value

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in choices:
            raise self.error(
                _(
                    "'%(key)s' must be one of %(choices)s, not %(value)s",
                    key=key,
                    choices=", ".join(choices),
                    value=repr(value),
                ),
                key,
            )
        return value

    def time(self, key: str, *, required: bool = True) -> time | None:
        value = self.text(key, required=required)
        if not value:
            return None
        if not TIME_RE.match(value):
            raise self.error(
                _(
                    "'%(key)s' must be a time like \"13:00\", not %(value)s",
                    key=key,
                    value=repr(value),
                ),
                key,
            )
        return time.fromisoformat(value)

    def flag(self, key: str, default: bool) -> bool:
        self.used.add(key)
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(_("'%(key)s' must be true or false", key=key), key)
        return value

    def items(self, key: str, *, limit: int, required: bool = True) -> list[Any]:
        self.used.add(key)
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.error(_("'%(key)s' is required", key=key))
            return []
        if not isinstance(value, list):
            raise self.error(_("'%(key)s' must be a list", key=key), key)
        if len(value) > limit:
            raise self.error(
                _(
                    "'%(key)s' lists %(count)d items, more than the %(limit)d allowed",
                    key=key,
                    count=len(value),
                    limit=limit,
                ),
                key,
            )
        return value

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.error(_("unknown key '%(key)s'", key=unknown[0]), unknown[0])


def _span(reader: _Reader, start: time | None, end: time | None) -> None:
    if start is not None and end is not None and end <= start:
        raise reader.error(_("ends_at must be after starts_at"))


def _person(data: Any, where: str, line: int | None) -> PersonSpec:
    reader = _Reader(data, where, line)
    person = PersonSpec(
        role=reader.choice("role", PERSON_ROLES),
        name=reader.text("name", limit=200),
        affiliation_en=reader.text("affiliation_en", required=False, limit=400),
        affiliation_zh=reader.text("affiliation_zh", required=False, limit=400),
        talk_en=reader.text("talk_en", required=False, limit=400),
        talk_zh=reader.text("talk_zh", required=False, limit=400),
        starts_at=reader.time("starts_at", required=False),
        ends_at=reader.time("ends_at", required=False),
    )
    _span(reader, person.starts_at, person.ends_at)
    reader.done()
    return person


def _session(data: Any, index: int, parts: dict[str, Any], line: int | None) -> SessionSpec:
    reader = _Reader(data, _("session %(number)d", number=index), line)
    code = reader.code("code")
    reader.where = _("session '%(code)s'", code=code)
    kind = reader.choice("kind", SESSION_KINDS)
    reader.used.add("part")
    part = data.get("part")
    if part is not None:
        part = str(part)
        if part not in parts:
            raise reader.error(
                _("part %(part)s is not one of the file's parts", part=repr(part)), "part"
            )
    takes_feedback = reader.flag("feedback", kind != "break")
    if kind == "break" and takes_feedback:
        raise reader.error(_("a break takes no feedback"))
    people = tuple(
        _person(
            item,
            _("%(session)s, person %(number)d", session=reader.where, number=number),
            reader.line_of("people"),
        )
        for number, item in enumerate(
            reader.items("people", limit=MAX_PEOPLE, required=False), start=1
        )
    )
    spec = SessionSpec(
        code=code,
        kind=kind,
        title_en=reader.text("title_en"),
        title_zh=reader.text("title_zh"),
        starts_at=reader.time("starts_at"),  # type: ignore[arg-type]
        ends_at=reader.time("ends_at"),  # type: ignore[arg-type]
        part=part,
        takes_feedback=takes_feedback,
        people=people,
    )
    _span(reader, spec.starts_at, spec.ends_at)
    reader.done()
    return spec


def _theme(data: Any, index: int, line: int | None) -> ThemeSpec:
    reader = _Reader(data, _("theme %(number)d", number=index), line)
    spec = ThemeSpec(
        code=reader.code("code"),
        title_en=reader.text("title_en"),
        title_zh=reader.text("title_zh"),
        description_en=reader.text("description_en", required=False, limit=MAX_LONG_TEXT),
        description_zh=reader.text("description_zh", required=False, limit=MAX_LONG_TEXT),
    )
    reader.done()
    return spec


def _unique(items: list[Any], specs: tuple[Any, ...], message: Callable[[str], str]) -> None:
    """Refuse a code used twice (``message(code)`` says so), naming the line of its second use."""
    seen: set[str] = set()
    for item, spec in zip(items, specs, strict=True):
        if spec.code in seen:
            raise EventFileError(message(spec.code), item.get("__line__"))
        seen.add(spec.code)


def parse_event_yaml(text: str) -> EventSpec:
    """Validate an event file's text; raise :class:`EventFileError` naming the line."""
    if "\x00" in text:
        raise EventFileError(_("the file holds a NUL character"))
    if len(text) > MAX_FILE_CHARS:
        raise EventFileError(
            _("the file is longer than %(limit)d characters", limit=MAX_FILE_CHARS)
        )
    try:
        _screen(text)
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "?"
        line = mark.line + 1 if mark else None
        raise EventFileError(_("not valid YAML: %(problem)s", problem=problem), line) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        raise EventFileError(
            _(
                "the character %(character)s is not allowed in a YAML file",
                character=f"U+{error.character:04X}",
            ),
            line,
        ) from None
    except yaml.YAMLError as error:
        raise EventFileError(_("not valid YAML: %(problem)s", problem=error)) from None
    root = _Reader(data, _("the file"), 1)

    series_reader = _Reader(root.data.get("series"), "series", root.line_of("series"))
    root.used.add("series")
    series = {
        "slug": series_reader.code("slug", SLUG_RE),
        "title_en": series_reader.text("title_en"),
        "title_zh": series_reader.text("title_zh"),
    }
    series_reader.done()

    event_reader = _Reader(root.data.get("event"), "event", root.line_of("event"))
    root.used.add("event")
    event = _event_fields(event_reader)

    parts: dict[str, dict[str, str]] = {}
    for number, item in enumerate(root.items("parts", limit=MAX_PARTS, required=False), start=1):
        reader = _Reader(item, _("part %(number)d", number=number), root.line_of("parts"))
        code = reader.text("code", limit=20)
        if code in parts:
            raise EventFileError(_("part code '%(code)s' is used twice", code=code), reader.line)
        starts, ends = (
            reader.time("starts_at", required=False),
            reader.time("ends_at", required=False),
        )
        _span(reader, starts, ends)
        parts[code] = {
            "title_en": reader.text("title_en"),
            "title_zh": reader.text("title_zh"),
            "starts_at": starts.strftime("%H:%M") if starts else "",
            "ends_at": ends.strftime("%H:%M") if ends else "",
        }
        reader.done()

    session_items = root.items("sessions", limit=MAX_SESSIONS)
    sessions = tuple(
        _session(item, number, parts, root.line_of("sessions"))
        for number, item in enumerate(session_items, start=1)
    )
    _unique(
        session_items, sessions, lambda code: _("session code '%(code)s' is used twice", code=code)
    )
    if sum(len(item.people) for item in sessions) > MAX_PEOPLE_TOTAL:
        raise EventFileError(
            _(
                "the sessions list more than %(limit)d people in all",
                limit=MAX_PEOPLE_TOTAL,
            ),
            root.line_of("sessions"),
        )
    if not any(item.takes_feedback for item in sessions):
        raise EventFileError(_("no session takes feedback"), root.line_of("sessions"))
    theme_items = root.items("themes", limit=MAX_THEMES, required=False)
    themes = tuple(
        _theme(item, number, root.line_of("themes"))
        for number, item in enumerate(theme_items, start=1)
    )
    _unique(theme_items, themes, lambda code: _("theme code '%(code)s' is used twice", code=code))
    root.done()
    return EventSpec(series=series, event=event, parts=parts, sessions=sessions, themes=themes)


def _event_fields(reader: _Reader) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "slug": reader.code("slug", SLUG_RE),
        "title_en": reader.text("title_en"),
        "title_zh": reader.text("title_zh"),
        "subtitle_en": reader.text("subtitle_en", required=False),
        "subtitle_zh": reader.text("subtitle_zh", required=False),
        "venue_en": reader.text("venue_en", required=False),
        "venue_zh": reader.text("venue_zh", required=False),
        "starts_at": reader.time("starts_at"),
        "ends_at": reader.time("ends_at"),
    }
    _span(reader, fields["starts_at"], fields["ends_at"])
    day = reader.text("date")
    try:
        fields["date"] = date.fromisoformat(day)
    except ValueError:
        raise reader.error(
            _(
                "'%(key)s' must be a date like \"2020-11-10\", not %(value)s",
                key="date",
                value=repr(day),
            ),
            "date",
        ) from None
    zone = reader.text("timezone")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise reader.error(_("unknown time zone %(zone)s", zone=repr(zone)), "timezone") from None
    fields["timezone"] = zone
    hosts = reader.items("hosts", limit=MAX_HOSTS, required=False)
    if not all(isinstance(host, str) and 0 < len(host) <= 200 for host in hosts):
        raise reader.error(_("'%(key)s' must be a list of names", key="hosts"), "hosts")
    fields["hosts"] = list(hosts)
    reader.done()
    return fields

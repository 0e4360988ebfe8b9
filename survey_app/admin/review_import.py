"""Reviews coded in a spreadsheet, imported back: a summary first, applied on confirmation.

Organisers download the raw-responses workbook, fill in ``reviewed_levels`` with colleagues
and bring it back (``.xlsx`` or ``.csv``). The file is read and checked as a whole: unknown
level codes, ids of another event, duplicated ids and unreadable files are refused with their
row numbers and nothing is applied. A valid file gives a plan (new reviews, changed reviews,
rows left as they are, conflicts with reviews made in the console since the download), and
only a confirmed plan is applied, in one transaction, with one audit entry.

The plain functions serve ``flask review import`` as well as the console's upload.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from flask_wtf.file import FileField, FileRequired
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired, Regexp

from exports.raw import LEVEL_SEPARATOR, NO_LEVEL
from survey_db import counting
from survey_db.models import Event, Organiser, Response
from survey_db.models.vocabulary import LEVELS

from ..db import get_session
from ..forms import AppForm
from ..texts import gettext as _
from ..texts import lazy_gettext as _l
from . import bp
from .access import event_or_404, organiser
from .audit import record, record_apart
from .review import tag_row

#: The columns a file must have (in a header row; rows above it are skipped).
REQUIRED = ("response_id", "reviewed_levels")
#: Most rows read from one file, and most problems listed.
MAX_ROWS = 200_000
MAX_PROBLEMS = 50
#: Changes listed on the summary (all are counted).
LISTED = 100
#: Bytes an upload in the console may have.
MAX_UPLOAD = 20 * 1024 * 1024
_EXTENSIONS = (".xlsx", ".csv")
#: A response id as a spreadsheet may write it (12, or 12.0 from a number cell).
_ID = re.compile(r"\d{1,18}(\.0+)?")
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


class ImportRefused(ValueError):
    """The file cannot be imported; ``problems`` are (row number, message), row 0 the file."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems[:MAX_PROBLEMS]
        self.more = max(0, len(problems) - MAX_PROBLEMS)
        super().__init__("; ".join(f"row {row}: {text}" if row else text for row, text in problems))


@dataclass(frozen=True)
class FileRow:
    """One data row of the file as read: its row number and the cells that matter."""

    row: int
    response_id: str
    reviewed_levels: str
    reviewed_at: datetime | str | None


@dataclass(frozen=True)
class Change:
    """A review the file would set: the response, its row, the levels now and in the file."""

    response_id: int
    row: int
    before: tuple[str, ...] | None
    after: tuple[str, ...]
    console_at: datetime | None = None


@dataclass
class ImportPlan:
    """What importing a file would do."""

    new: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    conflicts: list[Change] = field(default_factory=list)
    unchanged: int = 0

    def counts(self) -> dict[str, int]:
        """How many of each, for the audit log and the command line."""
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "conflicts": len(self.conflicts),
        }


def read_file(name: str, data: bytes) -> list[FileRow]:
    """The data rows of an ``.xlsx`` or ``.csv`` file, under its header row."""
    suffix = Path(name).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise ImportRefused([(0, _("The file must be an .xlsx workbook or a .csv file."))])
    try:
        rows = _xlsx_rows(data) if suffix == ".xlsx" else _csv_rows(data)
        return _under_header(rows)
    except ImportRefused:
        raise
    except Exception:  # openpyxl and zipfile raise many kinds on a damaged file
        raise ImportRefused(
            [(0, _("The file could not be read as %(kind)s.", kind=suffix))]
        ) from None


def _xlsx_rows(data: bytes) -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        return [tuple(row) for row in islice(sheet.iter_rows(values_only=True), MAX_ROWS + 50)]
    finally:
        book.close()


def _csv_rows(data: bytes) -> list[tuple[object, ...]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([(0, _("The CSV file is not UTF-8 text."))]) from None
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:  # one column, or nothing to tell by: the usual commas
        dialect = csv.excel
    return [tuple(row) for row in islice(csv.reader(io.StringIO(text), dialect), MAX_ROWS + 50)]


def _cell(value: object) -> str:
    return "" if value is None else str(value).strip()


def _header(rows: list[tuple[object, ...]]) -> tuple[int, list[str]]:
    """Index and lower-cased names of the first row holding the required columns."""
    for index, row in enumerate(rows[:50]):
        names = [_cell(value).lower() for value in row]
        if all(name in names for name in REQUIRED):
            return index, names
    raise ImportRefused(
        [(0, _("No header row with the columns response_id and reviewed_levels was found."))]
    )


def _under_header(rows: list[tuple[object, ...]]) -> list[FileRow]:
    index, names = _header(rows)
    at = {name: names.index(name) for name in (*REQUIRED, "reviewed_at") if name in names}
    found = []
    for number, row in enumerate(rows[index + 1 :], start=index + 2):
        cells = list(row) + [None] * (len(names) - len(row))
        ident, levels = (_cell(cells[at[name]]) for name in REQUIRED)
        if not ident and not levels:
            continue
        stamp = cells[at["reviewed_at"]] if "reviewed_at" in at else None
        found.append(
            FileRow(
                number,
                ident,
                levels,
                stamp if isinstance(stamp, datetime) else _cell(stamp) or None,
            )
        )
    if len(found) > MAX_ROWS:
        raise ImportRefused([(0, _("The file has more than %(n)d rows.", n=MAX_ROWS))])
    return found


def _levels(value: str) -> tuple[str, ...] | None:
    """The levels a cell sets: None for an empty cell (no review), () for ``none``."""
    if not value:
        return None
    if value.lower() == NO_LEVEL:
        return ()
    codes = {code.strip().lower() for code in value.split(LEVEL_SEPARATOR)} - {""}
    return tuple(sorted(codes))


def _stamp(value: datetime | str | None, zone: ZoneInfo) -> datetime | None:
    """The file's ``reviewed_at`` (naive, in the event's time zone) as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        for pattern in _FORMATS:
            try:
                value = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
        else:
            return None
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def plan_import(db: Session, event: Event, rows: list[FileRow]) -> ImportPlan:
    """Check every row and sort the reviews into new, changed, unchanged and conflicts.

    Refuses the whole file (:class:`ImportRefused`, every problem with its row) on an id
    that is not a number, a duplicated id, an id of another event or of no answer, or a
    level code that is not one of the four. A conflict is a row that differs from a review
    made after the file's ``reviewed_at`` for that answer (or, with no such column, from
    any review): the console's newer review is kept unless the caller says otherwise.
    """
    problems: list[tuple[int, str]] = []
    seen: dict[int, int] = {}
    wanted: list[tuple[FileRow, int, tuple[str, ...] | None]] = []
    for item in rows:
        if not _ID.fullmatch(item.response_id):
            problems.append(
                (item.row, _("response_id '%(value)s' is not a number.", value=item.response_id))
            )
            continue
        ident = int(item.response_id.split(".")[0])
        if ident in seen:
            problems.append(
                (
                    item.row,
                    _("response %(id)d is also in row %(other)d.", id=ident, other=seen[ident]),
                )
            )
            continue
        seen[ident] = item.row
        levels = _levels(item.reviewed_levels)
        unknown = sorted(set(levels or ()) - set(LEVELS))
        if unknown:
            hint = _(" Separate codes with ;.") if "," in item.reviewed_levels else ""
            problems.append(
                (
                    item.row,
                    _(
                        "unknown level code(s) %(codes)s; use %(known)s or none.",
                        codes=", ".join(unknown),
                        known=", ".join(LEVELS),
                    )
                    + hint,
                )
            )
            continue
        wanted.append((item, ident, levels))
    responses = _responses(db, [ident for _item, ident, _codes in wanted])
    for item, ident, _codes in wanted:
        response = responses.get(ident)
        if response is None or response.event_id != event.id:
            problems.append(
                (item.row, _("response %(id)d is not an answer of this event.", id=ident))
            )
    if problems:
        raise ImportRefused(sorted(problems))
    zone = ZoneInfo(event.timezone)
    plan = ImportPlan()
    for item, ident, levels in wanted:
        tag = responses[ident].tag
        reviewed = tag is not None and counting.is_reviewed(tag.review_state)
        current = tuple(sorted(tag.reviewed_levels or ())) if reviewed else None
        if levels is None or levels == current:
            plan.unchanged += 1
            continue
        if not reviewed:
            plan.new.append(Change(ident, item.row, None, levels))
            continue
        snapshot = _stamp(item.reviewed_at, zone)
        console_at = tag.reviewed_at
        newer = snapshot is None or (
            console_at is not None and console_at - snapshot >= timedelta(minutes=1)
        )
        target = plan.conflicts if newer else plan.changed
        target.append(Change(ident, item.row, current, levels, console_at))
    return plan


def _responses(db: Session, ids: list[int]) -> dict[int, Response]:
    found: dict[int, Response] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(Response).where(Response.id.in_(chunk)).options(selectinload(Response.tag))
        found.update({response.id: response for response in db.scalars(query)})
    return found


def apply_import(
    db: Session,
    event: Event,
    plan: ImportPlan,
    reviewer: Organiser | None,
    *,
    overwrite_conflicts: bool = False,
    source: str,
) -> int:
    """Apply the plan's reviews (conflicts too when asked) and audit the import; give the
    number of reviews set. The caller commits."""
    changes = plan.new + plan.changed + (plan.conflicts if overwrite_conflicts else [])
    responses = _responses(db, [change.response_id for change in changes])
    for change in changes:
        response = responses[change.response_id]
        tag = tag_row(db, response)
        tag.change(
            reviewer.id if reviewer is not None else None,
            list(change.after),
            tag.groups,
            tag.areas,
        )
    record(
        db,
        "review_import",
        organiser=reviewer,
        event=event,
        source=source,
        applied=len(changes),
        overwrite_conflicts=overwrite_conflicts,
        **plan.counts(),
    )
    return len(changes)


# --- The console ------------------------------------------------------------------------


class ImportUploadForm(AppForm):
    """The coded file."""

    file = FileField(
        _l("Coded file (.xlsx or .csv)"), validators=[FileRequired(_l("Please choose a file."))]
    )


class ImportConfirmForm(AppForm):
    """Apply the file kept from the upload."""

    token = StringField(validators=[InputRequired(), Regexp(r"^[A-Za-z0-9_-]{16,64}\.(xlsx|csv)$")])
    overwrite = BooleanField(
        _l("Also apply the file's levels where a review in the console is newer")
    )


def _kept(event: Event, reviewer: Organiser, token: str) -> Path:
    """Where an uploaded file waits for confirmation: per event and organiser."""
    folder = Path(current_app.config["EXPORT_DIR"]) / "review-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{event.id}-{reviewer.id}-{token}"


def _refused(event: Event, form: ImportUploadForm, refusal: ImportRefused, name: str) -> str:
    record_apart(
        "review_import_refused",
        organiser=organiser(),
        event=event,
        file=name,
        problems=len(refusal.problems) + refusal.more,
    )
    return render_template(
        "admin/review_import.html",
        event=event,
        active="admin.review_queue",
        form=form,
        refusal=refusal,
    )


@bp.route("/e/<slug>/review/import", methods=["GET", "POST"])
@login_required
def review_import(slug: str) -> ResponseReturnValue:
    """Upload a coded file and show what importing it would change."""
    event = event_or_404(slug)
    request.max_content_length = MAX_UPLOAD
    form = ImportUploadForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template(
            "admin/review_import.html", event=event, active="admin.review_queue", form=form
        ), status
    upload = form.file.data
    name = Path(upload.filename or "").name
    data = upload.stream.read()
    try:
        plan = plan_import(get_session(), event, read_file(name, data))
    except ImportRefused as refusal:
        return _refused(event, form, refusal, name), 400
    token = f"{secrets.token_urlsafe(18)}{Path(name).suffix.lower()}"
    _kept(event, organiser(), token).write_bytes(data)
    return render_template(
        "admin/review_import.html",
        event=event,
        active="admin.review_queue",
        form=form,
        plan=plan,
        name=name,
        listed=LISTED,
        confirm=ImportConfirmForm(formdata=None, token=token),
    )


@bp.post("/e/<slug>/review/import/apply")
@login_required
def review_import_apply(slug: str) -> ResponseReturnValue:
    """Apply a file confirmed on the summary (checked again against the reviews as they are)."""
    event = event_or_404(slug)
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    path = _kept(event, organiser(), form.token.data)
    if not path.is_file():
        flash(
            _("That upload has expired or was applied already: please upload the file again."),
            "error",
        )
        return redirect(url_for(".review_import", slug=slug))
    db = get_session()
    try:
        plan = plan_import(db, event, read_file(path.name, path.read_bytes()))
    except ImportRefused:
        flash(_("The file no longer fits the answers: please upload it again."), "error")
        return redirect(url_for(".review_import", slug=slug))
    applied = apply_import(
        db, event, plan, organiser(), overwrite_conflicts=form.overwrite.data, source="console"
    )
    db.commit()
    path.unlink(missing_ok=True)
    flash(_("%(n)d review(s) imported.", n=applied), "success")
    return redirect(url_for(".review_queue", slug=slug))

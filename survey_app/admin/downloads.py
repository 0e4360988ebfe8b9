"""Workbook downloads, for the organisers of the event only; each one is audited.

A download never runs the tagger: it builds from the tags as they stand, and the workbook
says how many answers are not tagged yet and when the last run for the event finished.
Tagging is the nightly job's, or *Tag now*'s, which starts that job in the background.

A small event's workbook is built in the request. A large one's (more answers than
:data:`BACKGROUND_FROM`) would outlast the server's timeout, so no request builds it: the
downloads page starts ``flask export`` in the background (:mod:`survey_app.prepared`), shows
its progress, then offers the file. So for the responses list's download when the filtered
list is that long: the page lists it by its filters.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qsl

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from wtforms import HiddenField
from wtforms.validators import AnyOf

from exports import build_summary
from exports.raw import build_raw
from survey_db.models import Event
from survey_db.models import Response as Answer

from ..db import get_session
from ..forms import AppForm
from ..prepared import MAX_WORKING, WANTED, Folder, Wanted, filtered, write_progress
from ..texts import gettext as _
from . import bp, queries
from .access import event_or_404, organiser
from .audit import record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Answers (of any status) above which an event's workbooks are built in the background:
#: 2,000 take a few seconds on a busy 2-core machine, 100,000 well over 60 s (bench/RESULTS.md).
#: ``DOWNLOAD_BACKGROUND_FROM`` in the app's config overrides it.
BACKGROUND_FROM = 2_000
#: Seconds between two looks of the downloads page's script at a build.
PROGRESS_EVERY = 5
#: Where the builds started from the console write their output.
LOG_NAME = "downloads.log"


class PrepareForm(AppForm):
    """The *Prepare* button of one workbook (``filtered``: the responses list with the
    filters in ``filters``, its query string)."""

    workbook = HiddenField(validators=[AnyOf([*WANTED, "filtered"])])
    filters = HiddenField()


def background_from() -> int:
    """Answers above which an event's workbooks are prepared in the background."""
    return int(current_app.config.get("DOWNLOAD_BACKGROUND_FROM", BACKGROUND_FROM))


def answer_count(db: Session, event: Event) -> int:
    """Answers of ``event`` of any status: the rows of its raw workbook."""
    return db.scalar(select(func.count()).where(Answer.event_id == event.id)) or 0


def in_background(db: Session, event: Event) -> bool:
    """Whether ``event`` is too large for its workbooks to be built in a request."""
    return answer_count(db, event) > background_from()


def _folder(event: Event) -> Folder:
    return Folder(current_app.instance_path, organiser().id, event.slug)


def _prepare_instead(event: Event, wanted: Wanted) -> ResponseReturnValue:
    """Send the organiser to the downloads page, where a large event's workbook is prepared."""
    flash(
        _(
            "This event has too many answers to build its workbook while you wait: "
            "prepare it here, and download it when it is ready."
        ),
        "success",
    )
    return redirect(url_for(".downloads", slug=event.slug, _anchor=f"workbook-{wanted.key}"))


def list_workbook(filters: queries.Filters) -> Wanted:
    """The prepared workbook of the responses list with ``filters``."""
    return filtered(filters.as_args())


def prepare_list_instead(event: Event, filters: queries.Filters) -> ResponseReturnValue:
    """Send the organiser to the downloads page, where a long list's workbook is prepared."""
    flash(
        _(
            "This list has too many answers to build its workbook while you wait: "
            "prepare it here, and download it when it is ready."
        ),
        "success",
    )
    return redirect(_list_page(event, list_workbook(filters), anchor=True))


def _list_page(event: Event, wanted: Wanted, anchor: bool = False) -> str:
    """The downloads page, showing the filtered list ``wanted`` even if not prepared yet."""
    return url_for(
        ".downloads",
        slug=event.slug,
        list="filtered",
        **wanted.filters,
        _anchor=f"workbook-{wanted.key}" if anchor else None,
    )


def _asked_list() -> Wanted | None:
    """The filtered list the page's address asks for (``?list=filtered&...``), if any."""
    if request.args.get("list") != "filtered":
        return None
    return list_workbook(queries.Filters.from_args(request.args))


def audit_download(db: Session, event: Event, workbook: str, **detail: object) -> None:
    """Record the download in its own short write transaction."""
    db.commit()  # end the read transaction the workbook was built in
    record(db, "download", organiser=organiser(), event=event, workbook=workbook, **detail)
    db.commit()


def send_built(build: Callable[[Path], Path], name: str) -> Response:
    """Build a workbook in a temporary folder and send it.

    The folder is removed before sending: the open file stays readable until the response
    closes it, and nothing is left on disk even when a client never closes the response.
    """
    folder = tempfile.mkdtemp(prefix="survey-download-")
    try:
        handle = build(Path(folder) / name).open("rb")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return send_xlsx(handle, name)


def send_xlsx(file: Path | BinaryIO, name: str) -> Response:
    """Send a workbook as an attachment that no browser or proxy keeps.

    ``send_file`` sets ``Cache-Control: no-cache`` itself, so the app-wide ``no-store``
    (:mod:`survey_app.security`, which only fills in a missing header) must be set here.
    """
    response = send_file(file, mimetype=XLSX, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/e/<slug>/summary.xlsx")
@login_required
def download_summary(slug: str) -> ResponseReturnValue:
    """Send the summary workbook, from the tags as they stand (``?language=zh``: Chinese;
    ``?demo=yes``: demo answers counted, and every sheet's title says so).

    Not ``?lang=``: that one also switches the console's own language for the session.
    """
    event = event_or_404(slug)
    lang = "zh" if request.args.get("language") == "zh" else "en"
    include_demo = request.args.get("demo") == "yes"
    db = get_session()
    if in_background(db, event):
        return _prepare_instead(event, Wanted("summary", lang, include_demo))
    response = send_built(
        lambda path: build_summary(
            db,
            event,
            path,
            lang=lang,
            visible_event_ids=organiser().visible_event_ids(),
            include_demo=include_demo,
            base_url=current_app.config.get("PUBLIC_BASE_URL", ""),
        ),
        f"{slug}-summary{'-with-demo' if include_demo else ''}.xlsx",
    )
    audit_download(db, event, "summary", lang=lang, demo=include_demo)
    return response


@bp.get("/e/<slug>/nightly.xlsx")
@login_required
def download_nightly(slug: str) -> ResponseReturnValue:
    """Send the latest workbook the nightly job wrote for this event."""
    event = event_or_404(slug)
    folder = Path(current_app.config["EXPORT_DIR"]) / event.slug
    found = sorted(folder.glob("summary-*.xlsx"))
    if not found:
        abort(
            404,
            description=_(
                "The nightly job has not written a workbook for this event yet. "
                "Download the summary instead: it is built on the spot."
            ),
        )
    latest = found[-1]
    response = send_xlsx(latest, f"{slug}-{latest.name}")
    audit_download(get_session(), event, "nightly", file=latest.name)
    return response


@bp.get("/e/<slug>/responses.xlsx")
@login_required
def download_raw(slug: str) -> ResponseReturnValue:
    """Send every response of this event, raw, as a workbook (tags as they stand)."""
    event = event_or_404(slug)
    db = get_session()
    if in_background(db, event):
        return _prepare_instead(event, Wanted("raw"))
    response = send_built(lambda path: build_raw(db, event, path), f"{slug}-responses.xlsx")
    audit_download(db, event, "raw")
    return response


def downloads_context(event: Event) -> dict[str, object]:
    """What the downloads page shows: each workbook's build, and its *Prepare* button.

    The filtered lists prepared before follow the event's workbooks, with the one the
    address asks for (a long list's download sends the organiser here) even if not yet.
    """
    from .responses import filter_chips  # the list's own wording of its filters

    folder = _folder(event)
    lists = folder.filtered_lists()
    asked = _asked_list()
    if asked is not None and asked not in lists:
        lists.append(asked)
    titles: dict[str, str] = {}
    for wanted in lists:
        chips = filter_chips(event, queries.Filters.from_args(wanted.filters))
        shown = "; ".join(words for _name, words in chips)
        titles[wanted.key] = (
            _("The responses list: %(filters)s", filters=shown)
            if shown
            else _("The responses list, not filtered")
        )
    return {
        "builds": [folder.build(wanted) for wanted in [*WANTED.values(), *lists]],
        "list_titles": titles,
        "form": PrepareForm(),
        "progress_every": PROGRESS_EVERY,
        "status_url": url_for(
            ".downloads_status",
            slug=event.slug,
            **({"list": "filtered", **asked.filters} if asked is not None else {}),
        ),
    }


@bp.get("/e/<slug>/downloads")
@login_required
def downloads(slug: str) -> ResponseReturnValue:
    """Show the event's workbooks prepared in the background, and how far their builds are."""
    event = event_or_404(slug)
    _folder(event).sweep()
    db = get_session()
    answers = answer_count(db, event)
    return render_template(
        "admin/downloads.html",
        event=event,
        active="admin.downloads",
        answers=answers,
        large=answers > background_from(),
        **downloads_context(event),
    )


@bp.get("/e/<slug>/downloads/status")
@login_required
def downloads_status(slug: str) -> ResponseReturnValue:
    """Give the builds as HTML in JSON, for the page's script to follow them."""
    event = event_or_404(slug)
    html = render_template("admin/_downloads_status.html", event=event, **downloads_context(event))
    return jsonify(html=html)


def start_build(app: Flask, folder: Folder, event: Event, wanted: Wanted) -> int:
    """Start ``flask export`` for ``wanted`` in the background; give its process id."""
    folder.path.mkdir(parents=True, exist_ok=True)
    if wanted.workbook == "filtered":
        folder.query_file(wanted).write_text(wanted.query, "utf-8")
    progress = folder.progress_file(wanted)
    write_progress(progress, rows=0, expected=0, done=False)
    arguments = ["export", event.slug, "--output", str(folder.file(wanted))]
    arguments += [*wanted.export_arguments(), "--for-organiser", str(organiser().id)]
    arguments += ["--progress", str(progress)]
    return folder.job(wanted).start(app, arguments, Path(app.instance_path) / LOG_NAME)


@bp.post("/e/<slug>/downloads")
@login_required
def prepare_download(slug: str) -> ResponseReturnValue:
    """Start building one workbook in the background; the page shows its progress."""
    event = event_or_404(slug)
    form = PrepareForm()
    back = url_for(".downloads", slug=slug)
    if not form.validate_on_submit():
        flash(_("The button had expired: please press it again."), "error")
        return redirect(back)
    if form.workbook.data == "filtered":
        chosen = queries.Filters.from_args(dict(parse_qsl(form.filters.data or "")))
        wanted = list_workbook(chosen)
        back = _list_page(event, wanted)
    else:
        wanted = WANTED[form.workbook.data]
    folder = _folder(event)
    if folder.working(wanted):
        flash(_("This workbook is being prepared already: its progress shows below."), "error")
        return redirect(back)
    if folder.working_anywhere() >= MAX_WORKING:
        flash(_("Other workbooks are being prepared: please try again in a minute."), "error")
        return redirect(back)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    pid = start_build(app, folder, event, wanted)
    db = get_session()
    record(
        db, "download_prepare", organiser=organiser(), event=event, pid=pid, **wanted.audit_detail()
    )
    db.commit()
    flash(_("The workbook is being prepared. Its progress shows below."), "success")
    return redirect(url_for(".downloads", slug=slug))


@bp.get("/e/<slug>/prepared.xlsx")
@login_required
def download_prepared(slug: str) -> ResponseReturnValue:
    """Send a workbook prepared in the background (``?workbook=KEY``), if it is ready."""
    event = event_or_404(slug)
    wanted = _folder(event).wanted(request.args.get("workbook", ""))
    build = _folder(event).build(wanted) if wanted is not None else None
    if build is None or build.ready_at is None:
        flash(_("That workbook is not ready: prepare it below."), "error")
        return redirect(url_for(".downloads", slug=slug))
    response = send_xlsx(_folder(event).file(build.wanted), build.wanted.download_name(slug))
    detail = {**build.wanted.audit_detail(), "prepared_at": build.ready_at.isoformat()}
    if build.wanted.workbook == "filtered":
        detail["rows"] = build.rows
    audit_download(get_session(), event, detail.pop("workbook"), **detail)
    return response

"""Workbooks prepared in the background: which one, where it lives, how far its build is.

A large event's workbook takes longer to build than a request may last (openpyxl writes about
40 cells per answer, 100,000 answers in over a minute), so the console starts ``flask export``
in the background (:mod:`survey_app.background`) and offers the file when it is written. Each
organiser has a folder of their own per event: the summary's Series sheet compares only the
events its reader may see, and nobody is sent a file built for someone else. The build writes
its progress beside the file; a file is kept :data:`KEEP_SECONDS`, then removed when a
downloads page is next opened.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from .background import Job

#: How long a prepared workbook, or a codebook preview worked out in the background, is kept
#: (both hold attendees' answers, and go stale).
KEEP_SECONDS = 24 * 3600
#: Builds working at once, across all organisers: each takes most of a core.
MAX_WORKING = 2
#: Rows between two progress writes of a build.
PROGRESS_ROWS = 2_000


def remove_stale(files: Iterable[Path]) -> None:
    """Remove those of ``files`` written over :data:`KEEP_SECONDS` ago (a prepared workbook,
    a codebook preview: what holds attendees' answers is not kept longer)."""
    now = time.time()
    for file in files:
        try:
            if now - file.stat().st_mtime > KEEP_SECONDS:
                file.unlink()
        except OSError:
            continue  # gone already, or being replaced by a build


@dataclass(frozen=True)
class Wanted:
    """One workbook a download asks for: the summary (in a language, with or without demo
    answers), the raw responses, or the responses list filtered by ``query`` (the list's
    filters that are set, as a normalised query string: see :func:`filtered`)."""

    workbook: str
    lang: str = "en"
    demo: bool = False
    query: str = ""

    @property
    def key(self) -> str:
        """The workbook's name in the organiser's folder and in the page's form.

        A filtered list's is a digest of its filters: the same filters, the same file.
        """
        if self.workbook == "raw":
            return "raw"
        if self.workbook == "filtered":
            return "filtered-" + hashlib.sha256(self.query.encode()).hexdigest()[:16]
        return "summary" + ("-zh" if self.lang == "zh" else "") + ("-demo" if self.demo else "")

    @property
    def filters(self) -> dict[str, str]:
        """A filtered list's filters, by name."""
        return dict(parse_qsl(self.query))

    def download_name(self, slug: str) -> str:
        """The file name the browser saves (the same as an immediate download's)."""
        if self.workbook == "raw":
            return f"{slug}-responses.xlsx"
        if self.workbook == "filtered":
            return f"{slug}-responses-filtered.xlsx"
        return f"{slug}-summary{'-with-demo' if self.demo else ''}.xlsx"

    def audit_detail(self) -> dict[str, Any]:
        """What the audit log notes of this download (as for an immediate one)."""
        if self.workbook == "raw":
            return {"workbook": "raw"}
        if self.workbook == "filtered":
            return {"workbook": "filtered", "filters": self.filters}
        return {"workbook": "summary", "lang": self.lang, "demo": self.demo}

    def export_arguments(self) -> list[str]:
        """``flask export`` options that build this workbook."""
        if self.workbook == "raw":
            return ["--raw"]
        if self.workbook == "filtered":
            return ["--filtered", self.query]
        return ["--lang", self.lang, *(["--include-demo"] if self.demo else [])]


def filtered(filters: dict[str, str]) -> Wanted:
    """The workbook of the responses list with ``filters`` (those that are set), in a normal
    form: the same filters in any order make the same workbook."""
    return Wanted("filtered", query=urlencode(sorted(filters.items())))


#: A filtered list's key, as :attr:`Wanted.key` makes it (nothing else is a file name).
FILTERED_KEY = re.compile(r"filtered-[0-9a-f]{16}")


#: Every workbook a download may ask for, by key; the page lists them in this order.
WANTED = {
    wanted.key: wanted
    for wanted in (
        Wanted("summary"),
        Wanted("summary", "zh"),
        Wanted("summary", demo=True),
        Wanted("summary", "zh", demo=True),
        Wanted("raw"),
    )
}


@dataclass(frozen=True)
class Build:
    """Where a workbook's build stands: ``working``, ``failed`` or ``done`` (or ``none``),
    the rows written of about ``expected``, and the file if one is ready."""

    wanted: Wanted
    state: str
    rows: int = 0
    expected: int = 0
    ready_at: datetime | None = None

    @property
    def percent(self) -> int:
        """How far the build is, capped below 100 until it has finished."""
        return min(99, 100 * self.rows // self.expected) if self.expected else 0


def write_progress(path: Path, **figures: Any) -> None:
    """Replace the progress file at once (a reader never sees half of it)."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(figures), "utf-8")
    os.replace(temporary, path)


def _read_progress(path: Path) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


class Folder:
    """One organiser's prepared workbooks of one event."""

    def __init__(self, instance: str | Path, organiser_id: int, slug: str) -> None:
        self.root = Path(instance) / "downloads"
        self.path = self.root / str(organiser_id) / slug

    def file(self, wanted: Wanted) -> Path:
        return self.path / f"{wanted.key}.xlsx"

    def query_file(self, wanted: Wanted) -> Path:
        """Where a filtered list's filters are kept, for the page to list its workbook."""
        return self.path / f"{wanted.key}.query"

    def wanted(self, key: str) -> Wanted | None:
        """The workbook named ``key``: one of :data:`WANTED`, or a filtered list prepared
        here before; ``None`` for anything else."""
        if key in WANTED:
            return WANTED[key]
        if not FILTERED_KEY.fullmatch(key):
            return None
        try:
            return Wanted("filtered", query=(self.path / f"{key}.query").read_text("utf-8"))
        except OSError:
            return None

    def filtered_lists(self) -> list[Wanted]:
        """The filtered lists prepared here (or being prepared), oldest first."""
        files = sorted(self.path.glob("filtered-*.query"), key=_modified)
        found = (self.wanted(file.stem) for file in files)
        return [wanted for wanted in found if wanted is not None]

    def job(self, wanted: Wanted) -> Job:
        """The background build of ``wanted``: ``flask export`` writing its file."""
        return Job(self.file(wanted), (b"export",))

    def progress_file(self, wanted: Wanted) -> Path:
        return self.path / f"{wanted.key}.json"

    def working(self, wanted: Wanted) -> bool:
        """Whether a build of ``wanted`` runs now."""
        return self.job(wanted).running()

    def working_anywhere(self) -> int:
        """Builds running now, for every organiser and event."""
        found = 0
        for pid_file in self.root.glob("*/*/*.pid"):
            found += Job(pid_file.with_suffix(".xlsx"), (b"export",)).running()
        return found

    def sweep(self) -> None:
        """Remove every organiser's prepared workbooks older than :data:`KEEP_SECONDS`, and
        the filters of filtered lists asked for as long ago."""
        remove_stale([*self.root.glob("*/*/*.xlsx"), *self.root.glob("*/*/*.query")])

    def build(self, wanted: Wanted) -> Build:
        """Where the build of ``wanted`` stands; a file older than :data:`KEEP_SECONDS` goes."""
        file = self.file(wanted)
        progress = _read_progress(self.progress_file(wanted))
        rows, expected = int(progress.get("rows", 0)), int(progress.get("expected", 0))
        if self.working(wanted):
            return Build(wanted, "working", rows, expected)
        try:
            written = file.stat().st_mtime
        except OSError:
            written = None
        if written is not None and time.time() - written > KEEP_SECONDS:
            file.unlink(missing_ok=True)
            written = None
        ready_at = datetime.fromtimestamp(written, UTC) if written is not None else None
        if self.job(wanted).pid_file.exists() and not progress.get("done"):
            return Build(wanted, "failed", rows, expected, ready_at)
        return Build(wanted, "done" if ready_at else "none", rows, expected, ready_at)

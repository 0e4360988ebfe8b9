"""Pages rendered once per process and version of the event, then given each visit's values.

A blank form page is the same for every attendee of one session and language except for two
hidden values, the CSRF token and the one-time submission key; a thank-you page is the same
for every answer on one session except for the private link's token. Rendering costs most
of such a request (a form's widgets and labels, some dozens of translated strings), so the
first visit renders the page, a copy is kept with stand-ins
where that visit's own values were, and every later visit puts its own values in their
place. The key of a page names everything else it shows, including the event's
``updated_at``, which changes whenever the event file changes the agenda.

The values must be random strings of at least 128 bits (tokens, keys), so that they appear on
the page only where the page puts them and no attendee text can match a stand-in.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence

from flask import current_app, request
from markupsafe import escape

from survey_db.models import Event

from ..i18n import current_language


class KeptPages:
    """A bounded, thread-safe store of rendered pages, least recently used out first."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._stand_ins: list[str] = []
        self._lock = threading.Lock()

    def stand_ins(self, count: int) -> list[str]:
        """The first ``count`` stand-ins: random per process, so no attendee text matches."""
        with self._lock:
            while len(self._stand_ins) < count:
                self._stand_ins.append(f"stand-in-{secrets.token_hex(16)}")
            return self._stand_ins[:count]

    def page(self, key: Hashable, values: Sequence[str], render: Callable[[], str]) -> str:
        """The page under ``key`` showing ``values``; ``render()`` makes it if none is kept.

        ``render`` shows ``values`` themselves, wherever the page needs them.
        """
        values = list(dict.fromkeys(values))  # a value shown twice needs one stand-in
        key = (key, len(values))
        escaped = [str(escape(value)) for value in values]
        stand_ins = self.stand_ins(len(values))
        with self._lock:
            kept = self._pages.get(key)
            if kept is not None:
                self._pages.move_to_end(key)
        if kept is None:
            # Rendered outside the lock: two first visits at once both render, which is harmless.
            html = render()
            kept = html
            for value, stand_in in zip(escaped, stand_ins, strict=True):
                kept = kept.replace(value, stand_in)
            with self._lock:
                self._pages[key] = kept
                while len(self._pages) > self.size:
                    self._pages.popitem(last=False)
            return html
        for value, stand_in in zip(escaped, stand_ins, strict=True):
            kept = kept.replace(stand_in, value)
        return kept


def kept_page(
    event: Event, variant: Hashable, values: Sequence[str], render: Callable[[], str]
) -> str:
    """This request's page, showing ``values``; ``render()`` makes it if none is kept.

    The key is the view, the site (pages carry absolute links), the language and the
    event's version; ``variant`` names whatever else the page shows.
    """
    site = (request.scheme, request.host, request.script_root)
    key = (request.endpoint, site, current_language(), event.id, event.updated_at, variant)
    return current_app.extensions["kept_pages"].page(key, values, render)

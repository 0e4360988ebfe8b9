"""Blank form pages, rendered once per process and version of the event, then given fresh tokens.

A blank form page is the same for every attendee of one session and language except for two
hidden values: the CSRF token and the one-time submission key. Rendering the widgets costs
most of a form request (WTForms writes the markup of every radio button and option in Python),
so the first visit renders the page with stand-ins for those two values, and every visit puts
its own values in their place. The key of a page names everything else it shows, including
the event's ``updated_at``, which changes whenever the event file changes the agenda.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from .operations import new_submission_key


class BlankForms:
    """A bounded, thread-safe store of rendered blank pages, least recently used out first."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        # Random per process, so no attendee text on a page can match them.
        self.csrf_stand_in = f"csrf-stand-in-{secrets.token_hex(16)}"
        self.key_stand_in = f"key-stand-in-{secrets.token_hex(16)}"
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def page(self, key: Hashable, render: Callable[[str, str], str]) -> str:
        """The page under ``key``, calling ``render(csrf, submission_key)`` if it is not kept."""
        with self._lock:
            html = self._pages.get(key)
            if html is not None:
                self._pages.move_to_end(key)
        if html is None:
            # Rendered outside the lock: two first visits at once both render, which is harmless.
            html = render(self.csrf_stand_in, self.key_stand_in)
            with self._lock:
                self._pages[key] = html
                while len(self._pages) > self.size:
                    self._pages.popitem(last=False)
        return html.replace(self.csrf_stand_in, str(escape(generate_csrf()))).replace(
            self.key_stand_in, str(escape(new_submission_key()))
        )


def blank_forms() -> BlankForms:
    """The current app's store (made when the attendee blueprint is registered)."""
    return current_app.extensions["blank_forms"]

"""What the browser tests share: a phone's screen, and text that must wrap on it."""

from __future__ import annotations

from typing import Any

import pytest

PHONE_WIDTH = 360
#: A long link in an answer: every page must still fit the phone's width.
UNBROKEN = "https://example.org/" + "a" * 150


def phone_context(browser: Any, **options: Any) -> Any:
    """A new browser context the size of a small phone, with a touch screen."""
    return browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True, has_touch=True, **options
    )


def page_width(page: Any) -> int:
    """How wide the page is as a whole: more than the screen means it scrolls sideways."""
    return page.evaluate("document.documentElement.scrollWidth")


#: Chart texts that run off their chart (cut off), and table cells a phone squeezes
#: narrower than a few words, or into a column of single words or characters over several
#: lines (Chinese text may break after any character).
_CUT_OR_SQUEEZED = """() => [
    ...[...document.querySelectorAll('.chart svg text')]
        .filter((text) => {
            const box = text.getBBox();
            return box.x < 0 || box.x + box.width > text.ownerSVGElement.viewBox.baseVal.width;
        })
        .map((text) => 'chart text: ' + text.textContent),
    ...[...document.querySelectorAll('.table-wrap th[scope=row], .table-wrap td.text')]
        .filter((cell) => cell.getBoundingClientRect().width < 100)
        .map((cell) => 'narrow cell: ' + cell.textContent.trim().slice(0, 30)),
    ...[...document.querySelectorAll('.table-wrap th, .table-wrap td')]
        .filter((cell) => {
            const content = document.createRange();
            content.selectNodeContents(cell);
            const box = content.getBoundingClientRect();
            const em = parseFloat(getComputedStyle(cell).fontSize);
            return box.height > 3 * em && box.width < 4 * em;
        })
        .map((cell) => 'squeezed cell: ' + cell.textContent.trim().slice(0, 30)),
]"""


def cut_or_squeezed(page: Any) -> list[str]:
    """What on the page is cut off or squeezed too narrow to read."""
    return page.evaluate(_CUT_OR_SQUEEZED)


def pages_look_every_second(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages following background work (suggestions, previews, *Tag now*, prepared
    downloads) look again every second instead of every 5 s, so a test waits less."""
    from survey_app.admin import codebook_views, downloads, tag_now

    monkeypatch.setattr(codebook_views, "PREVIEW_EVERY", 1)
    monkeypatch.setattr(downloads, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(tag_now, "PROGRESS_EVERY", 1)

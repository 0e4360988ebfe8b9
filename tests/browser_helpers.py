"""What the browser tests share: a phone's screen, and text that must wrap on it."""

from __future__ import annotations

from typing import Any

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

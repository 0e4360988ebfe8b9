"""Absolute links for attendees and their QR codes, drawn in the app (no outside service)."""

from __future__ import annotations

import io

import segno
from flask import current_app, request, url_for
from markupsafe import Markup


def public_url(endpoint: str, **values: object) -> str:
    """The absolute address of ``endpoint`` as attendees reach it.

    ``PUBLIC_BASE_URL`` (the app's public root) wins over the request's host, which behind
    a proxy or on an organiser's laptop is often not the address attendees use.
    """
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if not base:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values).removeprefix(request.script_root)
    return base + path


def qr_svg(url: str) -> Markup:
    """An inline ``<svg>`` QR code of ``url``.

    Safe to mark: segno writes only its own elements and the modules that encode the
    URL; the URL's text is not in the markup, and there is no style attribute for the CSP
    to refuse.
    """
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        omitsize=True,
        border=2,
        svgclass="qr-code",
        lineclass=None,
    )
    return Markup(buffer.getvalue().decode("ascii"))  # noqa: S704


def short_link(url: str) -> str:
    """``url`` without its scheme, to print under the QR code for typing by hand."""
    return url.split("://", 1)[-1]


def short_code(kind: str, ident: int) -> str:
    """The code of a short address ``/s/<code>``: ``12`` for a session, ``t3`` for a theme.

    Digits (and one letter) are quick to type from a shared screen; ids do not change when
    the event file is loaded again, so a code on a printed slide keeps working.
    """
    return str(ident) if kind == "session" else f"t{ident}"

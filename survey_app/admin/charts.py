"""Horizontal bar charts as inline SVG, drawn on the server.

No script, no font file and no style attribute: the CSP forbids them and the console must
work on a closed network. Colours and sizes are SVG presentation attributes; the page's own
font is inherited. Every label is escaped.

Each label stands on its own line above its bar, so the chart can be narrow: on a phone it is
drawn at about four fifths of its size and its text stays legible, and a label has the
chart's whole width.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from markupsafe import Markup

#: Geometry in SVG user units (the chart scales down to its container, never up).
WIDTH = 400
#: Latin characters of the 13-unit font that fit in WIDTH in a wide sans-serif font (a
#: Chinese one takes two).
LABEL_COLUMNS = 50
LABEL_HEIGHT = 16
BAR_HEIGHT = 14
ROW_HEIGHT = 38
VALUE_ROOM = 50
BAR_COLOUR = "#2f6f9f"


def _number(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def _columns(char: str) -> int:
    """Room a character takes: Chinese characters are about twice as wide as Latin ones."""
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _shorten(label: str, limit: int = LABEL_COLUMNS) -> str:
    """``label`` cut to ``limit`` columns with an ellipsis, so it stays within the chart."""
    if sum(map(_columns, label)) <= limit:
        return label
    used, kept = 1, []  # the ellipsis takes one column
    for char in label:
        used += _columns(char)
        if used > limit:
            break
        kept.append(char)
    return "".join(kept) + "…"


def bar_chart(
    rows: Sequence[tuple[str, float | None]],
    *,
    title: str,
    scale_max: float | None = None,
    decimals: int = 0,
) -> Markup:
    """One bar per ``(label, value)``; a missing value draws no bar and a dash.

    ``scale_max`` fixes the end of the scale (5 for ratings); by default the largest value.
    The chart carries ``title`` for screen readers, and each bar its label and value.
    """
    values = [value for _label, value in rows if value is not None]
    top = scale_max if scale_max is not None else max(values, default=0)
    room = WIDTH - VALUE_ROOM
    height = max(1, len(rows)) * ROW_HEIGHT
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
            'height="{h}" role="img" aria-label="{title}" font-size="13">'
            "<title>{title}</title>"
        ).format(w=WIDTH, h=height, title=title)
    ]
    for index, (label, value) in enumerate(rows):
        y = index * ROW_HEIGHT
        bar_y = y + LABEL_HEIGHT + 2
        shown = "–" if value is None else _number(value, decimals)
        length = 0 if not value or not top else max(1, round(room * min(value, top) / top))
        parts.append(
            Markup(
                "<g><title>{label}: {shown}</title>"
                '<text x="2" y="{ly}" fill="#1d2733">{short}</text>'
                '<rect x="0" y="{by}" width="{length}" height="{bh}" fill="{colour}"></rect>'
                '<text x="{vx}" y="{vy}" fill="#1d2733">{shown}</text></g>'
            ).format(
                label=label,
                shown=shown,
                short=_shorten(str(label)),
                ly=y + LABEL_HEIGHT - 4,
                by=bar_y,
                length=length,
                bh=BAR_HEIGHT,
                colour=BAR_COLOUR,
                vx=length + 6,
                vy=bar_y + BAR_HEIGHT - 3,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)

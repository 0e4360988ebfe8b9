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


#: Colours of the answers 1 to 5: a diverging scale, red (poor) through grey to blue.
SCALE_COLOURS = ("#b2182b", "#ef8a62", "#9e9e9e", "#67a9cf", "#2166ac")
#: Height of the line under a distribution's bar with its n, mean and spread.
STATS_HEIGHT = 16
LEGEND_HEIGHT = 24


def distribution_chart(
    rows: Sequence[tuple[str, Sequence[int], str]],
    *,
    title: str,
    legend: tuple[str, str],
) -> Markup:
    """One stacked bar of the answers 1-5 per ``(label, counts, stats)``, as Likert data is shown.

    Each bar spans the whole width (the shares of each answer); ``stats`` (n, mean and
    spread, already worded) stands under it. ``legend`` words the two ends of the scale.
    Every segment carries its answer, count and share for screen readers.
    """
    row_height = ROW_HEIGHT + STATS_HEIGHT
    height = LEGEND_HEIGHT + max(1, len(rows)) * row_height
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
            'height="{h}" role="img" aria-label="{title}" font-size="13">'
            "<title>{title}</title>"
        ).format(w=WIDTH, h=height, title=title)
    ]
    swatch = WIDTH // 10
    parts.append(
        Markup('<g class="legend"><text x="2" y="15" fill="#1d2733">{low}</text>').format(
            low=_shorten(legend[0], 14)
        )
    )
    for value, colour in enumerate(SCALE_COLOURS, 1):
        x = WIDTH // 2 - swatch * 5 // 2 + (value - 1) * swatch
        parts.append(
            Markup(
                '<rect x="{x}" y="4" width="{w}" height="14" fill="{colour}"></rect>'
                '<text x="{tx}" y="15" fill="{ink}" text-anchor="middle">{value}</text>'
            ).format(
                x=x,
                w=swatch,
                colour=colour,
                tx=x + swatch // 2,
                value=value,
                ink="#fff" if value in (1, 5) else "#1d2733",
            )
        )
    parts.append(
        Markup('<text x="{x}" y="15" fill="#1d2733" text-anchor="end">{high}</text></g>').format(
            x=WIDTH - 2, high=_shorten(legend[1], 14)
        )
    )
    for index, (label, counts, stats) in enumerate(rows):
        y = LEGEND_HEIGHT + index * row_height
        bar_y = y + LABEL_HEIGHT + 2
        total = sum(counts)
        parts.append(
            Markup(
                "<g><title>{label}: {stats}</title>"
                '<text x="2" y="{ly}" fill="#1d2733">{short}</text>'
            ).format(label=label, stats=stats, short=_shorten(str(label)), ly=y + LABEL_HEIGHT - 4)
        )
        x = 0.0
        for value, (count, colour) in enumerate(zip(counts, SCALE_COLOURS, strict=True), 1):
            if not total or not count:
                continue
            width = WIDTH * count / total
            parts.append(
                Markup(
                    '<rect x="{x:.1f}" y="{by}" width="{w:.1f}" height="{bh}" fill="{colour}">'
                    "<title>{value}: {count} ({share:.0f}%)</title></rect>"
                ).format(
                    x=x,
                    by=bar_y,
                    w=width,
                    bh=BAR_HEIGHT,
                    colour=colour,
                    value=value,
                    count=count,
                    share=100 * count / total,
                )
            )
            x += width
        if not total:
            parts.append(
                Markup(
                    '<rect x="0" y="{by}" width="{w}" height="{bh}" fill="#eef1f4"></rect>'
                ).format(by=bar_y, w=WIDTH, bh=BAR_HEIGHT)
            )
        parts.append(
            Markup('<text x="2" y="{sy}" fill="#56616d">{stats}</text></g>').format(
                sy=bar_y + BAR_HEIGHT + STATS_HEIGHT - 3, stats=_shorten(stats)
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)

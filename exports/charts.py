"""Charts a person reads at a glance: horizontal bars, short labels, values on the bars.

Each chart reads a small table the sheet wrote just above it and sits below that table, in
the rows the sheet leaves blank for it, so it prints on the page of its figures.
"""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

#: Centimetres of one sheet row (15 points).
ROW_CM = 0.53


def rows_for(bars: int, per_bar: float = 1.1, extra: int = 6) -> int:
    """Sheet rows to leave blank under a chart of ``bars`` horizontal bars."""
    return int(bars * per_bar) + extra


def _labels(number_format: str) -> DataLabelList:
    labels = DataLabelList()
    labels.showVal = True
    for name in ("showSerName", "showCatName", "showLegendKey", "showPercent"):
        setattr(labels, name, False)
    labels.numFmt = number_format
    return labels


def _size(chart: BarChart | LineChart, rows: int, width_cm: float) -> None:
    chart.height = rows * ROW_CM
    chart.width = width_cm


def _horizontal_bars(
    ws: WriteOnlyWorksheet,
    chart: BarChart,
    title: str,
    columns: tuple[int, int],
    rows: tuple[int, int],
    number_format: str,
    anchor: str,
    height_rows: int,
) -> None:
    """Lay out ``chart`` as horizontal bars over the table's ``columns`` and ``rows`` (header
    row first), the table's first row on top, values as shares on the bars, legend below."""
    header_row, last_row = rows
    chart.type = "bar"
    chart.title = title
    chart.add_data(
        Reference(ws, min_col=columns[0], max_col=columns[1], min_row=header_row, max_row=last_row),
        titles_from_data=True,
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=last_row))
    chart.dataLabels = _labels(number_format)
    chart.y_axis.number_format = "0%"
    chart.x_axis.scaling.orientation = "maxMin"  # the first row of the table on top
    chart.legend.position = "b"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    _size(chart, height_rows, 24)
    ws.add_chart(chart, anchor)


def distribution_chart(
    ws: WriteOnlyWorksheet,
    title: str,
    header_row: int,
    last_row: int,
    first_col: int,
    anchor: str,
    rows: int,
) -> None:
    """Stacked 100% horizontal bars of the share of each answer 1-5, one bar per category.

    The table holds the short label in column A and the five shares from ``first_col``.
    """
    chart = BarChart()
    chart.grouping = "percentStacked"
    chart.overlap = 100
    chart.gapWidth = 40
    chart.y_axis.majorGridlines = None
    # "0%;;;": no label on an empty segment.
    _horizontal_bars(
        ws, chart, title, (first_col, first_col + 4), (header_row, last_row), "0%;;;", anchor, rows
    )


def level_chart(
    ws: WriteOnlyWorksheet,
    title: str,
    header_row: int,
    last_row: int,
    first_col: int,
    series: int,
    anchor: str,
    rows: int,
) -> None:
    """Clustered horizontal bars: one group per row of the table, one bar per share column."""
    chart = BarChart()
    chart.grouping = "clustered"
    chart.gapWidth = 60
    chart.y_axis.scaling.min = 0
    columns = (first_col, first_col + series - 1)
    _horizontal_bars(ws, chart, title, columns, (header_row, last_row), "0%", anchor, rows)


def trend_chart(
    ws: WriteOnlyWorksheet,
    title: str,
    header_row: int,
    last_row: int,
    first_col: int,
    series: int,
    anchor: str,
    rows: int,
) -> None:
    """One line per share column across the rows (events, oldest first)."""
    chart = LineChart()
    chart.title = title
    chart.add_data(
        Reference(
            ws,
            min_col=first_col,
            max_col=first_col + series - 1,
            min_row=header_row,
            max_row=last_row,
        ),
        titles_from_data=True,
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=last_row))
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.legend.position = "b"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    _size(chart, rows, 24)
    ws.add_chart(chart, anchor)

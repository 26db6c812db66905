"""Horizontal bar charts of the evaluation and the monitor: lead times per chain stage and plain
bars (cases per year, the chain). Same rules as publication.charts: every text inside the
viewBox (the label column is as wide as the longest wrapped label, values get room on the right),
no chart without data (``charts.no_data`` instead)."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from inbeeld.analysis.presenter import number
from inbeeld.pilot.charts import INK, LINE_COLOUR, TRACK_COLOUR, svg_label, svg_wrap, text_width
from inbeeld.pilot.charts import svg_frame as _frame
from inbeeld.pilot.charts import svg_join as _join
from inbeeld.pilot.charts import svg_number as _n
from inbeeld.publication.charts import EXPOSED_COLOUR, no_data

LABEL_CHARS = 24  # a label longer than this wraps over lines (tspans)
LINE_H = 14.0


def _label_column(labels) -> tuple[float, int]:
    """(width of the label column, most lines of one label) for ``labels`` wrapped at
    LABEL_CHARS characters; the width fits the longest line."""
    wrapped = [svg_wrap(str(label), LABEL_CHARS) for label in labels] or [[""]]
    longest = max(text_width(line) for lines in wrapped for line in lines)
    return 16.0 + longest, max(len(lines) for lines in wrapped)


def _legend(items, *, x: float, y: float) -> SafeString:
    """A one-line key: (swatch svg at (x, y-9), text) pairs next to each other."""
    parts = []
    for swatch, text in items:
        parts.append(
            format_html('{}<text x="{}" y="{}">{}</text>', swatch(x, y), _n(x + 22), _n(y), text)
        )
        x += 22 + text_width(text) + 16
    return _join(parts)


def _lead_time_legend(y: float, x: float) -> tuple[SafeString, float]:
    items = [
        (
            lambda lx, ly: format_html(
                '<rect x="{}" y="{}" width="16" height="8" fill="{}"/>',
                _n(lx),
                _n(ly - 8),
                EXPOSED_COLOUR,
            ),
            _("mediaan"),
        ),
        (
            lambda lx, ly: format_html(
                '<rect x="{}" y="{}" width="16" height="10" fill="{}"/>',
                _n(lx),
                _n(ly - 9),
                TRACK_COLOUR,
            ),
            _("25e tot 75e percentiel"),
        ),
        (
            lambda lx, ly: format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"/>',
                _n(lx + 8),
                _n(ly - 11),
                _n(lx + 8),
                _n(ly + 1),
                INK,
            ),
            _("90e percentiel"),
        ),
    ]
    end = x + sum(22 + text_width(text) + 16 for _swatch, text in items)
    return _legend(items, x=x, y=y), end


def lead_time_chart(rows: list[tuple[str, object]], *, title: str) -> SafeString:
    """Per stage a bar to the median lead time, a band from the 25th to the 75th percentile and
    a tick at the 90th percentile: how long the step takes when it happens (the conditional
    quantiles of stats.lead_times; "nog niet te bepalen" when too few cases reached the next
    step). "mediaan N d" stands right of the furthest mark, so no line crosses it.
    ``rows``: (label, lead_times.LeadTimeEstimate). No stage with a figure: ``no_data``."""
    values = [v for _label, s in rows for v in (s.median, s.q1, s.q3, s.p90) if v is not None]
    if not values:
        return no_data(_("nog geen ketenstap met genoeg casussen om een doorlooptijd te bepalen"))
    label_w, most_lines = _label_column(label for label, _summary in rows)
    row_h = max(34.0, most_lines * LINE_H + 12.0)
    value_w = text_width(_("mediaan %(days)s d") % {"days": number(max(values), 0)}) + 12
    legend_y = 16.0 + row_h * len(rows) + 20.0
    legend, legend_end = _lead_time_legend(legend_y, label_w)
    width = max(640.0, legend_end + 8)
    height = legend_y + 10.0
    plot_w = width - label_w - value_w
    top_value = max(values)

    def x(days: float) -> float:
        return label_w + plot_w * days / top_value

    body = []
    for row, (label, summary) in enumerate(rows):
        yy = 16.0 + row * row_h
        mid = yy + (row_h - 10) / 2
        body.append(svg_label(label_w - 10, mid, str(label), width=LABEL_CHARS, line_h=LINE_H))
        if summary.q1 is not None and summary.q3 is not None:
            body.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    _n(x(summary.q1)),
                    _n(mid - 11),
                    _n(max(x(summary.q3) - x(summary.q1), 1)),
                    _n(22),
                    TRACK_COLOUR,
                )
            )
        if summary.median is not None:
            furthest = max(v for v in (summary.median, summary.q3, summary.p90) if v is not None)
            body.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                    '<text class="pilot-value" x="{}" y="{}">{}</text>',
                    _n(label_w),
                    _n(mid - 5),
                    _n(max(x(summary.median) - label_w, 1)),
                    _n(10),
                    EXPOSED_COLOUR,
                    _n(x(furthest) + 6),
                    _n(mid + 4),
                    _("mediaan %(days)s d") % {"days": number(summary.median, 0)},
                )
            )
        else:
            body.append(
                format_html(
                    '<text class="pilot-bar-note" x="{}" y="{}">{}</text>',
                    _n(label_w + 6),
                    _n(mid + 4),
                    _("nog niet te bepalen"),
                )
            )
        if summary.p90 is not None:
            body.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"/>',
                    _n(x(summary.p90)),
                    _n(mid - 11),
                    _n(x(summary.p90)),
                    _n(mid + 11),
                    INK,
                )
            )
    body.append(
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
            _n(label_w),
            _n(8),
            _n(label_w),
            _n(16.0 + row_h * len(rows)),
            LINE_COLOUR,
        )
    )
    body.append(legend)
    return _frame(
        width=width,
        height=height,
        title=title,
        desc=_(
            "Doorlooptijd per ketenstap in dagen, als de stap plaatsvindt (bij de casussen die "
            "de volgende stap bereikten): de balk loopt tot de mediaan, het grijze vlak van het "
            "25e tot het 75e percentiel, het streepje staat bij het 90e percentiel."
        ),
        body=_join(body),
    )


def bar_chart(
    rows: list[tuple[str, int | None]], *, title: str, desc: str, suppressed: str = "×"
) -> SafeString:
    """Horizontal bars, one per row; a suppressed value (None) gets no bar, only the symbol, so
    the chart never shows more than the table under it. Nothing but zeros and suppressed
    values: ``no_data``."""
    known = [v for _label, v in rows if v is not None]
    if not any(known):
        return no_data(_("geen aantallen boven nul die gepubliceerd mogen worden"))
    label_w, most_lines = _label_column(label for label, _value in rows)
    row_h = max(22.0, most_lines * LINE_H + 8.0)
    top_value = max(known)
    value_w = text_width(number(top_value, 0)) + 12
    width = max(560.0, label_w + 240.0 + value_w)
    height = 12.0 + row_h * len(rows) + 8.0
    plot_w = width - label_w - value_w
    body = []
    for row, (label, value) in enumerate(rows):
        mid = 8.0 + row * row_h + row_h / 2
        body.append(svg_label(label_w - 8, mid, str(label), width=LABEL_CHARS, line_h=LINE_H))
        if value is None:
            body.append(
                format_html(
                    '<text x="{}" y="{}">{}</text>', _n(label_w + 4), _n(mid + 4), suppressed
                )
            )
            continue
        bar = plot_w * value / top_value
        body.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                '<text class="pilot-value" x="{}" y="{}">{}</text>',
                _n(label_w),
                _n(mid - 7),
                _n(max(bar, 1)),
                _n(14),
                EXPOSED_COLOUR,
                _n(label_w + bar + 4),
                _n(mid + 4),
                number(value, 0),
            )
        )
    return _frame(width=width, height=height, title=title, desc=desc, body=_join(body))

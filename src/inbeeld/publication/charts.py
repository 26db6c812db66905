"""SVG charts of the evaluation: the share with a complaint over time (cumulative incidence) and
lead times per chain stage.

Same rules as the pilot charts (pilot.charts): no script, no inline style, presentation
attributes from the Okabe–Ito palette, escaped text, a title and a description per chart; the page
shows the numbers in a table too.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from inbeeld.pilot.charts import INK, LINE_COLOUR, PALETTE, TRACK_COLOUR
from inbeeld.pilot.charts import svg_frame as _frame
from inbeeld.pilot.charts import svg_join as _join
from inbeeld.pilot.charts import svg_number as _n

EXPOSED_COLOUR, UNEXPOSED_COLOUR = PALETTE[0], PALETTE[1]


def _step_path(times, values, *, x, y, t_max: float, start: float) -> str:
    """An SVG path of a right-continuous step function with value ``start`` at time 0."""
    points = [f"M{_n(x(0))},{_n(y(start))}"]
    for t, v in zip(times, values, strict=True):
        if t > t_max:
            break
        points.append(f"H{_n(x(t))}")
        points.append(f"V{_n(y(v))}")
    points.append(f"H{_n(x(t_max))}")
    return "".join(points)


def incidence_chart(
    curves: list[tuple[str, object]], *, title: str, t_max: float = 365.0
) -> SafeString:
    """Share of cases WITH a complaint against days since the index date, one step line per
    group. ``curves``: (label, competing.CumulativeIncidence), whose ``survival`` is one minus
    the cumulative incidence of a complaint."""
    width, height = 560.0, 320.0
    left, right, top, bottom = 64.0, 16.0, 16.0, 84.0  # room for "100 %"
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(t: float) -> float:
        return left + plot_w * min(t, t_max) / t_max

    def y(share_with: float) -> float:  # plotted: the share with a complaint, 1 − S(t)
        return top + plot_h * (1 - share_with)

    grid = []
    for q in (0.0, 0.25, 0.5, 0.75, 1.0):
        yy = top + plot_h * (1 - q)
        grid.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end">{} %</text>',
                _n(left),
                _n(yy),
                _n(left + plot_w),
                _n(yy),
                TRACK_COLOUR,
                _n(left - 6),
                _n(yy + 4),
                f"{q * 100:.0f}",
            )
        )
    for day in range(0, int(t_max) + 1, 90):
        grid.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                _n(x(day)),
                _n(top + plot_h + 16),
                day,
            )
        )
    grid.append(
        format_html(
            '<text x="{}" y="{}" text-anchor="middle">{}</text>',
            _n(left + plot_w / 2),
            _n(top + plot_h + 34),
            _("dagen sinds de indexdatum"),
        )
    )
    lines, legend = [], []
    for number, (label, curve) in enumerate(curves):
        if curve is None:
            continue
        colour = PALETTE[number % len(PALETTE)]
        path = _step_path(
            list(curve.times), [1 - s for s in curve.survival], x=x, y=y, t_max=t_max, start=0.0
        )
        lines.append(
            format_html(
                '<path d="{}" fill="none" stroke="{}" stroke-width="2.5"{}/>',
                path,
                colour,
                mark_safe(' stroke-dasharray="6 4"') if number % 2 else "",  # noqa: S308 (a constant)
            )
        )
        lx, ly = left + 10, top + plot_h + 52 + number * 17
        legend.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"{}/>'
                '<text x="{}" y="{}">{}</text>',
                _n(lx),
                _n(ly - 4),
                _n(lx + 24),
                _n(ly - 4),
                colour,
                mark_safe(' stroke-dasharray="6 4"') if number % 2 else "",  # noqa: S308 (a constant)
                _n(lx + 30),
                _n(ly),
                label,
            )
        )
    axes = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
        _n(left),
        _n(top + plot_h),
        _n(left + plot_w),
        _n(top + plot_h),
        INK,
    )
    return _frame(
        width=width,
        height=height,
        title=title,
        desc=_(
            "Cumulatieve incidentie: het aandeel casussen met een aangifte, uitgezet tegen het "
            "aantal dagen sinds de indexdatum; terugtrekken en sluiten zonder aangifte tellen als "
            "concurrerende uitkomst. De getallen staan ook in de tekst."
        ),
        body=_join([*grid, axes, *lines, *legend]),
    )


def lead_time_chart(rows: list[tuple[str, object]], *, title: str) -> SafeString:
    """Per stage a bar to the median lead time, a band from the 25th to the 75th percentile and
    a tick at the 90th percentile: how long the step takes when it happens (the conditional
    quantiles of stats.lead_times; "nog niet te bepalen" when too few cases reached the next
    step). ``rows``: (label, lead_times.LeadTimeEstimate)."""
    width, row_h, left, right = 720.0, 34.0, 340.0, 60.0  # room for the longest stage label
    height = 24.0 + row_h * len(rows) + 30.0
    values = [v for _, s in rows for v in (s.median, s.q3, s.p90) if v is not None]
    top_value = max(values) if values else 1.0
    plot_w = width - left - right

    def x(days: float) -> float:
        return left + plot_w * days / top_value

    body = []
    for number, (label, summary) in enumerate(rows):
        yy = 16.0 + number * row_h
        body.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end">{}</text>', _n(left - 8), _n(yy + 15), label
            )
        )
        if summary.q1 is not None and summary.q3 is not None:
            body.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    _n(x(summary.q1)),
                    _n(yy + 2),
                    _n(max(x(summary.q3) - x(summary.q1), 1)),
                    _n(row_h - 12),
                    TRACK_COLOUR,
                )
            )
        if summary.median is not None:
            body.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                    '<text class="pilot-value" x="{}" y="{}">{}</text>',
                    _n(left),
                    _n(yy + 8),
                    _n(max(x(summary.median) - left, 1)),
                    _n(row_h - 24),
                    EXPOSED_COLOUR,
                    _n(x(summary.median) + 4),
                    _n(yy + 16),
                    _("%(days)s d") % {"days": f"{summary.median:.0f}"},
                )
            )
        else:
            body.append(
                format_html(
                    '<text class="pilot-bar-note" x="{}" y="{}">{}</text>',
                    _n(left + 4),
                    _n(yy + 16),
                    _("nog niet te bepalen"),
                )
            )
        if summary.p90 is not None:
            body.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"/>',
                    _n(x(summary.p90)),
                    _n(yy + 2),
                    _n(x(summary.p90)),
                    _n(yy + row_h - 10),
                    INK,
                )
            )
    body.append(
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
            _n(left),
            _n(8),
            _n(left),
            _n(height - 26),
            LINE_COLOUR,
        )
    )
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
    the chart never shows more than the table under it."""
    width, row_h, left, right = 560.0, 22.0, 190.0, 70.0
    height = 12.0 + row_h * len(rows) + 8.0
    known = [v for _, v in rows if v is not None]
    top_value = max(known) if known else 1
    plot_w = width - left - right
    body = []
    for number, (label, value) in enumerate(rows):
        y = 8.0 + number * row_h
        body.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end">{}</text>', _n(left - 8), _n(y + 14), label
            )
        )
        if value is None:
            body.append(
                format_html('<text x="{}" y="{}">{}</text>', _n(left + 4), _n(y + 14), suppressed)
            )
            continue
        bar = plot_w * value / top_value if top_value else 0
        body.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                '<text class="pilot-value" x="{}" y="{}">{}</text>',
                _n(left),
                _n(y + 3),
                _n(max(bar, 1)),
                _n(row_h - 8),
                EXPOSED_COLOUR,
                _n(left + bar + 4),
                _n(y + 14),
                f"{value:,}".replace(",", "."),
            )
        )
    return _frame(width=width, height=height, title=title, desc=desc, body=_join(body))

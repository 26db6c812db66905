"""SVG charts of the evaluation and the monitor: the share with a complaint over time (cumulative
incidence, with its pointwise 95 % confidence band) here, lead times per chain stage and
horizontal bars in publication.bar_charts.

Same rules as the pilot charts (pilot.charts): no script, no inline style, presentation
attributes from the Okabe–Ito palette, escaped text, a title and a description per chart; the page
shows the numbers in a table too. Every text stays inside the chart's viewBox (label columns are
sized from the labels, long labels wrap), and a chart without data is not drawn: a Dutch sentence
says so instead (``no_data``).
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from inbeeld.analysis.presenter import pct
from inbeeld.pilot.charts import INK, PALETTE, TRACK_COLOUR
from inbeeld.pilot.charts import svg_frame as _frame
from inbeeld.pilot.charts import svg_join as _join
from inbeeld.pilot.charts import svg_number as _n

EXPOSED_COLOUR, UNEXPOSED_COLOUR = PALETTE[0], PALETTE[1]
BAND_OPACITY = "0.18"  # the band shows the line through it; two bands overlap visibly
TABLE_DAYS = (90, 180, 270, 365)


def no_data(reason: str | None = None) -> SafeString:
    """What the page shows instead of a chart without data: one Dutch sentence."""
    sentence = _("Geen gegevens om te tonen")
    if reason:
        sentence = f"{sentence}: {reason}"
    return format_html('<p class="chart-empty" data-testid="chart-empty">{}.</p>', sentence)


def _steps(times, values, *, t_end: float, start: float) -> list[tuple[float, float]]:
    """The corners (t, value) of a right-continuous step function with value ``start`` at 0, up
    to ``t_end``."""
    points = [(0.0, start)]
    last = start
    for t, v in zip(times, values, strict=True):
        if t > t_end:
            break
        points += [(float(t), last), (float(t), float(v))]
        last = float(v)
    points.append((t_end, last))
    return points


def _path(points, *, x, y, close: bool = False) -> str:
    first, *rest = points
    d = f"M{_n(x(first[0]))},{_n(y(first[1]))}" + "".join(
        f"L{_n(x(t))},{_n(y(v))}" for t, v in rest
    )
    return d + "Z" if close else d


def _dash(number: int) -> SafeString | str:
    return mark_safe(' stroke-dasharray="6 4"') if number % 2 else ""  # noqa: S308 (a constant)


def _shown(curves) -> list[tuple[int, str, object]]:
    """(colour number, label, curve) of the curves with cases; the colour number keeps each
    group's colour when another group has none."""
    return [
        (number, label, curve)
        for number, (label, curve) in enumerate(curves)
        if curve is not None and curve.n > 0
    ]


def incidence_chart(
    curves: list[tuple[str, object]], *, title: str, t_max: float = 365.0
) -> SafeString:
    """Share of cases WITH a complaint against days since the index date, one step line per
    group with its pointwise 95 % confidence band (a shaded area). ``curves``: (label,
    competing.CumulativeIncidence): ``cif`` is the line, ``ci_low``/``ci_high`` the band (drawn
    as far as the group was followed). Without any group with cases: ``no_data``."""
    shown = _shown(curves)
    if not shown:
        return no_data(_("er zijn geen casussen in deze vergelijking"))
    legend_lines = len(shown) + 1  # one per group, one for the band
    width, left, right, top = 560.0, 64.0, 24.0, 16.0
    plot_h = 220.0
    height = top + plot_h + 46.0 + legend_lines * 18.0
    plot_w = width - left - right

    def x(t: float) -> float:
        return left + plot_w * min(t, t_max) / t_max

    def y(share_with: float) -> float:
        return top + plot_h * (1 - share_with)

    grid = []
    for q in (0.0, 0.25, 0.5, 0.75, 1.0):
        grid.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end">{} %</text>',
                _n(left),
                _n(y(q)),
                _n(left + plot_w),
                _n(y(q)),
                TRACK_COLOUR,
                _n(left - 8),
                _n(y(q) + 4),
                f"{q * 100:.0f}",
            )
        )
    for day in range(0, int(t_max) + 1, 90):
        grid.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                _n(x(day)),
                _n(top + plot_h + 18),
                day,
            )
        )
    grid.append(
        format_html(
            '<text x="{}" y="{}" text-anchor="middle">{}</text>',
            _n(left + plot_w / 2),
            _n(top + plot_h + 36),
            _("dagen sinds de indexdatum"),
        )
    )
    bands, lines, legend = [], [], []
    legend_y = top + plot_h + 60.0
    for row, (number, label, curve) in enumerate(shown):
        colour = PALETTE[number % len(PALETTE)]
        followed = min(t_max, curve.last_time)
        upper = _steps(curve.times, curve.ci_high, t_end=followed, start=0.0)
        lower = _steps(curve.times, curve.ci_low, t_end=followed, start=0.0)
        bands.append(
            format_html(
                '<path class="ci-band" d="{}" fill="{}" fill-opacity="{}" stroke="none"/>',
                _path(upper + lower[::-1], x=x, y=y, close=True),
                colour,
                BAND_OPACITY,
            )
        )
        line = _steps(curve.times, curve.cif, t_end=t_max, start=0.0)
        lines.append(
            format_html(
                '<path d="{}" fill="none" stroke="{}" stroke-width="2.5"{}/>',
                _path(line, x=x, y=y),
                colour,
                _dash(number),
            )
        )
        ly = legend_y + row * 18
        legend.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"{}/>'
                '<text x="{}" y="{}">{}</text>',
                _n(left),
                _n(ly - 4),
                _n(left + 24),
                _n(ly - 4),
                colour,
                _dash(number),
                _n(left + 30),
                _n(ly),
                label,
            )
        )
    band_y = legend_y + len(shown) * 18
    legend.append(
        format_html(
            '<rect x="{}" y="{}" width="24" height="10" fill="{}" fill-opacity="{}"/>'
            '<text x="{}" y="{}">{}</text>',
            _n(left),
            _n(band_y - 9),
            EXPOSED_COLOUR,
            BAND_OPACITY,
            _n(left + 30),
            _n(band_y),
            _("95 %-betrouwbaarheidsband (per groep, in de kleur van de lijn)"),
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
            "aantal dagen sinds de indexdatum, met per groep een gekleurde band voor het "
            "95 %-betrouwbaarheidsinterval; terugtrekken en sluiten zonder aangifte tellen als "
            "concurrerende uitkomst. De getallen staan ook in de tabel bij de grafiek."
        ),
        body=_join([*bands, *grid, axes, *lines, *legend]),
    )


def _pct(share: float) -> str:
    """A percentage that never breaks between the number and its sign (narrow table cells)."""
    return pct(share).replace(" ", "\u00a0")


def incidence_table(
    curves: list[tuple[str, object]], *, t_max: float = 365.0, days=TABLE_DAYS
) -> dict | None:
    """The numbers of ``incidence_chart``: per day in ``days`` (up to ``t_max``) and per group
    the share with a complaint and its 95 % band, or "nog niet te schatten" when the group was
    not followed that long. None without any group with cases (then there is no chart)."""
    shown = _shown(curves)
    if not shown:
        return None
    rows = []
    for day in (d for d in days if d <= t_max):
        cells = []
        for _number, _label, curve in shown:
            at = curve.at(float(day))
            cells.append(
                _("nog niet te schatten")
                if at is None
                else _("%(share)s (%(low)s tot %(high)s)")
                % {"share": _pct(at.estimate), "low": _pct(at.low), "high": _pct(at.high)}
            )
        rows.append({"day": day, "cells": cells})
    return {"columns": [label for _number, label, _curve in shown], "rows": rows}

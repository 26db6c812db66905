"""Server-side SVG charts of the pilot dashboard: a progress bar, reach bars, a deployment timeline.

No script and no inline style (the CSP is ``style-src 'self'``): colours are SVG presentation
attributes (``fill=``, ``stroke=``) from one fixed, colour-blind-safe palette (Okabe–Ito); fonts
come from the ``.pilot-chart`` rules in inbeeld.css. Every text is escaped (format_html). Each
chart is an image with a title and a description; the page shows its numbers in a table too.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

# Okabe–Ito: distinguishable with the common colour-vision deficiencies. Interventions get these
# colours in catalogue order (a sixth and later intervention reuses the palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
ELIGIBLE_COLOUR = "#56B4E9"
REACHED_COLOUR = "#0B4F8A"
PROGRESS_COLOUR = "#185C2C"
TRACK_COLOUR = "#E5E9ED"
LINE_COLOUR = "#8A949E"
INK = "#1B1B1B"
TODAY_COLOUR = "#A4000F"

_ids = itertools.count(1)


def _uid(prefix: str) -> str:
    """A document-unique id for a chart's title, description or pattern."""
    return f"{prefix}-{next(_ids)}"


def svg_number(value: float) -> str:
    """A coordinate: plain decimal point, never localised."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def svg_join(parts) -> SafeString:
    """Escaped parts of an SVG document, one after the other."""
    return format_html_join("", "{}", ((part,) for part in parts))


# Short names for this module's many call sites; other apps (publication.charts) import the
# public names svg_number, svg_join, svg_frame, svg_wrap and svg_label.
_n, _join = svg_number, svg_join

# A generous width per character of chart text at 12 px (the page's chart font; the PDF uses
# 10 px): the widest common glyphs of the sans-serif fonts we name are about 7 px. Label columns
# are sized with it so that no label is cut off at the edge of the chart.
CHAR_WIDTH = 7.4


def text_width(text: str) -> float:
    """The estimated width of ``text`` in a chart (px, generous)."""
    return len(text) * CHAR_WIDTH


def svg_wrap(text: str, width: int) -> list[str]:
    """Split ``text`` into lines of at most about ``width`` characters (at spaces)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def svg_label(x: float, y_mid: float, text: str, *, width: int, line_h: float = 13.0) -> SafeString:
    """A right-aligned label, wrapped over lines of about ``width`` characters (tspans) and
    centred on ``y_mid``."""
    lines = svg_wrap(text, width)
    first = y_mid + 4 - line_h * (len(lines) - 1) / 2
    spans = _join(
        format_html('<tspan x="{}" dy="{}">{}</tspan>', _n(x), _n(0 if i == 0 else line_h), line)
        for i, line in enumerate(lines)
    )
    return format_html('<text x="{}" y="{}" text-anchor="end">{}</text>', _n(x), _n(first), spans)


_wrap, _label = svg_wrap, svg_label


def _day(value: dt.date) -> str:
    return date_filter(value, "j M Y")


def intervention_colours(interventions) -> dict[int, str]:
    return {
        intervention.pk: PALETTE[i % len(PALETTE)] for i, intervention in enumerate(interventions)
    }


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour: str
    hatched: bool = False

    @property
    def swatch(self) -> SafeString:
        return swatch(self.colour, hatched=self.hatched)


def swatch(colour: str, *, hatched: bool = False) -> SafeString:
    """A small square in ``colour`` (hatched: with the 'assumed' hatching) for a legend."""
    if not hatched:
        return format_html(
            '<svg class="pilot-swatch" width="14" height="14" viewBox="0 0 14 14" aria-hidden="true"'
            ' focusable="false"><rect width="14" height="14" fill="{}" stroke="{}"/></svg>',
            colour,
            INK,
        )
    pattern = _uid("pilot-hatch-swatch")
    return format_html(
        '<svg class="pilot-swatch" width="14" height="14" viewBox="0 0 14 14" aria-hidden="true"'
        ' focusable="false">{}<rect width="14" height="14" fill="{}" stroke="{}"/>'
        '<rect width="14" height="14" fill="url(#{})"/></svg>',
        _hatch_pattern(pattern),
        colour,
        INK,
        pattern,
    )


def _hatch_pattern(pattern_id: str) -> SafeString:
    return format_html(
        '<defs><pattern id="{}" patternUnits="userSpaceOnUse" width="6" height="6"'
        ' patternTransform="rotate(45)"><rect width="3" height="6" fill="#FFFFFF"'
        ' fill-opacity="0.6"/></pattern></defs>',
        pattern_id,
    )


def svg_frame(
    *, width: float, height: float, title: str, desc: str, body, css: str = "pilot-chart"
) -> SafeString:
    """The <svg> element of a chart: its size, an accessible title and description, ``body``.
    The font size is a presentation attribute too (the page's CSS sets the same), so that a
    renderer without the page's styles (WeasyPrint's PDF) draws the text at the size the label
    columns were measured for."""
    title_id, desc_id = _uid("pilot-chart-title"), _uid("pilot-chart-desc")
    return format_html(
        '<svg class="{}" viewBox="0 0 {} {}" width="{}" height="{}" role="img"'
        ' aria-labelledby="{} {}" xmlns="http://www.w3.org/2000/svg" font-size="12"'
        ' font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">'
        '<title id="{}">{}</title><desc id="{}">{}</desc>{}</svg>',
        css,
        _n(width),
        _n(height),
        _n(width),
        _n(height),
        title_id,
        desc_id,
        title_id,
        title,
        desc_id,
        desc,
        body,
    )


_frame = svg_frame


# --- progress to the target -------------------------------------------------------------------


def progress_bar(reached: int, target: int, *, label: str) -> SafeString:
    """A horizontal bar: ``reached`` of ``target`` (the fill stops at 100 %)."""
    width, height, bar_h = 480.0, 22.0, 18.0
    share = min(reached / target, 1.0) if target else 0.0
    percent = 100 * reached / target if target else 0.0
    ticks = _join(
        format_html(
            '<line x1="{}" y1="0" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>',
            _n(width * q),
            _n(width * q),
            _n(bar_h),
            LINE_COLOUR,
        )
        for q in (0.25, 0.5, 0.75)
    )
    body = format_html(
        '<rect x="0" y="0" width="{}" height="{}" fill="{}" stroke="{}"/>{}'
        '<rect x="0" y="0" width="{}" height="{}" fill="{}"/>',
        _n(width),
        _n(bar_h),
        TRACK_COLOUR,
        LINE_COLOUR,
        ticks,
        _n(width * share),
        _n(bar_h),
        PROGRESS_COLOUR,
    )
    return _frame(
        width=width,
        height=height,
        title=label,
        desc=_("%(percent)s procent van het doel.") % {"percent": f"{percent:.0f}"},
        body=body,
        css="pilot-chart pilot-progress",
    )


# --- reach per intervention -------------------------------------------------------------------


def reach_bars(data: list[tuple[str, int, int]], *, title: str) -> SafeString:
    """Per intervention two bars: eligible cases and cases reached (delivered).

    ``data``: (label, eligible, reached) per intervention. No data or only zeros: no chart (the
    table says it all)."""
    if not any(eligible or reached for _label, eligible, reached in data):
        return SafeString("")
    label_w, value_w, plot_w = 230.0, 48.0, 440.0
    bar_h, gap, top = 14.0, 12.0, 30.0
    width = label_w + plot_w + value_w
    height = top + len(data) * (2 * bar_h + 2 + gap) + 4
    scale = max([1] + [max(e, r) for _label, e, r in data])
    legend = format_html(
        '<rect x="{}" y="4" width="12" height="12" fill="{}"/>'
        '<text x="{}" y="14">{}</text>'
        '<rect x="{}" y="4" width="12" height="12" fill="{}"/>'
        '<text x="{}" y="14">{}</text>',
        _n(label_w),
        ELIGIBLE_COLOUR,
        _n(label_w + 16),
        _("In aanmerking (inzet)"),
        _n(label_w + 190),
        REACHED_COLOUR,
        _n(label_w + 206),
        _("Bereikt (uitgevoerd)"),
    )
    groups = []
    y = top
    for label, eligible, reached in data:
        bars = []
        for i, (value, colour) in enumerate(
            ((eligible, ELIGIBLE_COLOUR), (reached, REACHED_COLOUR))
        ):
            bar_y = y + i * (bar_h + 2)
            bar_w = plot_w * value / scale
            bars.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                    '<text class="pilot-value" x="{}" y="{}">{}</text>',
                    _n(label_w),
                    _n(bar_y),
                    _n(bar_w),
                    _n(bar_h),
                    colour,
                    _n(label_w + bar_w + 4),
                    _n(bar_y + bar_h - 3),
                    value,
                )
            )
        groups.append(
            format_html("{}{}", _label(label_w - 8, y + bar_h + 1, label, width=30), _join(bars))
        )
        y += 2 * bar_h + 2 + gap
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
        _n(label_w),
        _n(top - 4),
        _n(label_w),
        _n(y - gap + 4),
        INK,
    )
    return _frame(
        width=width,
        height=height,
        title=title,
        desc=_("Staafdiagram; dezelfde aantallen staan in de tabel eronder."),
        body=format_html("{}{}{}", legend, _join(groups), axis),
    )


# --- deployments on a timeline per police unit ------------------------------------------------


def phase_charts(
    phase_label: str, *, reached: int, target: int, bars: list[tuple[str, int, int]]
) -> tuple[SafeString, SafeString]:
    """The two charts of a phase on the dashboard: its progress to the target and, per
    intervention (label, eligible, reached), the reach bars."""
    progress = progress_bar(
        reached,
        target,
        label=_("%(phase)s: %(n)s van %(target)s slachtoffers bereikt")
        % {"phase": phase_label, "n": reached, "target": target},
    )
    chart = reach_bars(
        bars,
        title=_("%(phase)s: casussen in aanmerking en bereikt per interventie")
        % {"phase": phase_label},
    )
    return progress, chart


def _lanes(deployments) -> list[list]:
    """Pack deployments into lanes so that bars in one lane never overlap."""
    lanes: list[list] = []
    ends: list[dt.date | None] = []
    for deployment in deployments:
        for i, end in enumerate(ends):
            if end is not None and end < deployment.start:
                lanes[i].append(deployment)
                ends[i] = deployment.end
                break
        else:
            lanes.append([deployment])
            ends.append(deployment.end)
    return lanes


def _timeline_rows(deployments, units) -> list[tuple[str, list]]:
    """(row label, deployments) per police unit in ``units`` order, then the deployments without
    a unit (if any)."""
    by_unit: dict[int, list] = {u.pk: [] for u in units}
    without_unit = []
    for deployment in deployments:
        deployment_units = list(deployment.police_units.all())
        if not deployment_units:
            without_unit.append(deployment)
        for unit in deployment_units:
            by_unit.setdefault(unit.pk, []).append(deployment)
    rows: list[tuple[str, list]] = [(unit.name, by_unit.get(unit.pk, [])) for unit in units]
    if without_unit:
        rows.append((_("Nog geen eenheid"), without_unit))
    return rows


def _deployment_bar(
    deployment, *, x0: float, bar_y: float, bar_w: float, lane_h: float, colour: str, hatch: str
) -> SafeString:
    """One deployment's bar: its tooltip, an arrow when open-ended, hatching when assumed."""
    period = (
        _("%(start)s – %(end)s") % {"start": _day(deployment.start), "end": _day(deployment.end)}
        if deployment.end
        else _("vanaf %(start)s, loopt door") % {"start": _day(deployment.start)}
    )
    tooltip = f"{deployment.intervention.label}, {deployment.phase.label}: {period}"
    if deployment.regions_assumed:
        tooltip += " " + _("(regio's aangenomen)")
    bar = [
        format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}"'
            ' stroke-width="0.5"><title>{}</title></rect>',
            _n(x0),
            _n(bar_y),
            _n(bar_w),
            _n(lane_h),
            colour,
            INK,
            tooltip,
        )
    ]
    if deployment.end is None:
        bar.append(
            format_html(
                '<path d="M{} {} l6 {} l-6 {} z" fill="{}"/>',
                _n(x0 + bar_w),
                _n(bar_y),
                _n(lane_h / 2),
                _n(lane_h / 2),
                colour,
            )
        )
    if deployment.regions_assumed:
        bar.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="url(#{})"'
                ' pointer-events="none"/>',
                _n(x0),
                _n(bar_y),
                _n(bar_w),
                _n(lane_h),
                hatch,
            )
        )
        if bar_w > 80:
            bar.append(
                format_html(
                    '<text class="pilot-bar-note" x="{}" y="{}" fill="{}"'
                    ' stroke="#FFFFFF" stroke-width="3" paint-order="stroke">{}</text>',
                    _n(x0 + 5),
                    _n(bar_y + lane_h - 4),
                    INK,
                    _("aangenomen"),
                )
            )
    return _join(bar)


def _year_ticks(x, t0: dt.date, t1: dt.date, *, top: float, bottom_y: float) -> SafeString:
    """A vertical line at every 1 January from ``t0`` to ``t1`` and the year between lines."""
    ticks = []
    for year in range(t0.year, t1.year + 1):
        tick_x = x(dt.date(year, 1, 1))
        ticks.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="0.75"/>',
                _n(tick_x),
                _n(top - 6),
                _n(tick_x),
                _n(bottom_y),
                LINE_COLOUR,
            )
        )
        if year < t1.year:
            ticks.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                    _n((tick_x + x(dt.date(year + 1, 1, 1))) / 2),
                    _n(top - 10),
                    year,
                )
            )
    return _join(ticks)


def _today_marker(today_x: float, *, top: float, bottom_y: float, width: float) -> SafeString:
    return format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1.5"'
        ' stroke-dasharray="4 3"/><text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
        _n(today_x),
        _n(top - 6),
        _n(today_x),
        _n(bottom_y + 4),
        TODAY_COLOUR,
        _n(min(today_x, width - 30)),
        _n(bottom_y + 16),
        TODAY_COLOUR,
        _("vandaag"),
    )


def deployment_timeline(
    deployments, units, *, colours: dict[int, str], interventions, today: dt.date
) -> tuple[SafeString, list[LegendEntry]]:
    """One row per police unit, a bar per deployment coloured per intervention, year ticks.

    Deployments whose regions are assumed are hatched and say "aangenomen"; an open end runs to
    the right edge. Returns the SVG and the legend entries (shown as HTML under the chart)."""
    used = {d.intervention_id for d in deployments}
    legend = [
        LegendEntry(label=i.label, colour=colours[i.pk]) for i in interventions if i.pk in used
    ]
    if any(d.regions_assumed for d in deployments):
        legend.append(LegendEntry(label=_("regio's aangenomen"), colour=LINE_COLOUR, hatched=True))
    if not deployments:
        return SafeString(""), legend

    first = min(d.start for d in deployments)
    last = max([d.end or today for d in deployments] + [today])
    t0 = dt.date(first.year, 1, 1)
    t1 = dt.date(last.year + 1, 1, 1)
    span = (t1 - t0).days

    label_w, plot_w, right = 240.0, 720.0, 14.0
    top, bottom = 26.0, 22.0
    lane_h, lane_gap, pad = 16.0, 3.0, 5.0
    width = label_w + plot_w + right

    def x(day: dt.date) -> float:
        return label_w + plot_w * (day - t0).days / span

    hatch = _uid("pilot-hatch")
    parts = [_hatch_pattern(hatch)]
    y = top
    row_parts = []
    for name, items in _timeline_rows(deployments, units):
        items = sorted(items, key=lambda d: (d.start, d.intervention.order, d.pk))
        lanes = _lanes(items) or [[]]
        row_h = 2 * pad + len(lanes) * lane_h + (len(lanes) - 1) * lane_gap
        row_parts.append(
            format_html(
                '{}<line x1="0" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="0.5"/>',
                _label(label_w - 8, y + row_h / 2, name, width=34, line_h=12),
                _n(y + row_h),
                _n(width),
                _n(y + row_h),
                LINE_COLOUR,
            )
        )
        for lane_no, lane in enumerate(lanes):
            bar_y = y + pad + lane_no * (lane_h + lane_gap)
            for deployment in lane:
                x0 = x(deployment.start)
                # An end date is inclusive: the bar runs to the end of that day.
                x1 = x(deployment.end + dt.timedelta(days=1)) if deployment.end else x(t1)
                row_parts.append(
                    _deployment_bar(
                        deployment,
                        x0=x0,
                        bar_y=bar_y,
                        bar_w=max(x1 - x0, 2.0),
                        lane_h=lane_h,
                        colour=colours[deployment.intervention_id],
                        hatch=hatch,
                    )
                )
        y += row_h
    height = y + bottom

    parts += [
        _year_ticks(x, t0, t1, top=top, bottom_y=y),
        _join(row_parts),
        _today_marker(x(today), top=top, bottom_y=y, width=width),
    ]
    svg = _frame(
        width=width,
        height=height,
        title=_("Inzet van interventies per politie-eenheid"),
        desc=_(
            "Tijdlijn met per eenheid een balk per inzet, gekleurd per interventie; gearceerde "
            "balken hebben aangenomen regio's. De inzet staat ook in de tabel onder de tijdlijn."
        ),
        body=_join(parts),
    )
    return svg, legend

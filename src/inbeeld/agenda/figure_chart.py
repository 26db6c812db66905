"""The figure as an inline SVG (no external requests, readable at phone width): the strict and
the lenient share with their 95 % intervals, and the cumulative incidence by the horizon."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, ROW, LEFT, RIGHT = 340, 64, 16, 24


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def share_chart(figure) -> SafeString:
    """Horizontal points with interval whiskers, 0–100 %; an empty note when nothing to draw."""
    bars = []
    for label, interval in (
        (_("Strikt"), figure.strict.result.share),
        (_("Ruim"), figure.lenient.result.share),
        (
            _("Cumulatieve incidentie (ruim, indicatief)")
            if figure.lenient.result.indicative
            else _("Cumulatieve incidentie (ruim)"),
            figure.lenient.result.cumulative_incidence,
        ),
    ):
        if interval is not None:
            bars.append((label, interval))
    if not bars:
        return mark_safe(  # noqa: S308 - a constant, translated sentence, escaped
            f'<p class="chart-empty">{escape(_("Nog geen aanbeveling oud genoeg om te beoordelen."))}</p>'
        )
    span = WIDTH - LEFT - RIGHT
    height = ROW * len(bars) + 24
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="agenda-chart-title"><title id="agenda-chart-title">'
        f"{escape(_('Aandeel aanbevelingen met een duurzame verandering, met 95%-interval'))}</title>"
    ]
    for tick in (0, 0.5, 1):
        x = LEFT + tick * span
        parts.append(
            f'<line x1="{x:.1f}" y1="6" x2="{x:.1f}" y2="{height - 20}" stroke="#ccd3da"/>'
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle">{_pct(tick)}</text>'
        )
    for i, (label, interval) in enumerate(bars):
        y = 30 + i * ROW  # the label on its own line above its whisker: it fits a phone
        low, high, mid = (LEFT + v * span for v in (interval.low, interval.high, interval.estimate))
        # the value under its point, kept inside the drawing near either end
        anchor, tx = "middle", mid
        if interval.estimate < 0.25:
            anchor, tx = "start", 4
        elif interval.estimate > 0.75:
            anchor, tx = "end", WIDTH - 4
        parts.append(
            f'<text x="4" y="{y - 12}">{escape(label)}</text>'
            f'<line x1="{low:.1f}" y1="{y}" x2="{high:.1f}" y2="{y}" stroke="#0b4f8a" stroke-width="3"/>'
            f'<circle cx="{mid:.1f}" cy="{y}" r="6" fill="#0b4f8a"/>'
            f'<text x="{tx:.1f}" y="{y + 22}" text-anchor="{anchor}">{_pct(interval.estimate)} '
            f"({_pct(interval.low)}–{_pct(interval.high)})</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped

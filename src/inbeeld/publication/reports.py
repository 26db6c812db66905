"""Reports that can leave the platform: the evaluation report and the monitor report, as HTML and
as PDF (WeasyPrint), with SVG charts and their data tables, dated, with the method in plain Dutch.

Everything in a report passes disclosure control: counts below INBEELD_DISCLOSURE_MIN_CELL are not
shown, and a comparison with such a small group is suppressed as a whole (its shares and
differences would give the counts away). WeasyPrint fetches nothing from outside: the url fetcher
refuses every URL, the charts are inline SVG and the styles are in the document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld.analysis import presenter
from inbeeld.publication import charts


@dataclass(frozen=True)
class Report:
    title: str
    html: str
    filename_stem: str

    def pdf(self) -> bytes:
        return render_pdf(self.html)


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"reports fetch nothing from outside: {url}")


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_no_fetch, base_url="/").write_pdf()


def min_cell() -> int:
    return settings.INBEELD_DISCLOSURE_MIN_CELL


def comparison_publishable(comparison, threshold: int | None = None) -> bool:
    """Whether every cell of the 2×2 table (with and without the outcome, in both groups) is 0 or
    at least the minimum cell size."""
    threshold = threshold or min_cell()
    cells = (
        comparison.x1,
        comparison.n1 - comparison.x1,
        comparison.x0,
        comparison.n0 - comparison.x0,
    )
    return comparison.n1 > 0 and comparison.n0 > 0 and all(c == 0 or c >= threshold for c in cells)


def _suppressed_row(row: dict) -> dict:
    label = _("onderdrukt")
    return {
        **row,
        "itt_n": label,
        "itt_p1": label,
        "itt_p0": label,
        "itt_rd": label,
        "posterior": label,
    }


def evaluation_report(
    result, *, scope_label: str, progress: Callable[[str], None] | None = None
) -> Report:
    progress = progress or (lambda step: None)
    threshold = min_cell()
    rows, items = [], []
    for item in result.interventions:
        progress(item.spec.label)
        row = presenter.overview_row(item)
        if not comparison_publishable(item.itt, threshold):
            row = _suppressed_row(row)
        if not comparison_publishable(item.delivered, threshold):
            row["delivered_rd"] = row["delivered_rd_short"] = _("onderdrukt")
        rows.append(row)
        sections = presenter.intervention_sections(item, result.horizon_days)
        for index, comparison in ((0, item.itt), (1, item.delivered)):
            if not comparison_publishable(comparison, threshold):
                sections[index] = {
                    "title": sections[index]["title"],
                    "sentences": [
                        _(
                            "Onderdrukt: een van de groepen is kleiner dan %(min)s casussen; "
                            "publiceren zou herleidbaar kunnen zijn."
                        )
                        % {"min": threshold}
                    ],
                }
        km = None
        if comparison_publishable(item.itt, threshold) and item.survival_itt.exposed is not None:
            km = charts.kaplan_meier_chart(
                [
                    (_("regio's met de interventie"), item.survival_itt.exposed),
                    (_("regio's zonder"), item.survival_itt.unexposed),
                ],
                title=_("Aangifte in de tijd: %(label)s") % {"label": item.spec.label},
            )
        items.append({"label": item.spec.label, "sections": sections, "km": km})
    progress(_("doorlooptijden"))
    lead_rows = [
        row
        if row["summary"].n >= threshold
        else {**row, "n": f"<{threshold}", "q1": "–", "median": "–", "q3": "–", "p90": "–"}
        for row in presenter.lead_time_rows(result)
    ]
    lead_chart = charts.lead_time_chart(
        [
            (row["label"], row["summary"])
            for row in presenter.lead_time_rows(result)
            if row["summary"].n >= threshold
        ],
        title=_("Doorlooptijd per ketenstap"),
    )
    title = _("Evaluatie van de interventies voor aangiftebereidheid")
    html = render_to_string(
        "reports/evaluation.html",
        {
            "title": title,
            "generated_at": timezone.localtime(),
            "scope_label": scope_label,
            "cutoff": result.cutoff,
            "horizon": result.horizon_days,
            "summary": presenter.overall_sentences(result),
            "rows": rows,
            "items": items,
            "lead_rows": lead_rows,
            "lead_chart": lead_chart,
            "lead_sentences": presenter.lead_time_sentences(result),
            "min_cell": threshold,
        },
    )
    stamp = timezone.localdate().isoformat()
    return Report(title=title, html=html, filename_stem=f"inbeeld-evaluatie-{stamp}")

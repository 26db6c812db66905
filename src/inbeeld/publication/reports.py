"""Reports that can leave the platform: the evaluation report and the monitor report, as HTML and
as PDF (WeasyPrint), with SVG charts and their data tables, dated, with the method in plain Dutch.

Everything in a report passes disclosure control: counts below INBEELD_DISCLOSURE_MIN_CELL are not
shown, and a comparison with such a small group is suppressed as a whole (its shares and
differences would give the counts away). WeasyPrint fetches nothing from outside: the url fetcher
refuses every URL, the charts are inline SVG and the styles are in the document.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld.analysis import presenter, presenter_primary, presenter_safety
from inbeeld.publication import charts, report_lead_times


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


def survival_publishable(comparison, threshold: int | None = None) -> bool:
    """Whether both Kaplan–Meier groups of a time-to-complaint comparison may be described: in
    each group the cases with and without a complaint are 0 or at least the minimum cell size (a
    median or a curve of a smaller group gives individual durations away)."""
    threshold = threshold or min_cell()
    groups = (comparison.exposed, comparison.unexposed)
    if any(group is None for group in groups):
        return False
    return all(
        group.n > 0 and all(c == 0 or c >= threshold for c in (group.n_events, group.n_censored))
        for group in groups
    )


def _suppressed_row(row: dict) -> dict:
    """An overview row whose intention-to-treat comparison is suppressed: every number derived
    from its 2×2 table goes (the shares, the difference in both forms, the posterior and the
    cases still needed, which follows from the two shares)."""
    label = _("onderdrukt")
    return {
        **row,
        "itt_n": label,
        "itt_p1": label,
        "itt_p0": label,
        "itt_rd": label,
        "itt_rd_short": label,
        "posterior": label,
        "still_needed": label,
    }


def _primary_block(item, threshold: int) -> dict:
    """The primary analysis as the page shows it, unless its 2×2 table has a cell below the
    minimum size: then it is suppressed as a whole (its counts, shares and difference would give
    the counts away, and so would the verdict 'too few cases' with its numbers)."""
    primary = getattr(item, "primary", None)
    block = presenter_primary.primary_block(primary)
    if (
        primary is not None
        and primary.comparison == "itt_concurrent"
        and primary.n1
        and primary.n0
        and not comparison_publishable(primary, threshold)
    ):
        block = {
            **block,
            "sentence": _(
                "Onderdrukt: een van de groepen van de primaire analyse is kleiner dan %(min)s "
                "casussen; publiceren zou herleidbaar kunnen zijn."
            )
            % {"min": threshold},
            "details": block["details"][:1],
            "label": _("onderdrukt"),
        }
    return block


def _without_small_survival(item, threshold: int) -> tuple[object, list[str]]:
    """``item`` with the time-to-complaint comparisons that may not be published taken out (the
    presenter skips a comparison without an exposed curve), and a sentence for each."""
    sentences = []
    for attribute, name in (
        ("survival_itt", _("Naar toewijzing")),
        ("survival_delivered", _("Zoals uitgevoerd")),
    ):
        comparison = getattr(item, attribute)
        if comparison is None or comparison.exposed is None:
            continue
        if survival_publishable(comparison, threshold):
            continue
        item = dataclasses.replace(
            item, **{attribute: dataclasses.replace(comparison, exposed=None, unexposed=None)}
        )
        sentences.append(
            _("%(name)s: onderdrukt, een van de groepen is kleiner dan %(min)s casussen.")
            % {"name": name, "min": threshold}
        )
    return item, sentences


def evaluation_report(
    result, *, scope_label: str, progress: Callable[[str], None] | None = None
) -> Report:
    progress = progress or (lambda step: None)
    threshold = min_cell()
    rows, items = [], []
    for item in result.interventions:
        progress(item.spec.label)
        row = presenter.overview_row(item, result.horizon_days)
        if not comparison_publishable(item.itt, threshold):
            row = _suppressed_row(row)
        if not comparison_publishable(item.delivered, threshold):
            row["delivered_rd"] = row["delivered_rd_short"] = _("onderdrukt")
        primary = _primary_block(item, threshold)
        row["primary"] = primary
        rows.append(row)
        shown, hidden_survival = _without_small_survival(item, threshold)
        sections = presenter.intervention_sections(shown, result.horizon_days)
        by_key = {section["key"]: index for index, section in enumerate(sections)}
        if "survival" in by_key:
            survival = sections[by_key["survival"]]
            survival["sentences"] = [*survival["sentences"], *hidden_survival]
        for key, comparison in (("itt", item.itt), ("delivered", item.delivered)):
            index = by_key[key]
            if not comparison_publishable(comparison, threshold):
                sections[index] = {
                    "key": key,
                    "title": sections[index]["title"],
                    "sentences": [
                        _(
                            "Onderdrukt: een van de groepen is kleiner dan %(min)s casussen; "
                            "publiceren zou herleidbaar kunnen zijn."
                        )
                        % {"min": threshold}
                    ],
                }
        km = km_table = None
        if (
            item.survival_itt is not None
            and comparison_publishable(item.itt, threshold)
            and survival_publishable(item.survival_itt, threshold)
        ):
            curves = [
                (_("regio's met de interventie"), item.survival_itt.exposed),
                (_("regio's zonder"), item.survival_itt.unexposed),
            ]
            km = charts.incidence_chart(
                curves, title=_("Aangifte in de tijd: %(label)s") % {"label": item.spec.label}
            )
            km_table = charts.incidence_table(curves)
        items.append(
            {
                "label": item.spec.label,
                "primary": primary,
                "sections": sections,
                "km": km,
                "km_table": km_table,
                "safety": presenter_safety.safety_block(
                    item, result.horizon_days, threshold=threshold
                ),
            }
        )
    progress(_("doorlooptijden"))
    lead = report_lead_times.lead_time_context(result, threshold)
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
            **lead,
            "min_cell": threshold,
        },
    )
    stamp = timezone.localdate().isoformat()
    return Report(title=title, html=html, filename_stem=f"inbeeld-evaluatie-{stamp}")

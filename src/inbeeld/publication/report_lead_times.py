"""The lead-time section of the evaluation report (PDF/HTML), with disclosure control: a step with
fewer than the minimum cell size shows no figures."""

from __future__ import annotations

import dataclasses

from django.utils.translation import gettext as _

from inbeeld.analysis import presenter_lead_times
from inbeeld.publication import charts


def _lead_time_sentences(result, threshold: int) -> list[str]:
    """The lead-time sentences without the median of a step with fewer than ``threshold`` cases
    (the bottleneck sentence and the end-to-end median)."""
    small = {
        lead.stage for lead in (*result.lead_times, result.end_to_end) if lead.summary.n < threshold
    }
    if result.bottleneck in small:
        result = dataclasses.replace(result, bottleneck=None)
    sentences = presenter_lead_times.lead_time_sentences(result)
    if result.end_to_end.stage in small:
        sentences[-1] = _(
            "Van eerste politiecontact tot uitspraak: minder dan %(min)s zaken, dus geen mediaan."
        ) % {"min": threshold}
    return sentences


def lead_time_context(result, threshold: int) -> dict:
    """Template context of ``reports/_lead_times.html``."""
    lead_rows = [
        row
        if row["summary"].n >= threshold
        else {**row, "n": f"<{threshold}", "q1": "–", "median": "–", "q3": "–", "p90": "–"}
        for row in presenter_lead_times.lead_time_rows(result)
    ]
    lead_chart = charts.lead_time_chart(
        [
            (row["label"], row["summary"])
            for row in presenter_lead_times.lead_time_rows(result)
            if row["summary"].n >= threshold
        ],
        title=_("Doorlooptijd per ketenstap"),
    )
    return {
        "lead_rows": lead_rows,
        "lead_chart": lead_chart,
        "lead_sentences": _lead_time_sentences(result, threshold),
    }

"""The lead-time section of the evaluation report (PDF/HTML), with disclosure control: a step with
fewer than the minimum cell size shows no figures, and a count below it is shown as "<min"."""

from __future__ import annotations

from django.utils.translation import gettext as _

from inbeeld.analysis import presenter_lead_times
from inbeeld.analysis.presenter import number
from inbeeld.publication import bar_charts

FIGURES = (
    "reached",
    "terminal",
    "censored",
    "share_90",
    "share_180",
    "share_365",
    "share_reached",
    "followup",
    "q1",
    "median",
    "median_ci",
    "q3",
    "p90",
)


def _lead_time_sentences(result, threshold: int) -> list[str]:
    """The page's sentences, without the figures of a step with fewer than ``threshold`` cases
    (the bottleneck sentence and the end-to-end sentence)."""
    small = {
        lead.stage for lead in (*result.lead_times, result.end_to_end) if lead.summary.n < threshold
    }
    sentences = presenter_lead_times.definition_sentences()
    if result.bottleneck in small:
        sentences.append(
            _(
                "Het knelpunt valt in een stap met minder dan %(min)s zaken en wordt daarom niet "
                "getoond."
            )
            % {"min": threshold}
        )
    else:
        sentences += presenter_lead_times.bottleneck_sentences(result)
    if result.end_to_end.stage in small:
        sentences.append(
            _(
                "Van eerste politiecontact tot uitspraak: minder dan %(min)s zaken, dus geen cijfers."
            )
            % {"min": threshold}
        )
    else:
        sentences.append(presenter_lead_times.end_to_end_sentence(result.end_to_end.summary))
    return sentences


def _controlled(row: dict, threshold: int) -> dict:
    s = row["summary"]
    if s.n < threshold:
        return {**row, "n": f"<{threshold}", **dict.fromkeys(FIGURES, "–")}
    small_counts = {
        key: f"<{threshold}"
        for key, value in (
            ("reached", s.n_reached),
            ("terminal", s.n_terminal),
            ("censored", s.n_censored),
        )
        if 0 < value < threshold
    }
    return {**row, "n": number(s.n, 0), **small_counts}


def lead_time_context(result, threshold: int) -> dict:
    """Template context of ``reports/_lead_times.html``."""
    rows = presenter_lead_times.lead_time_rows(result)
    lead_chart = bar_charts.lead_time_chart(
        [(row["label"], row["summary"]) for row in rows if row["summary"].n >= threshold],
        title=_("Doorlooptijd per ketenstap"),
    )
    return {
        "lead_rows": [_controlled(row, threshold) for row in rows],
        "lead_chart": lead_chart,
        "lead_sentences": _lead_time_sentences(result, threshold),
    }

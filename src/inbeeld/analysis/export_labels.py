"""Dutch words for the evaluation CSV (issue 14 item 13: no English or code words reach a user).

The rows are built with the stable codes of the stats results (analysis.export); this module turns
every code cell into the Dutch word a researcher reads in Excel, in one pass at the end. The JSON
output keeps the codes: it is a machine format whose keys are documented (ADR 0001).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld.analysis.presenter import STAGE_LABELS
from inbeeld.analysis.presenter_primary import VERDICT_LABELS
from inbeeld.stats.primary import (
    COMPLAINT_WITHIN,
    COOPERATION_WITHIN,
    ITT_CONCURRENT,
    RETAINED_AFTER_COMPLAINT,
    STAGGERED_ATT,
)

HEADER = [
    gettext_lazy("tabel"),
    gettext_lazy("interventiecode"),
    gettext_lazy("interventie"),
    gettext_lazy("blootstelling"),
    gettext_lazy("uitkomst"),
    gettext_lazy("maat"),
    gettext_lazy("schatting"),
    gettext_lazy("ondergrens 95 %-BI"),
    gettext_lazy("bovengrens 95 %-BI"),
    gettext_lazy("aantal casussen"),
    gettext_lazy("aantal gebeurtenissen"),
    gettext_lazy("indicatief"),
    gettext_lazy("analyse"),
]

TABLES = {
    "primary": gettext_lazy("primaire analyse"),
    "overall": gettext_lazy("totaal"),
    "effect": gettext_lazy("effect"),
    "survival": gettext_lazy("tijd tot aangifte"),
    "staggered": gettext_lazy("gespreide invoering"),
    "lead_time": gettext_lazy("doorlooptijd"),
    "bottleneck": gettext_lazy("knelpunt per eenheid"),
}
EXPOSURES = {
    "itt": gettext_lazy("naar toewijzing"),
    "delivered": gettext_lazy("naar uitvoering"),
    ITT_CONCURRENT: gettext_lazy("naar toewijzing, zelfde periode"),
    STAGGERED_ATT: gettext_lazy("gespreide invoering"),
}
OUTCOMES = {
    COMPLAINT_WITHIN: gettext_lazy("aangifte binnen de horizon"),
    COOPERATION_WITHIN: gettext_lazy("medewerking binnen de horizon"),
    RETAINED_AFTER_COMPLAINT: gettext_lazy("in het strafproces gebleven na de aangifte"),
    "dropout_after_complaint": gettext_lazy("afgehaakt na de aangifte"),
    "complaint": gettext_lazy("aangifte"),
    **STAGE_LABELS,
}
MEASURES = {
    "verdict": gettext_lazy("oordeel"),
    "sentence": gettext_lazy("uitkomst in woorden"),
    "reason": gettext_lazy("reden"),
    "horizon_days": gettext_lazy("horizon (dagen)"),
    "min_important_difference": gettext_lazy("kleinste belangrijke verschil"),
    "risk_difference": gettext_lazy("verschil in aandeel"),
    "att": gettext_lazy("effect bij de behandelde regio's"),
    "cases_per_group_80pct_assurance": gettext_lazy(
        "casussen per groep nodig (80 % zekerheid, bereik 10e–90e percentiel)"
    ),
    "share": gettext_lazy("aandeel"),
    "share_exposed": gettext_lazy("aandeel met interventie"),
    "share_unexposed": gettext_lazy("aandeel zonder interventie"),
    "risk_ratio": gettext_lazy("relatief risico"),
    "adjusted_odds_ratio": gettext_lazy("gecorrigeerde odds ratio"),
    "fisher_p": gettext_lazy("p-waarde (Fisher)"),
    "posterior_positive": gettext_lazy("kans op positief effect (bayesiaans)"),
    "logrank_p": gettext_lazy("p-waarde (log-rank)"),
    "hazard_ratio": gettext_lazy("hazardratio"),
    "cumulative_incidence_exposed": gettext_lazy("cumulatieve incidentie met interventie"),
    "cumulative_incidence_unexposed": gettext_lazy("cumulatieve incidentie zonder interventie"),
    "cumulative_incidence_difference": gettext_lazy("verschil in cumulatieve incidentie"),
    "median_days_exposed": gettext_lazy("mediaan dagen met interventie"),
    "median_days_unexposed": gettext_lazy("mediaan dagen zonder interventie"),
    "cs": gettext_lazy("groep-tijd-effect (Callaway–Sant'Anna)"),
    "cs_analytic": gettext_lazy("groep-tijd-effect, analytisch interval (ter vergelijking)"),
    "twfe": gettext_lazy("twee-weg vaste effecten (gevoeligheidsanalyse)"),
    "cs_estimate": gettext_lazy("groep-tijd-effect zonder interval"),
    "cs_no_interval_reason": gettext_lazy("waarom er geen interval is"),
    "q1": gettext_lazy("eerste kwartiel (dagen)"),
    "median": gettext_lazy("mediaan (dagen)"),
    "q3": gettext_lazy("derde kwartiel (dagen)"),
    "p90": gettext_lazy("90e percentiel (dagen)"),
    "share_reached": gettext_lazy("aandeel dat de stap bereikte"),
    "terminal_first": gettext_lazy("eerder op een andere manier geëindigd"),
    "under_way": gettext_lazy("nog onderweg"),
}
SHARE_BY = re.compile(r"share_by_(\d+)")
FLAGS = {"yes": gettext_lazy("ja"), "no": gettext_lazy("nee")}
ANALYSES = {"primary": gettext_lazy("primair"), "sensitivity": gettext_lazy("gevoeligheid")}


def measure_label(code: str) -> str:
    found = SHARE_BY.fullmatch(code)
    if found:
        return _("aandeel binnen %(days)s dagen") % {"days": found.group(1)}
    return str(MEASURES.get(code, code))


def _label(table: dict, code) -> object:
    return str(table[code]) if code in table else code


def dutch_rows(rows: list[list], names: dict[str, str]) -> list[list]:
    """Code rows (analysis.export.CODE_COLUMNS) → the Dutch header and cells, with the
    intervention's name beside its code. The verdict cell of a primary row becomes its label."""
    out = [[str(word) for word in HEADER]]
    for table, code, exposure, outcome, measure, estimate, *rest in rows:
        if measure == "verdict":
            estimate = _label(VERDICT_LABELS, estimate)
        n, events, flag, analysis = rest[2:]
        out.append(
            [
                _label(TABLES, table),
                code,
                names.get(code, ""),
                _label(EXPOSURES, exposure),
                _label(OUTCOMES, outcome) if table != "bottleneck" else outcome,
                _label(OUTCOMES, measure) if table == "bottleneck" else measure_label(measure),
                estimate,
                *rest[:2],
                n,
                events,
                _label(FLAGS, flag),
                _label(ANALYSES, analysis),
            ]
        )
    return out

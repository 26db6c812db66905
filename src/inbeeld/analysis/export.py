"""The evaluation as JSON-ready data and as CSV rows: the same numbers as the web pages.

Per intervention the primary analysis comes first, with the same Dutch sentence as the pages and
the report (analysis.presenter_primary); every other analysis is marked as a sensitivity analysis
(JSON: the ``sensitivity`` list of keys; CSV: the ``analyse`` column)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np

from inbeeld.analysis import presenter_primary
from inbeeld.analysis.export_labels import HEADER, dutch_rows
from inbeeld.spreadsheet_safety import dutch_csv_text, neutralise_rows
from inbeeld.stats.results import Interval


def to_jsonable(value):
    """Frozen results → plain JSON types (dates ISO, numpy arrays lists, non-finite floats as
    strings "inf"/"-inf"/"nan", so the output is strict JSON)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        out["_type"] = type(value).__name__
        return out
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


SENSITIVITY_KEYS = (
    "itt",
    "delivered",
    "cooperation_itt",
    "survival_itt",
    "survival_delivered",
    "staggered",
)


def to_json_payload(result) -> dict:
    """The evaluation as strict-JSON-ready data, each intervention with its primary analysis
    first (with ``sentence``, the Dutch verdict the pages show) and ``sensitivity`` naming the
    sensitivity analyses that follow."""
    payload = to_jsonable(result)
    interventions = []
    for item, exported in zip(result.interventions, payload["interventions"], strict=True):
        primary = exported.pop("primary", None)
        if primary is not None:
            primary["sentence"] = presenter_primary.primary_sentence(item.primary)
            primary["verdict_label"] = str(
                presenter_primary.VERDICT_LABELS.get(item.primary.verdict, "")
            )
        head = {"_type": exported.pop("_type"), "spec": exported.pop("spec"), "primary": primary}
        head["sensitivity"] = [key for key in SENSITIVITY_KEYS if exported.get(key) is not None]
        interventions.append(head | exported)
    payload["interventions"] = interventions
    return payload


# The code columns the rows are built with; the CSV shows them in Dutch (analysis.export_labels).
CODE_COLUMNS = [
    "table",
    "intervention",
    "exposure",
    "outcome",
    "measure",
    "estimate",
    "low",
    "high",
    "n",
    "events",
    "indicative",
    "analysis",  # "primary", "sensitivity" or "" (descriptive: overall shares, lead times)
]


def _interval_row(
    table,
    intervention,
    exposure,
    outcome,
    measure,
    interval: Interval | None,
    n="",
    events="",
    indicative="",
):
    if interval is None:
        return [table, intervention, exposure, outcome, measure, "", "", "", n, events, indicative]
    return [
        table,
        intervention,
        exposure,
        outcome,
        measure,
        interval.estimate,
        interval.low,
        interval.high,
        n,
        events,
        indicative,
    ]


def csv_header() -> list[str]:
    """The Dutch header row of the evaluation CSV."""
    return [str(word) for word in HEADER]


ANALYSIS_OF_TABLE = {
    "primary": "primary",
    "effect": "sensitivity",
    "survival": "sensitivity",
    "staggered": "sensitivity",
}


def _row(table, intervention, exposure, outcome, measure, estimate, n="", events="", flag=""):
    return [table, intervention, exposure, outcome, measure, estimate, "", "", n, events, flag]


def _lead_time_rows(lead) -> list[list]:
    """One stage: the conditional quantiles (the median with its interval), the share that reached
    the next step by fixed days and by the end of follow-up, and how many ended otherwise."""
    s = lead.summary
    rows = []
    for measure in ("q1", "median", "q3", "p90"):
        row = _row("lead_time", "", "", lead.stage, measure, getattr(s, measure), s.n, s.n_reached)
        if measure == "median":
            row[6:8] = [s.median_low, s.median_high]
        rows.append(row)
    for share in (*s.shares, None):
        measure = "share_reached" if share is None else f"share_by_{share.days}"
        interval = s.share_reached if share is None else share.share
        rows.append(
            _interval_row("lead_time", "", "", lead.stage, measure, interval, s.n, s.n_reached)
        )
    rows.append(_row("lead_time", "", "", lead.stage, "terminal_first", s.n_terminal, s.n))
    rows.append(_row("lead_time", "", "", lead.stage, "under_way", s.n_censored, s.n))
    return rows


def _primary_rows(item) -> list[list]:
    """The primary analysis of one intervention: its verdict, the Dutch sentence, the design
    (horizon, MID), the difference with its interval and the cases per group still needed."""
    p = item.primary
    if p is None:
        return []
    code = item.spec.code
    n, events = p.n1 + p.n0, p.x1 + p.x0
    key = ("primary", code, p.comparison, p.outcome)
    measure = "risk_difference" if p.comparison == "itt_concurrent" else "att"
    rows = [
        _row(*key, "verdict", str(p.verdict)),
        _row(*key, "sentence", presenter_primary.primary_sentence(p)),
        _row(*key, "reason", p.reason or ""),
        _row(*key, "horizon_days", p.horizon_days),
        _row(*key, "min_important_difference", p.mid),
    ]
    if p.interval is not None:
        rows.append(_interval_row(*key, measure, p.interval, n, events))
    else:
        rows.append(_row(*key, measure, "" if p.estimate is None else p.estimate, n or "", events))
    rows += _planning_rows(key, p.planning, n)
    return rows


def _planning_rows(key, planning, n) -> list[list]:
    """Cases per group for the MID with 80 % assurance, with the 10th-90th percentile range
    (stats.assurance.Planning, as the pages show it)."""
    if planning is None:
        return []
    return [
        [
            *key,
            "cases_per_group_80pct_assurance",
            planning.n_per_group,
            planning.low,
            planning.high,
            n,
            "",
            "",
        ]
    ]


def to_csv_rows(result) -> list[list]:
    """Long format: one row per number, with its interval where it has one; the primary analyses
    first; header and code cells in Dutch (analysis.export_labels). Text cells (codes of interventions and units come from reference data, the sentences
    are Dutch text) are neutralised against formula injection; numbers stay numbers."""
    rows = []
    for item in result.interventions:
        rows += _primary_rows(item)
    for name in ("complaint_within", "cooperation_within", "dropout_after_complaint"):
        rows.append(
            _interval_row(
                "overall",
                "",
                "",
                name,
                "share",
                getattr(result, name),
                n=result.n_complete_followup,
            )
        )
    for item in result.interventions:
        rows += _intervention_rows(item)
    for lead in (*result.lead_times, result.end_to_end):
        rows += _lead_time_rows(lead)
    for unit in result.bottlenecks_by_unit:
        rows.append(
            _row("bottleneck", "", "", unit.police_unit, unit.stage or "", unit.median_days)
        )
    rows = [[*row, ANALYSIS_OF_TABLE.get(row[0], "")] for row in rows]
    names = {item.spec.code: item.spec.label for item in result.interventions}
    rows = [[("" if v is None else v) for v in row] for row in rows]
    return neutralise_rows(dutch_rows(rows, names))


def to_csv_text(result) -> str:
    """The rows of :func:`to_csv_rows` as a CSV that Excel opens in columns in a Dutch locale:
    semicolons, a UTF-8 byte-order mark, decimals with a comma (spreadsheet_safety)."""
    return dutch_csv_text(to_csv_rows(result))


def _intervention_rows(item) -> list[list]:
    """The sensitivity analyses of one intervention. One acting after the complaint has no
    cooperation, time-to-complaint or staggered comparison (its comparisons are on staying in
    the process after the complaint)."""
    rows = []
    code = item.spec.code
    comparisons = [c for c in (item.itt, item.delivered, item.cooperation_itt) if c is not None]
    for c in comparisons:
        flag = "yes" if c.indicative else "no"
        n, events = c.n1 + c.n0, c.x1 + c.x0
        key = ("effect", code, c.exposure, c.outcome)
        for measure, interval, count, hits in (
            ("share_exposed", c.p1, c.n1, c.x1),
            ("share_unexposed", c.p0, c.n0, c.x0),
            ("risk_difference", c.risk_difference, n, events),
            ("risk_ratio", c.risk_ratio, n, events),
            ("adjusted_odds_ratio", c.adjusted_odds_ratio, n, events),
        ):
            rows.append(_interval_row(*key, measure, interval, count, hits, flag))
        if c.fisher is not None:
            rows.append(_row(*key, "fisher_p", c.fisher.p_value, n, events, flag))
        if c.posterior_positive is not None:
            rows.append(_row(*key, "posterior_positive", c.posterior_positive, n, events, flag))
        for row in _planning_rows(key, c.planning, n):
            rows.append([*row[:-1], flag])
    for s in (item.survival_itt, item.survival_delivered):
        if s is None:
            continue
        key = ("survival", code, s.exposure, "complaint")
        if s.logrank is not None:
            rows.append(_row(*key, "logrank_p", s.logrank.p_value))
        rows.append(_interval_row(*key, "hazard_ratio", s.hazard_ratio))
        # Share with a complaint by the horizon: cumulative incidence with withdrawal and
        # closure without a complaint competing (issue 12 item 3); log-rank and the hazard
        # ratio above are cause-specific.
        for measure, interval in (
            ("cumulative_incidence_exposed", getattr(s, "cif_exposed", None)),
            ("cumulative_incidence_unexposed", getattr(s, "cif_unexposed", None)),
            ("cumulative_incidence_difference", getattr(s, "cif_difference", None)),
        ):
            rows.append(_interval_row(*key, measure, interval))
        rows.append(_row(*key, "median_days_exposed", s.median_exposed))
        rows.append(_row(*key, "median_days_unexposed", s.median_unexposed))
    if item.staggered is not None:
        key = ("staggered", code, "itt", "complaint_within")
        # cs: the published few-cluster interval (stats.did); cs_analytic and twfe only for
        # comparison
        for measure in ("cs", "cs_analytic", "twfe"):
            interval = getattr(item.staggered, measure, None)
            if measure == "cs_analytic" and interval is None:
                continue
            rows.append(_interval_row(*key, measure, interval))
        if getattr(item.staggered, "cs", None) is None:
            estimate = getattr(item.staggered, "cs_estimate", None)
            reason = getattr(item.staggered, "no_interval_reason", None)
            rows.append(_row(*key, "cs_estimate", "" if estimate is None else estimate))
            rows.append(_row(*key, "cs_no_interval_reason", reason or ""))
    return rows

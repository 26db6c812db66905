"""The evaluation as JSON-ready data and as CSV rows: the same numbers as the web pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np

from inbeeld.spreadsheet_safety import neutralise_rows
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


CSV_HEADER = [
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


def to_csv_rows(result) -> list[list]:
    """Long format: one row per number, with its interval where it has one. Text cells (codes
    of interventions and units come from reference data) are neutralised against formula
    injection; numbers stay numbers."""
    rows = [CSV_HEADER]
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
        code = item.spec.code
        for c in (item.itt, item.delivered, item.cooperation_itt):
            flag = "yes" if c.indicative else "no"
            n, events = c.n1 + c.n0, c.x1 + c.x0
            for measure, interval, count, hits in (
                ("share_exposed", c.p1, c.n1, c.x1),
                ("share_unexposed", c.p0, c.n0, c.x0),
                ("risk_difference", c.risk_difference, n, events),
                ("risk_ratio", c.risk_ratio, n, events),
                ("adjusted_odds_ratio", c.adjusted_odds_ratio, n, events),
            ):
                rows.append(
                    _interval_row(
                        "effect", code, c.exposure, c.outcome, measure, interval, count, hits, flag
                    )
                )
            if c.fisher is not None:
                rows.append(
                    [
                        "effect",
                        code,
                        c.exposure,
                        c.outcome,
                        "fisher_p",
                        c.fisher.p_value,
                        "",
                        "",
                        c.n1 + c.n0,
                        c.x1 + c.x0,
                        flag,
                    ]
                )
            if c.posterior_positive is not None:
                rows.append(
                    [
                        "effect",
                        code,
                        c.exposure,
                        c.outcome,
                        "posterior_positive",
                        c.posterior_positive,
                        "",
                        "",
                        c.n1 + c.n0,
                        c.x1 + c.x0,
                        flag,
                    ]
                )
            extra = (
                getattr(c.precision, "additional_cases", None) if c.precision is not None else None
            )
            if extra is not None:
                rows.append(
                    [
                        "effect",
                        code,
                        c.exposure,
                        c.outcome,
                        "additional_cases_80pct_power",
                        extra,
                        "",
                        "",
                        c.n1 + c.n0,
                        "",
                        flag,
                    ]
                )
        for s in (item.survival_itt, item.survival_delivered):
            if s.logrank is not None:
                rows.append(
                    [
                        "survival",
                        code,
                        s.exposure,
                        "complaint",
                        "logrank_p",
                        s.logrank.p_value,
                        "",
                        "",
                        "",
                        "",
                        "",
                    ]
                )
            rows.append(
                _interval_row(
                    "survival", code, s.exposure, "complaint", "hazard_ratio", s.hazard_ratio
                )
            )
            # Share with a complaint by the horizon: cumulative incidence with withdrawal and
            # closure without a complaint competing (issue 12 item 3); log-rank and the hazard
            # ratio above are cause-specific.
            for measure, interval in (
                ("cumulative_incidence_exposed", getattr(s, "cif_exposed", None)),
                ("cumulative_incidence_unexposed", getattr(s, "cif_unexposed", None)),
                ("cumulative_incidence_difference", getattr(s, "cif_difference", None)),
            ):
                rows.append(
                    _interval_row("survival", code, s.exposure, "complaint", measure, interval)
                )
            rows.append(
                [
                    "survival",
                    code,
                    s.exposure,
                    "complaint",
                    "median_days_exposed",
                    s.median_exposed,
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
            rows.append(
                [
                    "survival",
                    code,
                    s.exposure,
                    "complaint",
                    "median_days_unexposed",
                    s.median_unexposed,
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        if item.staggered is not None:
            for measure in ("cs", "twfe"):
                rows.append(
                    _interval_row(
                        "staggered",
                        code,
                        "itt",
                        "complaint_within",
                        measure,
                        getattr(item.staggered, measure, None),
                    )
                )
    for lead in (*result.lead_times, result.end_to_end):
        s = lead.summary
        for measure in ("q1", "median", "q3", "p90"):
            rows.append(
                [
                    "lead_time",
                    "",
                    "",
                    lead.stage,
                    measure,
                    getattr(s, measure),
                    "",
                    "",
                    s.n,
                    s.n_observed,
                    "",
                ]
            )
    for unit in result.bottlenecks_by_unit:
        rows.append(
            [
                "bottleneck",
                "",
                "",
                unit.police_unit,
                unit.stage or "",
                unit.median_days,
                "",
                "",
                "",
                "",
                "",
            ]
        )
    return neutralise_rows([["" if v is None else v for v in row] for row in rows])

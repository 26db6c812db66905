"""The evaluation's input tables straight from the demo arrays (no database): what
inbeeld.analysis builds from the ORM for the same data, for the benchmark and the recovery test.

Case ids are positions + 1 (the demo writes cases in position order into an empty table); every
case counts (the analysis layer applies the research-consent scope; here the caller may filter on
``data.consent``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from inbeeld.demo.generator.data import DemoData
from inbeeld.demo.generator.pilot import PilotDesign
from inbeeld.stats.tables import FORMS, EvaluationTables

EPOCH = dt.date(1970, 1, 1)


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def evaluation_tables(
    data: DemoData, *, design: PilotDesign | None = None, consent_only: bool = False
) -> EvaluationTables:
    v = data.vocabulary
    n = data.case_count
    case_id = np.arange(1, n + 1, dtype=np.int64)
    units = np.array(v.units, dtype=object)
    has_form = {form: np.zeros(n, dtype=bool) for form in FORMS}
    for form in FORMS:
        has_form[form][data.form_case[data.form == v.forms.index(form)]] = True
    cases = pl.DataFrame(
        {
            "case_id": case_id,
            "police_unit": units[data.unit].astype(str),
            "intake_date": _dates(data.intake_day),
            "minor": data.minor,
            **{f"form_{form}": has_form[form] for form in FORMS},
        }
    )
    events = pl.DataFrame(
        {
            "case_id": case_id[data.event_case],
            "event": np.array(v.event_types, dtype=object)[data.event_type].astype(str),
            "date": _dates(data.event_day),
        }
    )
    pilot = data.pilot
    interventions = np.array(pilot.interventions or ("",), dtype=object)
    deliveries = pl.DataFrame(
        {
            "case_id": case_id[pilot.delivery_case],
            "intervention": interventions[pilot.delivery_intervention].astype(str),
            "date": _dates(pilot.delivery_day),
            "delivered": pilot.delivery_delivered,
        },
        schema={
            "case_id": pl.Int64,
            "intervention": pl.String,
            "date": pl.Date,
            "delivered": pl.Boolean,
        },
    )
    design = design or PilotDesign.from_document()
    rows = [
        (spec.intervention, unit, spec.start, spec.end)
        for spec in design.deployments
        for unit in spec.units
    ]
    deployments = pl.DataFrame(
        rows,
        schema={
            "intervention": pl.String,
            "police_unit": pl.String,
            "start": pl.Date,
            "end": pl.Date,
        },
        orient="row",
    )
    if consent_only:
        kept = cases.filter(pl.Series(data.consent)).select("case_id")
        cases = cases.join(kept, on="case_id", how="semi")
        events = events.join(kept, on="case_id", how="semi")
        deliveries = deliveries.join(kept, on="case_id", how="semi")
    return EvaluationTables.build(
        cases=cases,
        events=events,
        deliveries=deliveries,
        deployments=deployments,
        cutoff=data.config.cutoff,
    )

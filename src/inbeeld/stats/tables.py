"""The input tables of the evaluation, validated up front.

Four polars tables and a data cut-off, built from the ORM by inbeeld.analysis (within the user's
scope, pseudonymised, consent-filtered) or from the demo generator's arrays by the benchmark:

- cases:       case_id (int), police_unit (str), intake_date (date), minor (bool),
               form_sexual, form_labour, form_criminal (bool: the case has that form)
- events:      case_id (int), event (str: chain-event code), date (date) — effective events only
               (a corrected event is left out, its correction is in)
- deliveries:  case_id (int), intervention (str), date (date), delivered (bool)
- deployments: intervention (str), police_unit (str), start (date), end (date or null = open)
- safety:      case_id (int), fact (str: stats.safety fact code), date (date) — optional (empty
               when not given): threats, protective measures, release from custody and each time
               the victim told the story (issue 17 item 5)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from inbeeld.stats import vocabulary as ev
from inbeeld.stats.exceptions import StatsInputError

FORMS = ("sexual", "labour", "criminal")
# The safety fact codes (suspects.models.SafetyFactKind; tests/analysis check they agree).
# (two share the chain's event codes: the same word, as in the model)
STORY_TOLD_FACTS = (
    ev.INFORMATIVE_INTERVIEW,
    "complaint",
    "studio_interview",
    ev.RC_HEARING,
    "trial",
)
SAFETY_FACTS = ("threat", "contact_ban", "safe_housing", "shielded_witness", "suspect_released")
SAFETY_CODES = STORY_TOLD_FACTS + SAFETY_FACTS

SCHEMAS: dict[str, dict[str, type[pl.DataType] | pl.DataType]] = {
    "cases": {
        "case_id": pl.Int64,
        "police_unit": pl.String,
        "intake_date": pl.Date,
        "minor": pl.Boolean,
        **{f"form_{form}": pl.Boolean for form in FORMS},
    },
    "events": {"case_id": pl.Int64, "event": pl.String, "date": pl.Date},
    "deliveries": {
        "case_id": pl.Int64,
        "intervention": pl.String,
        "date": pl.Date,
        "delivered": pl.Boolean,
    },
    "deployments": {
        "intervention": pl.String,
        "police_unit": pl.String,
        "start": pl.Date,
        "end": pl.Date,
    },
    "safety": {"case_id": pl.Int64, "fact": pl.String, "date": pl.Date},
}
NULLABLE = {("deployments", "end")}


def _checked(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    schema = SCHEMAS[name]
    missing = [column for column in schema if column not in frame.columns]
    if missing:
        raise StatsInputError(f"table {name!r} lacks column(s): {', '.join(missing)}")
    try:
        frame = frame.select(pl.col(c).cast(t, strict=True) for c, t in schema.items())
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as exc:
        raise StatsInputError(f"table {name!r}: a column has the wrong type ({exc})") from exc
    for column in schema:
        if (name, column) in NULLABLE:
            continue
        nulls = frame.filter(pl.col(column).is_null())
        if nulls.height:
            rows = nulls.with_row_index("row").get_column("row").head(5).to_list()
            raise StatsInputError(
                f"table {name!r}: column {column!r} is empty in {nulls.height} row(s), "
                f"e.g. rows {rows}"
            )
    return frame


@dataclass(frozen=True)
class EvaluationTables:
    cases: pl.DataFrame
    events: pl.DataFrame
    deliveries: pl.DataFrame
    deployments: pl.DataFrame
    cutoff: dt.date
    safety: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SCHEMAS["safety"]))

    @classmethod
    def build(
        cls,
        *,
        cases: pl.DataFrame,
        events: pl.DataFrame,
        deliveries: pl.DataFrame,
        deployments: pl.DataFrame,
        cutoff: dt.date,
        safety: pl.DataFrame | None = None,
    ) -> EvaluationTables:
        """Validated tables: every column present with its type, no empty required value, case
        ids unique, every event, delivery, safety fact of a known case, no event or safety fact
        after the cut-off, only known safety fact codes."""
        cases = _checked("cases", cases)
        events = _checked("events", events)
        deliveries = _checked("deliveries", deliveries)
        deployments = _checked("deployments", deployments)
        if safety is None:
            safety = pl.DataFrame(schema=SCHEMAS["safety"])
        safety = _checked("safety", safety)
        if cases.get_column("case_id").n_unique() != cases.height:
            raise StatsInputError("table 'cases': case_id is not unique")
        known = cases.select("case_id")
        for name, frame in (("events", events), ("deliveries", deliveries), ("safety", safety)):
            stray = frame.join(known, on="case_id", how="anti")
            if stray.height:
                ids = stray.get_column("case_id").unique().head(5).to_list()
                raise StatsInputError(
                    f"table {name!r}: {stray.height} row(s) of unknown cases, e.g. {ids}"
                )
        late = events.filter(pl.col("date") > cutoff)
        if late.height:
            raise StatsInputError(
                f"table 'events': {late.height} event(s) after the cut-off {cutoff.isoformat()}"
            )
        late = safety.filter(pl.col("date") > cutoff)
        if late.height:
            raise StatsInputError(
                f"table 'safety': {late.height} fact(s) after the cut-off {cutoff.isoformat()}"
            )
        unknown = safety.filter(~pl.col("fact").is_in(SAFETY_CODES))
        if unknown.height:
            codes = unknown.get_column("fact").unique().head(5).to_list()
            raise StatsInputError(f"table 'safety': unknown fact code(s) {codes}")
        wrong = deployments.filter(pl.col("end").is_not_null() & (pl.col("end") < pl.col("start")))
        if wrong.height:
            raise StatsInputError(
                f"table 'deployments': {wrong.height} deployment(s) end before they start"
            )
        return cls(cases, events, deliveries, deployments, cutoff, safety)

"""`inbeeld simulate`: the pilot design from the database as a simulation design, and the coverage
table in Dutch (text, Markdown) and as JSON.

The statistics live in stats.simulation / stats.simulation_coverage (pure); this module only
reads the configured design (Intervention, Deployment, Phase, PoliceUnit) and renders results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from inbeeld.stats.simulation import Design
from inbeeld.stats.simulation_coverage import CoverageRow, RunResult

__all__ = [
    "DesignError",
    "configured_design",
    "coverage_payload",
    "coverage_text",
    "coverage_markdown",
    "verdict_line",
]

CONTROL_RATE = 0.30  # assumed control rate when the researcher gives none


class DesignError(ValueError):
    """The configured pilot design cannot be simulated (message in Dutch)."""


def configured_design(
    *,
    intervention: str | None = None,
    cases: tuple[int, int] | None = None,
    control_rate: float | None = None,
    effect: float | None = None,
    ramp: int = 1,
) -> Design:
    """The pilot design of ``intervention`` (default: the first, in the pilot's order, with a
    deployment in a unit) as configured in the database: its deployments per unit (start, end);
    every other regional police unit never treated; cases from two years before the first start up
    to the last deployment end (or the last phase's end), the cut-off 90 days after that. Unless
    given, the number of cases is set so that the expected number of cases with the intervention
    equals the phases' targets together, the control rate is CONTROL_RATE and the effect the
    intervention's minimal important difference."""
    from inbeeld.pilot.models import Deployment, Intervention, Phase
    from inbeeld.reference.models import PoliceUnit

    deployed = Intervention.objects.filter(deployments__police_units__isnull=False).distinct()
    if intervention:
        chosen = Intervention.objects.filter(code=intervention).first()
        if chosen is None:
            codes = ", ".join(Intervention.objects.order_by("order").values_list("code", flat=True))
            raise DesignError(f"Onbekende interventie {intervention!r}; kies uit: {codes}.")
    else:
        chosen = deployed.order_by("order", "code").first()
        if chosen is None:
            raise DesignError("Geen interventie is in een eenheid ingezet: niets te simuleren.")
    rows = []
    for deployment in (
        Deployment.objects.filter(intervention=chosen)
        .prefetch_related("police_units")
        .order_by("pk")
    ):
        for unit in deployment.police_units.all():
            rows.append((unit.code, deployment.start, deployment.end))
    if not rows:
        raise DesignError(f"Interventie {chosen.code!r} is in geen enkele eenheid ingezet.")
    phases = list(Phase.objects.order_by("start"))
    regional = list(
        PoliceUnit.objects.filter(kind=PoliceUnit.Kind.REGIONAL)
        .order_by("code")
        .values_list("code", flat=True)
    )
    units = tuple(dict.fromkeys([*regional, *(unit for unit, _, _ in rows)]))
    first_start = min(start for _, start, _ in rows)
    ends = [end for _, _, end in rows if end is not None]
    if len(ends) == len(rows):
        intake_end = max(ends)
    elif phases:
        intake_end = max(max(p.end for p in phases), max(ends, default=first_start))
    else:
        intake_end = first_start + dt.timedelta(days=730)
    intake_start = dt.date(first_start.year - 2, 1, 1)
    if cases is None:
        target = sum(p.target_victims for p in phases) or 60
        window = (intake_end - intake_start).days + 1
        exposed_days = sum(
            max(0, (min(end or intake_end, intake_end) - max(start, intake_start)).days + 1)
            for _, start, end in rows
        )
        share = exposed_days / (len(units) * window)
        n = max(2 * len(units), math.ceil(target / share)) if share > 0 else 10 * len(units)
        cases = (n, n)
    mid = float(chosen.min_important_difference)
    try:
        return Design(
            key=f"ingericht:{chosen.code}",
            label=f"ingericht ontwerp: {chosen.label} ({len(units)} eenheden, "
            f"{len(units) - len({u for u, _, _ in rows})} nooit behandeld)",
            units=units,
            deployments=tuple(rows),
            intake_start=intake_start,
            intake_end=intake_end,
            cutoff=intake_end + dt.timedelta(days=90),
            cases=cases,
            control_rate=CONTROL_RATE if control_rate is None else control_rate,
            effect=mid if effect is None else effect,
            ramp=ramp,
            mid=mid,
            primary_comparison=getattr(chosen, "primary_comparison", "itt_concurrent")
            or "itt_concurrent",
        )
    except ValueError as exc:
        raise DesignError(f"Het ingerichte ontwerp is niet te simuleren: {exc}") from exc


# --- rendering ---------------------------------------------------------------------------------


def _pct(value: float | None, digits: int = 1) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    if 0 < value < 0.01 and digits == 0:
        digits = 1  # 1 of 500 is not "0 %"
    return f"{100 * value:.{digits}f}".replace(".", ",") + " %"


def _number(value: float | None, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    text = f"{value:+.1f}" if unit != "log" else f"{value:+.2f}"
    text = text.replace(".", ",")
    return {"pp": f"{text} pp", "log": f"{text} (log)", "%": f"{text} %"}[unit]


def _bias(row: CoverageRow) -> str:
    text = _number(row.bias, row.unit)
    if row.bias_se is None or not math.isfinite(row.bias_se):
        return text
    se = (f"{row.bias_se:.1f}" if row.unit != "log" else f"{row.bias_se:.2f}").replace(".", ",")
    return f"{text} (± {se})"


def _width(value: float | None, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    text = (f"{value:.1f}" if unit != "log" else f"{value:.2f}").replace(".", ",")
    return {"pp": f"{text} pp", "log": f"{text} (log)", "%": f"{text} %"}[unit]


def _coverage(row: CoverageRow) -> str:
    if row.coverage is None:
        return "–"
    return f"{_pct(row.coverage)} ({_pct(row.coverage_low)}–{_pct(row.coverage_high)})"


def verdict_line(row: CoverageRow) -> str:
    """One plain Dutch sentence: does this interval meet its norm (93 % at 95 %)?"""
    nominal = _pct(row.nominal, 0)
    threshold = _pct(row.threshold, 0)
    none = (
        f"; in {_pct(row.no_interval_share, 0)} van de pilots geen interval gepubliceerd"
        if row.no_interval_share > 0
        else ""
    )
    if row.coverage is None:
        return "geen oordeel: in geen enkele pilot een interval gepubliceerd"
    if row.holds:
        return f"voldoet: dekt {_pct(row.coverage)} van de ware waarden (norm ≥ {threshold} bij {nominal}){none}"
    sure = (
        " (ook de bovengrens van de Monte-Carlo-marge ligt eronder)"
        if row.coverage_high is not None and row.coverage_high < row.threshold
        else " (binnen de Monte-Carlo-marge; meer herhalingen nodig)"
    )
    return (
        f"voldoet NIET: dekt {_pct(row.coverage)} van de ware waarden, norm ≥ {threshold} bij "
        f"{nominal}{sure}{none}"
    )


HEADER = (
    "scenario",
    "interval",
    "herhalingen",
    "dekking (MC 95 %)",
    "gem. breedte",
    "bias",
    "zonder interval",
    "oordeel",
)


def _cells(row: CoverageRow) -> tuple[str, ...]:
    return (
        row.label,
        row.name,
        str(row.replications),
        _coverage(row),
        _width(row.mean_width, row.unit),
        _bias(row),
        _pct(row.no_interval_share, 0),
        verdict_line(row),
    )


def _footer(result: RunResult) -> list[str]:
    per = result.seconds / max(1, result.replications * len({r.design for r in result.rows}))
    return [
        f"Looptijd: {result.seconds:.1f} s op {result.jobs} proces(sen) "
        f"({result.cpu_count} CPU's beschikbaar); {per * 1000:.0f} ms wandkloktijd per "
        "gesimuleerde pilot.",
        "Dekking: het deel van de pilots met een gepubliceerd interval waarin het interval de ware "
        "waarde bevat (tussen haakjes de Monte-Carlo-marge, Wilson 95 %). Een pilot zonder "
        "interval telt niet als misser maar staat onder 'zonder interval'.",
        "Breedte en bias in procentpunten (pp) voor verschillen, op logschaal voor de oddsverhouding, "
        "relatief (%) voor het aantal nog nodige zaken (bias: het getoonde aantal per groep tegen "
        "het werkelijk nodige); tussen haakjes de Monte-Carlo-standaardfout van de bias.",
    ]


def coverage_text(result: RunResult) -> str:
    """The table as aligned plain text, the verdict on its own line under each row."""
    lines = []
    current = None
    head = HEADER[1:7]
    widths = [max(len(h), 40) if i == 0 else len(h) for i, h in enumerate(head)]
    rows = [_cells(r) for r in result.rows]
    for cells in rows:
        for i, value in enumerate(cells[1:7]):
            widths[i] = max(widths[i], len(value))
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    for cells in rows:
        if cells[0] != current:
            current = cells[0]
            lines += ["", f"Scenario: {current}", fmt.format(*head)]
        lines.append(fmt.format(*cells[1:7]))
        lines.append(f"    → {cells[7]}")
    return "\n".join([*lines[1:], "", *_footer(result)]) + "\n"


def coverage_markdown(result: RunResult) -> str:
    """The table in Markdown: the scenarios listed first, the rows named by their key."""
    labels = dict.fromkeys((row.design, row.label) for row in result.rows)
    lines = [f"- `{key}`: {label}" for key, label in labels]
    lines += ["", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in result.rows:
        cells = (f"`{row.design}`", *_cells(row)[1:])
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def coverage_payload(result: RunResult, designs: list[Design]) -> dict:
    """The run as plain JSON-able data (numbers as numbers, None for missing)."""

    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value

    return {
        "replications": result.replications,
        "seconds": round(result.seconds, 3),
        "jobs": result.jobs,
        "cpu_count": result.cpu_count,
        "designs": [
            {f.name: clean(getattr(d, f.name)) for f in dataclasses.fields(d)} for d in designs
        ],
        "rows": [
            {
                **{f.name: clean(getattr(row, f.name)) for f in dataclasses.fields(row)},
                "threshold": row.threshold,
                "holds": row.holds,
                "verdict": verdict_line(row),
            }
            for row in result.rows
        ],
    }

"""Coverage of the 95 % interval of the cumulative incidence of a durable change that the agenda
publishes (``durable_share(...).cumulative_incidence``, Aalen–Johansen, log(−log) interval), on
simulated registers with a known truth (ADR 0024, decision 13): tens of recommendations published
over eight years before the cut-off, a cure fraction, abandonment as a competing event.

    .venv/bin/python scripts/simulate_agenda.py [replications]   # default 2000
"""

from __future__ import annotations

import sys

from inbeeld.stats.agenda_simulation import SCENARIOS, SIZES, simulate


def _pct(value: float) -> str:
    return f"{value:.3f}".replace(".", ",")


def main(replications: int) -> None:
    print(
        "| scenario | aanbevelingen | herhalingen | ware cumulatieve incidentie na 4 jaar | "
        "zonder interval | dekking 95%-interval | Monte-Carlo-band | gem. breedte | bias |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for scenario in SCENARIOS:
        for n in SIZES:
            row = simulate(scenario, n, replications)
            low, high = row.band()
            print(
                f"| {row.scenario} | {n} | {replications} | {_pct(row.truth)} | "
                f"{_pct(row.without_interval)} | {_pct(row.coverage)} | "
                f"{_pct(low)}–{_pct(high)} | {_pct(row.mean_width)} | "
                f"{row.bias:+.3f}".replace(".", ",")
                + " |",
                flush=True,
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)

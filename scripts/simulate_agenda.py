"""Coverage of the 95 % interval of the cumulative incidence of a durable change that the agenda
publishes (``durable_share(...).cumulative_incidence``, Aalen–Johansen, log(−log) interval), on
simulated registers with a known truth (ADR 0024, decision 13): tens of recommendations published
over eight (and five) years before the cut-off, a cure fraction, abandonment as a competing
event; with the product's minimum of recommendations followed to the horizon and without it.

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
        "zonder interval | dekking 95%-interval | Monte-Carlo-band | gem. breedte | bias | "
        "aandeel indicatief | dekking zonder „indicatief” | dekking met „indicatief” | "
        "zonder minimum van 5: zonder interval | zonder minimum van 5: dekking |"
    )
    print("|---|" + "---:|" * 13)
    for scenario in SCENARIOS:
        for n in SIZES:
            row = simulate(scenario, n, replications)
            raw = simulate(scenario, n, replications, min_followed_to_horizon=0)
            low, high = row.band()
            bias = f"{row.bias:+.3f}".replace(".", ",")
            print(
                f"| {row.scenario} | {n} | {replications} | {_pct(row.truth)} | "
                f"{_pct(row.without_interval)} | {_pct(row.coverage)} | "
                f"{_pct(low)}–{_pct(high)} | {_pct(row.mean_width)} | {bias} | "
                f"{_pct(row.indicative / max(row.published, 1))} | "
                f"{_pct(row.coverage_plain)} | {_pct(row.coverage_indicative)} | "
                f"{_pct(raw.without_interval)} | {_pct(raw.coverage)} |",
                flush=True,
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)

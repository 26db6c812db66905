"""Nested funnels: the one place that counts how far records got through a sequence of stages.

A funnel is **nested**: a record counts at a stage when it reached that stage *or a later one*
(:func:`reached_exprs`), so every count is at most the one before it and every share between
consecutive stages lies in [0, 1]. The monitor's chain funnel (stats.monitor.funnel) and the
signal funnel below both count this way; the published form of a funnel, with disclosure
control, is stats.funnel_disclosure.protect_funnel.

**The signal funnel** (DESIGN §2.1: "conversion into a case keeps the link"; §2.5): how many
signals are triaged, become a case, reach the police and end in a complaint, per police unit and
signaller type. Stages, in order:

1. signals        — every signal in the table;
2. triaged        — the signal left 'received';
3. converted      — the signal became a case;
4. police_contact — the linked case has an effective (not superseded) first police contact;
5. complaint      — the linked case has an effective complaint.

A complaint is filed with the police, so a case with a complaint but no separate first-contact
event still counts as police contact, and a conversion always passed triage (the nesting).

Input: a table with one row per signal and the columns of :data:`SIGNAL_FUNNEL_SCHEMA` (the
intake app loads it from the database: intake.funnel.funnel_table). Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass

import polars as pl

from inbeeld.stats.exceptions import StatsInputError

STAGES = ("signals", "triaged", "converted", "police_contact", "complaint")
# The flags of the stages after the first (every row is a signal).
FLAGS = STAGES[1:]
SIGNAL_FUNNEL_SCHEMA = {
    "police_unit": pl.String,  # code of the unit the signal is routed to
    "signaller_type": pl.String,
    **{flag: pl.Boolean for flag in FLAGS},
}


def reached_exprs(flags: Sequence[str], prefix: str = "") -> list[pl.Expr]:
    """Per stage ``flags[k]``, whether the row reached it or any later stage (the nesting),
    named ``prefix + flags[k]``. A null flag counts as not reached."""
    return [
        pl.any_horizontal(*(pl.col(c).fill_null(False) for c in flags[k:])).alias(prefix + code)
        for k, code in enumerate(flags)
    ]


# --- results -------------------------------------------------------------------------------------


def share(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when the denominator is 0 (no share to speak of)."""
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class FunnelCounts:
    """The five stage counts of a group of signals and the shares between consecutive stages."""

    signals: int = 0
    triaged: int = 0
    converted: int = 0
    police_contact: int = 0
    complaint: int = 0

    @property
    def counts(self) -> tuple[int, int, int, int, int]:
        return (self.signals, self.triaged, self.converted, self.police_contact, self.complaint)

    @property
    def triaged_share(self) -> float | None:
        """Of the signals, the share taken into triage."""
        return share(self.triaged, self.signals)

    @property
    def converted_share(self) -> float | None:
        """Of the triaged signals, the share converted into a case."""
        return share(self.converted, self.triaged)

    @property
    def police_contact_share(self) -> float | None:
        """Of the converted signals, the share whose case reached first police contact."""
        return share(self.police_contact, self.converted)

    @property
    def complaint_share(self) -> float | None:
        """Of the signals with police contact, the share whose case has a complaint."""
        return share(self.complaint, self.police_contact)

    @property
    def shares(self) -> tuple[float | None, float | None, float | None, float | None]:
        """The four shares between consecutive stages, in STAGES order."""
        return (
            self.triaged_share,
            self.converted_share,
            self.police_contact_share,
            self.complaint_share,
        )


@dataclass(frozen=True)
class FunnelRow:
    """The funnel of one group: a (unit, signaller type) cell, or a total where a key is None."""

    police_unit: str | None
    signaller_type: str | None
    counts: FunnelCounts


@dataclass(frozen=True)
class FunnelResult:
    """Rows per (unit, signaller type), totals per unit, per signaller type and overall. Rows and
    totals are sorted by their codes; groups without any signal do not appear."""

    rows: tuple[FunnelRow, ...] = ()
    by_unit: tuple[FunnelRow, ...] = ()
    by_signaller_type: tuple[FunnelRow, ...] = ()
    total: FunnelCounts = FunnelCounts()

    @property
    def is_empty(self) -> bool:
        return self.total.signals == 0

    def row(self, police_unit: str, signaller_type: str) -> FunnelCounts:
        """The counts of one cell (all zero when the cell has no signals)."""
        return _find(self.rows, police_unit, signaller_type)

    def unit_total(self, police_unit: str) -> FunnelCounts:
        return _find(self.by_unit, police_unit, None)

    def signaller_type_total(self, signaller_type: str) -> FunnelCounts:
        return _find(self.by_signaller_type, None, signaller_type)


def _find(rows: tuple[FunnelRow, ...], unit: str | None, kind: str | None) -> FunnelCounts:
    for row in rows:
        if row.police_unit == unit and row.signaller_type == kind:
            return row.counts
    return FunnelCounts()


# --- the signal funnel ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelRecord:
    """One signal: where it went and how far it got (a row of the signal funnel's table)."""

    police_unit: str
    signaller_type: str
    triaged: bool
    converted: bool
    police_contact: bool
    complaint: bool

    @property
    def depth(self) -> int:
        """The furthest stage reached, as an index into STAGES (0: only received)."""
        flags = (self.triaged, self.converted, self.police_contact, self.complaint)
        for index in range(len(flags), 0, -1):
            if flags[index - 1]:
                return index
        return 0


def records_table(records: Iterable[FunnelRecord]) -> pl.DataFrame:
    """The signal funnel's table from records."""
    # FunnelRecord's fields are SIGNAL_FUNNEL_SCHEMA's columns, in the same order.
    return pl.DataFrame([astuple(r) for r in records], schema=SIGNAL_FUNNEL_SCHEMA, orient="row")


def _checked(table: pl.DataFrame) -> pl.DataFrame:
    if not isinstance(table, pl.DataFrame):
        raise StatsInputError(f"the signal funnel needs a polars DataFrame, got {type(table)}")
    missing = [c for c in SIGNAL_FUNNEL_SCHEMA if c not in table.columns]
    if missing:
        raise StatsInputError(f"signal funnel table: missing column(s) {', '.join(missing)}")
    for column in ("police_unit", "signaller_type"):
        empty = table.filter(pl.col(column).is_null()).height
        if empty:
            raise StatsInputError(f"signal funnel table: {empty} row(s) without {column}")
    return table.select(pl.col(c).cast(t) for c, t in SIGNAL_FUNNEL_SCHEMA.items())


def _grouped(reached: pl.DataFrame, keys: list[str]) -> list[tuple[tuple, FunnelCounts]]:
    sums = [pl.len().alias("signals"), *(pl.col(c).sum() for c in FLAGS)]
    frame = reached.group_by(keys).agg(sums) if keys else reached.select(sums)
    if keys:
        frame = frame.sort(keys)
    return [
        (tuple(row[k] for k in keys), FunnelCounts(*(int(row[s]) for s in STAGES)))
        for row in frame.iter_rows(named=True)
    ]


def signal_funnel(table: pl.DataFrame) -> FunnelResult:
    """The nested signal funnel of ``table`` (one row per signal, SIGNAL_FUNNEL_SCHEMA): per
    (unit, signaller type), per unit, per signaller type and overall."""
    table = _checked(table)
    if table.height == 0:
        return FunnelResult()
    reached = table.select("police_unit", "signaller_type", *reached_exprs(FLAGS))
    rows = _grouped(reached, ["police_unit", "signaller_type"])
    units = _grouped(reached, ["police_unit"])
    kinds = _grouped(reached, ["signaller_type"])
    ((_, total),) = _grouped(reached, [])
    return FunnelResult(
        rows=tuple(FunnelRow(u, k, counts) for (u, k), counts in rows),
        by_unit=tuple(FunnelRow(u, None, counts) for (u,), counts in units),
        by_signaller_type=tuple(FunnelRow(None, k, counts) for (k,), counts in kinds),
        total=total,
    )


def compute_funnel(records: Iterable[FunnelRecord]) -> FunnelResult:
    """:func:`signal_funnel` of ``records``."""
    return signal_funnel(records_table(records))


__all__ = [
    "SIGNAL_FUNNEL_SCHEMA",
    "STAGES",
    "FunnelCounts",
    "FunnelRecord",
    "FunnelResult",
    "FunnelRow",
    "compute_funnel",
    "reached_exprs",
    "records_table",
    "share",
    "signal_funnel",
]

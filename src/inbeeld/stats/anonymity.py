"""Disclosure control for microdata: k-anonymity and distinct l-diversity by global generalisation
and local suppression (pure: polars, no Django).

Why: a microdata row is a person. When the combination of a row's *quasi-identifiers* (intake
year, police unit, age band, gender, nationality, exploitation forms: what someone who knows the
victim may also know) occurs only once in the file, whoever knows those facts finds the victim's
row and learns everything else in it (the complaint, the prosecution decision, the verdict).

The guarantees of a :class:`Release`, checked on the released frame itself:

* **k-anonymity.** Every combination of the released quasi-identifier values occurs in at least
  ``k`` rows. A blank (suppressed or missing) value counts as a value of its own ("*"), which is
  conservative: an attacker who treats a blank as "could be anything" finds *more* candidate rows,
  never fewer.
* **Distinct l-diversity** (when a ``sensitive`` column is named and ``l`` > 1). Every such group
  of rows holds at least ``l`` different values of the sensitive column (a blank counts as a value:
  for an outcome it means "not yet"), so knowing someone's group does not tell their outcome.

How (a documented heuristic, not an optimum; finding the least-generalised k-anonymous table is
NP-hard):

1. **Global generalisation** (full-domain, per column). Every quasi-identifier has a
   :class:`Hierarchy` of levels: level 0 is the value itself, then ever coarser groupings
   (police unit → court-of-appeal district; year → two-year period → five-year period), and the
   last level is always "suppressed" (the whole column blank). Starting from level 0 everywhere,
   while more rows violate the rules than the suppression budget allows
   (``max_suppressed_share`` of the rows), the column whose next level leaves the fewest violating
   rows is raised one level (ties: the column that loses the fewest distinct values, then the
   order given). Afterwards every raised column is lowered again one level at a time while the
   budget still holds, so no single column is generalised further than needed (the "minimal"
   property the tests check).
2. **Local suppression.** The rows still violating get, one round at a time, one more
   quasi-identifier cell blanked: the cell whose blanking puts the row into the largest group
   (ties: the column with the most distinct values). A row blank in every quasi-identifier that
   still violates is dropped (suppressed as a record): only then, as a last resort.
3. **Verification.** ``k`` and ``l`` are recomputed on the released frame (:func:`achieved_k`,
   :func:`achieved_l`) and the release is refused (:class:`StatsInputError`) if they fall short.

*Linked* columns follow their quasi-identifier: another year column is coarsened to the same
periods as the intake year and blanked in the rows where the intake year is blanked, so the year
of the complaint cannot give away an intake year that was generalised.

The :class:`Release` reports what was done: the level of every column (with its Dutch label), the
blanked cells per column and the dropped records, so the codebook can state it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from inbeeld.stats.exceptions import StatsInputError

STAR = "*"  # internal: a blank (suppressed or missing) quasi-identifier value
_KEY = "__class_key"
_SIZE = "__class_size"
_DIVERSITY = "__class_diversity"
_SENSITIVE = "__sensitive"
_ROW = "__row"

Generalise = Callable[[str], str] | Mapping[str, str]


@dataclass(frozen=True)
class Hierarchy:
    """The generalisation levels of one quasi-identifier.

    ``steps``: the coarser levels above the value itself, each a mapping or a function from the
    value's text (``str(value)``) to its group's text; a value missing from a mapping keeps its
    text. ``labels``: a Dutch description of every level, from level 0 (the value) up to and
    including the final "suppressed" level, which is added automatically (so ``len(labels) ==
    len(steps) + 2``). ``linked``: columns that are coarsened with the same steps and blanked with
    this column (e.g. other years)."""

    column: str
    steps: tuple[Generalise, ...] = ()
    labels: tuple[str, ...] = ()
    linked: tuple[str, ...] = ()
    weight: float = 1.0

    @property
    def top(self) -> int:
        """The highest level: the whole column suppressed."""
        return len(self.steps) + 1

    def label(self, level: int) -> str:
        if 0 <= level < len(self.labels):
            return self.labels[level]
        return "niet vrijgegeven" if level == self.top else f"niveau {level}"

    def apply(self, values: pl.Series, level: int) -> pl.Series:
        """``values`` as text at ``level`` (blank → "*"; the top level is "*" everywhere)."""
        text = values.cast(pl.String).fill_null(STAR)
        if level >= self.top:
            return pl.Series(values.name, [STAR] * len(values), dtype=pl.String)
        if level == 0:
            return text
        step = self.steps[level - 1]
        uniques = text.unique().to_list()
        if callable(step):
            mapping = {u: (u if u == STAR else str(step(u))) for u in uniques}
        else:
            mapping = {u: (u if u == STAR else str(step.get(u, u))) for u in uniques}
        return text.replace_strict(mapping, return_dtype=pl.String)


@dataclass(frozen=True)
class ColumnReport:
    column: str
    level: int
    level_label: str
    suppressed_cells: int  # cells blanked by local suppression (not counting a suppressed level)


@dataclass(frozen=True)
class Release:
    """A k-anonymous (and l-diverse) version of a table, with what it cost."""

    frame: pl.DataFrame  # the released rows: generalised values as text, blanks as null
    k: int
    l: int  # noqa: E741 - the name of the privacy model
    k_achieved: int | None  # None: nothing released (every record dropped)
    l_achieved: int | None  # None: no sensitive column, or nothing released
    quasi_identifiers: tuple[str, ...]
    sensitive: str | None
    columns: tuple[ColumnReport, ...]
    rows_in: int
    records_suppressed: int
    unique_share_before: float  # share of input rows unique on the quasi-identifiers
    generalised: tuple[str, ...] = field(default=())  # columns above level 0

    @property
    def cells_suppressed(self) -> int:
        return sum(c.suppressed_cells for c in self.columns)

    @property
    def rows_out(self) -> int:
        return self.frame.height


# --- measures on any table --------------------------------------------------------------------


def _class_frame(table: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    return table.select(pl.col(c).cast(pl.String).fill_null(STAR) for c in columns)


def class_sizes(table: pl.DataFrame, quasi_identifiers: Sequence[str]) -> pl.Series:
    """Per row: how many rows share its quasi-identifier values (blank counts as a value)."""
    if table.height == 0:
        return pl.Series("size", [], dtype=pl.UInt32)
    keys = _class_frame(table, quasi_identifiers)
    return keys.select(pl.len().over(list(quasi_identifiers)).alias("size")).to_series()


def achieved_k(table: pl.DataFrame, quasi_identifiers: Sequence[str]) -> int | None:
    """The smallest group size on the quasi-identifiers (None for an empty table)."""
    if table.height == 0:
        return None
    return int(class_sizes(table, quasi_identifiers).min())


def achieved_l(table: pl.DataFrame, quasi_identifiers: Sequence[str], sensitive: str) -> int | None:
    """The smallest number of distinct ``sensitive`` values (blank counts) within a group."""
    if table.height == 0:
        return None
    keys = _class_frame(table, [*quasi_identifiers, sensitive])
    return int(
        keys.group_by(list(quasi_identifiers))
        .agg(pl.col(sensitive).n_unique().alias("l"))
        .get_column("l")
        .min()
    )


def unique_share(table: pl.DataFrame, quasi_identifiers: Sequence[str]) -> float:
    """The share of rows whose quasi-identifier combination occurs once (the re-identification
    attack: such a row is found by anyone who knows those facts)."""
    if table.height == 0:
        return 0.0
    return float((class_sizes(table, quasi_identifiers) == 1).mean())


# --- the algorithm ------------------------------------------------------------------------------


def _check(table, hierarchies, k, l, sensitive, max_suppressed_share) -> None:  # noqa: E741
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise StatsInputError("k moet een geheel getal van 1 of meer zijn.")
    if isinstance(l, bool) or not isinstance(l, int) or l < 1:
        raise StatsInputError("l moet een geheel getal van 1 of meer zijn.")
    if not 0 <= max_suppressed_share < 1:
        raise StatsInputError("Het aandeel te onderdrukken rijen ligt tussen 0 en 1.")
    names = [h.column for h in hierarchies]
    if not names:
        raise StatsInputError("Geef ten minste één quasi-identificerende kolom.")
    if len(set(names)) != len(names):
        raise StatsInputError("Elke quasi-identificerende kolom komt één keer voor.")
    linked = [c for h in hierarchies for c in h.linked]
    wanted = [*names, *linked, *([sensitive] if sensitive else [])]
    missing = [c for c in wanted if c not in table.columns]
    if missing:
        raise StatsInputError(f"Kolommen ontbreken in de tabel: {', '.join(missing)}.")
    if sensitive in names or sensitive in linked:
        raise StatsInputError("De gevoelige kolom kan niet ook quasi-identificerend zijn.")
    if l > 1 and not sensitive:
        raise StatsInputError("Voor l-diversiteit is een gevoelige kolom nodig.")
    for h in hierarchies:
        if h.labels and len(h.labels) != h.top + 1:
            raise StatsInputError(
                f"Kolom {h.column}: geef een omschrijving voor elk niveau ({h.top + 1})."
            )


def _entropy(values: pl.Series) -> float:
    """Shannon entropy (bits) of a column's distribution: the information it carries."""
    if len(values) == 0:
        return 0.0
    shares = values.value_counts().get_column("count").cast(pl.Float64) / len(values)
    return float(-(shares * shares.log(2)).sum())


class _Work:
    """The quasi-identifiers as text at every level, precomputed once."""

    def __init__(self, table, hierarchies, k, l, sensitive):  # noqa: E741
        self.hierarchies = list(hierarchies)
        self.names = [h.column for h in hierarchies]
        self.k, self.l = k, l
        self.levels = {
            h.column: [h.apply(table.get_column(h.column), lv) for lv in range(h.top + 1)]
            for h in hierarchies
        }
        self.sensitive = (
            table.get_column(sensitive).cast(pl.String).fill_null(STAR).alias(_SENSITIVE)
            if sensitive
            else None
        )
        self.distinct = {
            name: [series.n_unique() for series in self.levels[name]] for name in self.names
        }
        self.weight = {h.column: h.weight for h in hierarchies}
        self.entropy = {
            name: [_entropy(series) for series in self.levels[name]] for name in self.names
        }

    def frame(self, levels: Mapping[str, int]) -> pl.DataFrame:
        columns = [self.levels[name][levels[name]] for name in self.names]
        if self.sensitive is not None:
            columns.append(self.sensitive)
        return pl.DataFrame(columns)

    def violating(self, frame: pl.DataFrame) -> pl.Series:
        """Per row: does its group break k (or l)?"""
        if frame.height == 0:
            return pl.Series("violating", [], dtype=pl.Boolean)
        expr = pl.len().over(self.names) < self.k
        if self.sensitive is not None and self.l > 1:
            expr = expr | (pl.col(_SENSITIVE).n_unique().over(self.names) < self.l)
        return frame.select(expr.alias("violating")).to_series()

    def count_violating(self, levels: Mapping[str, int]) -> int:
        return int(self.violating(self.frame(levels)).sum())


def _generalise(work: _Work, budget: int) -> dict[str, int]:
    """Full-domain generalisation: raise columns greedily, then lower what is not needed."""
    levels = {name: 0 for name in work.names}
    tops = {h.column: h.top for h in work.hierarchies}
    raised: list[str] = []
    violating = work.count_violating(levels)
    while violating > budget:
        best = None
        for order, name in enumerate(work.names):
            if levels[name] >= tops[name]:
                continue
            trial = {**levels, name: levels[name] + 1}
            count = work.count_violating(trial)
            gain = violating - count
            bits = work.weight[name] * (
                work.entropy[name][levels[name]] - work.entropy[name][levels[name] + 1]
            )
            # Rows brought into line per bit of information lost; no gain: the cheapest step.
            score = (gain > 0, gain / max(bits, 1e-9), -bits, -order)
            if best is None or score > best[0]:
                best = (score, name, count)
        if best is None:  # every column at its top: nothing more to generalise
            break
        _, name, violating = best
        levels[name] += 1
        raised.append(name)
    # Lower again what the later steps made unnecessary (latest raised first), to a fixpoint.
    changed = True
    while changed:
        changed = False
        for name in reversed(dict.fromkeys(raised)):
            while levels[name] > 0:
                trial = {**levels, name: levels[name] - 1}
                if work.count_violating(trial) > budget:
                    break
                levels = trial
                changed = True
    return levels


def _suppress_locally(work: _Work, levels: Mapping[str, int]) -> tuple[pl.DataFrame, pl.Series]:
    """Blank quasi-identifier cells of violating rows (one per row per round); return the frame
    and a mask of the rows to drop (still violating with every quasi-identifier blank)."""
    frame = work.frame(levels)
    names = work.names
    # Ties: the column with the most distinct values at its level is the most identifying.
    preference = sorted(
        range(len(names)), key=lambda i: (-work.distinct[names[i]][levels[names[i]]], i)
    )
    for _ in range(len(names) + 1):
        violating = work.violating(frame)
        if not violating.any():
            break
        candidates = []
        for i in preference:
            name = names[i]
            trial = frame.with_columns(
                pl.when(violating).then(pl.lit(STAR)).otherwise(pl.col(name)).alias(name)
            )
            size = trial.select(pl.len().over(names)).to_series()
            # A cell already blank cannot be blanked again: it gains nothing.
            usable = frame.get_column(name) != STAR
            candidates.append(pl.when(usable).then(size).otherwise(0).alias(name))
        sizes = pl.select(candidates)
        best = sizes.select(pl.concat_list(pl.all()).list.arg_max().alias("best")).to_series()
        frame = frame.with_columns(
            pl.when(violating & (best == pos) & (frame.get_column(names[i]) != STAR))
            .then(pl.lit(STAR))
            .otherwise(pl.col(names[i]))
            .alias(names[i])
            for pos, i in enumerate(preference)
        )
    drop = work.violating(frame)
    return frame, drop


def _released(original: pl.Series, text: pl.Series, blank: pl.Series, level: int, h) -> pl.Series:
    """The released column: the original values (and type) at level 0, the groups' text above
    it, null where blank; a column suppressed whole keeps its type (all null)."""
    if level >= h.top:
        return pl.Series(original.name, [None] * len(original), dtype=original.dtype)
    source = original if level == 0 else text
    frame = pl.DataFrame([source.alias("v"), blank.alias("b")])
    return frame.select(
        pl.when(pl.col("b")).then(None).otherwise(pl.col("v")).alias(original.name)
    ).to_series()


def anonymise(
    table: pl.DataFrame,
    hierarchies: Sequence[Hierarchy],
    *,
    k: int,
    l: int = 1,  # noqa: E741
    sensitive: str | None = None,
    max_suppressed_share: float = 0.02,
) -> Release:
    """``table`` made k-anonymous (and distinct l-diverse on ``sensitive``) on the columns of
    ``hierarchies`` (see the module docstring for how and what is guaranteed).

    Columns not named in a hierarchy (nor linked to one) are released as they are. A generalised
    column holds the text of its groups; a blank (suppressed) cell is null. ``max_suppressed_share``
    is the share of rows that may be left to local suppression before a whole column is coarsened
    further (0.02: two in a hundred)."""
    _check(table, hierarchies, k, l, sensitive, max_suppressed_share)
    rows_in = table.height
    names = [h.column for h in hierarchies]
    before = unique_share(table, names)
    work = _Work(table, hierarchies, k, l, sensitive)
    budget = int(max_suppressed_share * rows_in)
    levels = _generalise(work, budget) if rows_in else {n: 0 for n in names}
    generalised_frame = work.frame(levels)
    blanked, drop = _suppress_locally(work, levels) if rows_in else (generalised_frame, None)

    out = table
    reports = []
    for h in hierarchies:
        level = levels[h.column]
        released = blanked.get_column(h.column)
        newly_blank = (released == STAR) & (generalised_frame.get_column(h.column) != STAR)
        if drop is not None:
            newly_blank = newly_blank & ~drop
        reports.append(ColumnReport(h.column, level, h.label(level), int(newly_blank.sum())))
        blank_mask = released == STAR
        out = out.with_columns(
            _released(table.get_column(h.column), released, blank_mask, level, h)
        )
        for linked in h.linked:
            coarse = h.apply(table.get_column(linked), level)
            out = out.with_columns(
                _released(table.get_column(linked), coarse, blank_mask | (coarse == STAR), level, h)
            )
    records_suppressed = 0
    if drop is not None and drop.any():
        records_suppressed = int(drop.sum())
        out = out.filter(~drop)
    k_achieved = achieved_k(out, names)
    l_achieved = achieved_l(out, names, sensitive) if sensitive else None
    if k_achieved is not None and k_achieved < k:  # pragma: no cover - guarded by construction
        raise StatsInputError(f"Interne fout: bereikte k {k_achieved} is kleiner dan {k}.")
    if l_achieved is not None and l > 1 and l_achieved < l:  # pragma: no cover - idem
        raise StatsInputError(f"Interne fout: bereikte l {l_achieved} is kleiner dan {l}.")
    return Release(
        frame=out,
        k=k,
        l=l,
        k_achieved=k_achieved,
        l_achieved=l_achieved,
        quasi_identifiers=tuple(names),
        sensitive=sensitive,
        columns=tuple(reports),
        rows_in=rows_in,
        records_suppressed=records_suppressed,
        unique_share_before=before,
        generalised=tuple(n for n in names if levels[n] > 0),
    )


# --- hierarchy helpers --------------------------------------------------------------------------


def year_period(width: int) -> Callable[[str], str]:
    """Years to calendar-aligned periods of ``width`` years ("2020-2021" for width 2: periods
    start at multiples of ``width``), so the same year always lands in the same period."""
    if width < 2:
        raise StatsInputError("Een periode duurt ten minste twee jaar.")

    def step(text: str) -> str:
        try:
            year = int(text)
        except ValueError:
            # Already a period (a linked column at the same level) or an unexpected value.
            return text
        start = year - year % width
        return f"{start}-{start + width - 1}"

    return step

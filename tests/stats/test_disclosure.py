"""inbeeld.stats.disclosure: no published number below the threshold, and no suppressed number
that can be derived from the published ones.

The attacker in these tests is independent of the module's own audit: from the published table
alone (cells and totals) it builds its own linear programme (scipy linprog, and an integer
programme with milp for the hand-built tables) and asks how small and how large each suppressed
number can be. Fixtures: hand-built tables, random tables from hypothesis, and the real CTDC
victim data set in ../shared/data (read in place, never copied into the repository).
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from inbeeld.stats.disclosure import (
    CellStatus,
    DisclosurePolicy,
    ProtectedSeries,
    ProtectedTable,
    crosstab,
    frequencies,
    protect_one_way,
    protect_table,
)
from inbeeld.stats.exceptions import StatsInputError
from tests.realdata import CTDC_VICTIM_PERPETRATOR, shared_data

SUPPRESSED = (CellStatus.PRIMARY, CellStatus.SECONDARY)


def test_the_module_is_pure():
    code = (
        "import sys, inbeeld.stats.disclosure\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'hypothesis')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603


# --- the attacker ----------------------------------------------------------------------------


def extended(counts) -> np.ndarray:
    """The true table with its row totals (last column), column totals (last row), grand total."""
    counts = np.asarray(counts, dtype=np.int64)
    out = np.zeros((counts.shape[0] + 1, counts.shape[1] + 1), dtype=np.int64)
    out[:-1, :-1] = counts
    out[:-1, -1] = counts.sum(axis=1)
    out[-1, :-1] = counts.sum(axis=0)
    out[-1, -1] = counts.sum()
    return out


def published_extended(table: ProtectedTable) -> list[list[int | None]]:
    """What the attacker sees, as the extended table (None: suppressed)."""
    rows = [[*table.values[i], table.row_totals[i]] for i in range(len(table.row_labels))]
    return [*rows, [*table.col_totals, table.grand_total]]


def attack_system(seen: list[list[int | None]], slack: float = 0.0):
    """Unknowns, equality rows and bounds of the attacker's system: in every row and column of
    the extended table the cells add up to the total. With ``slack`` (rounded publication) a
    published number v only says the truth is in [v - slack, v + slack]."""
    n_rows, n_cols = len(seen), len(seen[0])
    cells = [(i, j) for i in range(n_rows) for j in range(n_cols)]
    unknown = [c for c in cells if seen[c[0]][c[1]] is None or slack]
    where = {c: k for k, c in enumerate(unknown)}
    lines = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    a, b = [], []
    for line in lines:
        coef = np.zeros(len(unknown))
        rhs = 0.0
        for position, cell in enumerate(line):
            sign = -1.0 if position == len(line) - 1 else 1.0  # the last one is the total
            if cell in where:
                coef[where[cell]] += sign
            else:
                rhs -= sign * seen[cell[0]][cell[1]]
        if coef.any():
            a.append(coef)
            b.append(rhs)
    lower, upper = [], []
    for cell in unknown:
        value = seen[cell[0]][cell[1]]
        lower.append(0.0 if value is None else max(0.0, value - slack))
        upper.append(math.inf if value is None else value + slack)
    return unknown, np.array(a), np.array(b), list(zip(lower, upper, strict=True))


def attack(seen, slack: float = 0.0) -> dict[tuple[int, int], tuple[float, float]]:
    """The attacker's interval of every suppressed number, by linear programming."""
    unknown, a, b, bounds = attack_system(seen, slack)
    result = {}
    for k, cell in enumerate(unknown):
        if seen[cell[0]][cell[1]] is not None:
            continue
        c = np.zeros(len(unknown))
        c[k] = 1.0
        low = linprog(c, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        assert low.status == 0, low.message
        assert high.status in (0, 3), high.message
        result[cell] = (low.fun, math.inf if high.status == 3 else -high.fun)
    return result


def attack_line(seen: list[int | None]) -> dict[int, tuple[float, float]]:
    """The attacker of a one-way table: the cells add up to the total (the last number)."""
    unknown = [k for k, v in enumerate(seen) if v is None]
    if not unknown:
        return {}
    coef = np.array([[-1.0 if k == len(seen) - 1 else 1.0 for k in unknown]])
    rhs = [-sum(v if k < len(seen) - 1 else -v for k, v in enumerate(seen) if v is not None)]
    result = {}
    for position, k in enumerate(unknown):
        c = np.zeros(len(unknown))
        c[position] = 1.0
        low = linprog(c, A_eq=coef, b_eq=rhs, bounds=(0, None), method="highs")
        high = linprog(-c, A_eq=coef, b_eq=rhs, bounds=(0, None), method="highs")
        assert low.status == 0 and high.status in (0, 3)
        result[k] = (low.fun, math.inf if high.status == 3 else -high.fun)
    return result


def integer_attack(seen) -> dict[tuple[int, int], tuple[float, float]]:
    """The same attack knowing that counts are integers (mixed-integer programming)."""
    unknown, a, b, _ = attack_system(seen)
    result = {}
    for k, cell in enumerate(unknown):
        c = np.zeros(len(unknown))
        c[k] = 1.0
        ends = []
        for sense in (1.0, -1.0):
            res = milp(
                sense * c,
                constraints=LinearConstraint(a, b, b),
                integrality=np.ones(len(unknown)),
                bounds=Bounds(0, 1e7),  # a finite box: 1e7 stands for "unbounded"
            )
            assert res.status == 0, res.message
            ends.append(sense * res.fun)
        result[cell] = (ends[0], math.inf if ends[1] >= 1e7 - 1 else ends[1])
    return result


# --- the properties every protected table has -------------------------------------------------


def assert_safe(table: ProtectedTable, counts) -> None:
    policy = table.policy
    truth = extended(counts)
    seen = published_extended(table)
    status = [[*table.status[i], table.row_total_status[i]] for i in range(len(table.row_labels))]
    status.append([*table.col_total_status, table.grand_total_status])
    n_rows, n_cols = truth.shape
    for i in range(n_rows):
        for j in range(n_cols):
            value, true, state = seen[i][j], int(truth[i, j]), status[i][j]
            assert (value is None) == (state in SUPPRESSED), (i, j)
            # no published number in (0, min_cell), and zeros only when the policy allows
            assert value is None or value == 0 or value >= policy.min_cell, (i, j, value)
            assert value != 0 or policy.publish_zeros, (i, j)
            # primary suppression is exactly "below the threshold"
            small = 0 < true < policy.min_cell or (true == 0 and not policy.publish_zeros)
            assert (state == CellStatus.PRIMARY) == small, (i, j, true, state)
            if value is not None:
                if policy.rounding_base is None:
                    assert state == CellStatus.PUBLISHED
                    assert value == true, (i, j)  # published totals are the true totals
                else:
                    assert state == CellStatus.ROUNDED
                    assert value % policy.rounding_base == 0
                    assert abs(value - true) <= policy.rounding_base / 2
    # every row and column of the extended table with a suppressed number has at least two
    for line in [*([(i, j) for j in range(n_cols)] for i in range(n_rows))] + [
        [(i, j) for i in range(n_rows)] for j in range(n_cols)
    ]:
        hidden = sum(seen[i][j] is None for i, j in line)
        assert hidden != 1, line
    # the attacker's interval of every suppressed number is wide and holds the truth
    slack = 0.0 if policy.rounding_base is None else policy.rounding_base / 2
    intervals = attack(seen, slack)
    for (i, j), (low, high) in intervals.items():
        assert low - 1e-6 <= truth[i, j] <= high + 1e-6, ((i, j), low, high, truth[i, j])
        assert high - low >= policy.required_width - 1e-6, ((i, j), low, high)
    # the module's own audit lists the same numbers and agrees with the attacker (no rounding)
    keys = {(None if i == n_rows - 1 else i, None if j == n_cols - 1 else j) for i, j in intervals}
    assert {entry.key for entry in table.audit} == keys
    if slack == 0:
        for entry in table.audit:
            i = n_rows - 1 if entry.key[0] is None else entry.key[0]
            j = n_cols - 1 if entry.key[1] is None else entry.key[1]
            assert (entry.low, entry.high) == pytest.approx(intervals[i, j], abs=1e-6)


def labels(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{k}" for k in range(n)]


def protect(counts, policy: DisclosurePolicy | None = None) -> ProtectedTable:
    counts = np.asarray(counts)
    return protect_table(counts, labels("r", counts.shape[0]), labels("c", counts.shape[1]), policy)


# --- hand-built tables -------------------------------------------------------------------------

ONE_SMALL = [[3, 20, 30], [25, 40, 12], [15, 18, 50]]


def test_a_single_small_cell_gets_a_partner_in_its_row_and_in_its_column():
    table = protect(ONE_SMALL)
    assert table.status[0][0] == CellStatus.PRIMARY
    assert table.value(0, 0) is None
    row = [table.status[0][j] for j in (1, 2)]
    col = [table.status[i][0] for i in (1, 2)]
    assert row.count(CellStatus.SECONDARY) == 1
    assert col.count(CellStatus.SECONDARY) == 1
    # the cheapest protection: the 20 in its row, the 15 in its column, and the 18 that closes
    # the rectangle; every total stays published
    hidden = {(i, j) for i in range(3) for j in range(3) if table.values[i][j] is None}
    assert hidden == {(0, 0), (0, 1), (2, 0), (2, 1)}
    assert None not in table.row_totals and None not in table.col_totals
    assert table.grand_total == 213
    assert_safe(table, ONE_SMALL)
    assert attack(published_extended(table))[0, 0] == pytest.approx((0.0, 18.0))


def test_the_published_table_never_has_a_cell_below_the_threshold():
    counts = [[1, 2, 50, 60], [9, 30, 0, 44], [12, 8, 70, 10], [0, 0, 5, 100]]
    table = protect(counts)
    for row in [*table.values, table.row_totals, table.col_totals, [table.grand_total]]:
        assert all(v is None or v == 0 or v >= 10 for v in row)
    assert_safe(table, counts)


def test_a_total_below_the_threshold_is_suppressed_and_protected_in_its_own_line():
    counts = [[3, 4, 0], [30, 40, 50], [20, 25, 60]]  # row total 7
    table = protect(counts)
    assert table.row_total_status[0] == CellStatus.PRIMARY
    assert table.value(0, None) is None
    # the column of row totals now has a second suppressed number
    hidden = [t is None for t in [*table.row_totals, table.grand_total]]
    assert sum(hidden) >= 2
    assert_safe(table, counts)


def test_a_tiny_table_is_suppressed_whole_including_the_grand_total():
    counts = [[2, 3], [1, 0]]
    table = protect(counts)
    assert table.grand_total is None
    assert table.grand_total_status == CellStatus.PRIMARY
    assert all(v is None for v in [*table.row_totals, *table.col_totals])
    assert all(entry.high == math.inf for entry in table.audit if entry.key != (1, 1))
    assert_safe(table, counts)


def test_a_small_column_total_is_protected_too():
    counts = [[2, 40, 31], [3, 22, 19], [0, 35, 60]]  # column total 5
    table = protect(counts)
    assert table.col_total_status[0] == CellStatus.PRIMARY
    assert_safe(table, counts)


def test_two_small_cells_that_only_cover_each_other_are_widened_by_the_lp_check():
    # 3 and 4 share a row and a column pair: the line rule alone is met, but 3 + 4 = 7 is known
    # from the row, so the LP check must suppress more.
    counts = [[3, 4, 80], [4, 3, 90], [50, 60, 70]]
    table = protect(counts)
    assert_safe(table, counts)
    assert sum(s == CellStatus.SECONDARY for row in table.status for s in row) >= 1


def test_the_integer_attacker_learns_no_more_than_the_linear_one():
    for counts in (ONE_SMALL, [[3, 4, 80], [4, 3, 90], [50, 60, 70]], [[1, 2, 50], [9, 30, 0]]):
        seen = published_extended(protect(counts))
        linear, integer = attack(seen), integer_attack(seen)
        assert linear.keys() == integer.keys()
        for cell in linear:
            assert integer[cell] == pytest.approx(linear[cell], abs=1e-6)


def test_percentages_only_above_the_minimum_denominator():
    counts = [[30, 15, 5], [100, 60, 40]]  # row totals 50 and 200, column totals 130, 75, 45
    table = protect(counts, DisclosurePolicy(min_denominator=60))
    assert table.values == ((30, None, None), (100, None, None))  # the 5 and its partners
    assert table.percent(0, 0) is None  # 30 of 50: the denominator is below 60
    assert table.percent(1, 0) == pytest.approx(50.0)  # 100 of 200
    assert table.percent(0, 0, of="col") == pytest.approx(100 * 30 / 130)
    assert table.percent(1, 1) is None  # a suppressed numerator
    assert table.percent(None, "c2", of="total") == pytest.approx(100 * 45 / 250)
    assert table.percent(None, "c2", of="row") == pytest.approx(100 * 45 / 250)
    assert table.percent(0, None, of="col") == pytest.approx(20.0)  # row total of the grand total
    assert protect(counts).percent(0, 0) == pytest.approx(60.0)  # default 50: 50 is enough
    with pytest.raises(StatsInputError):
        table.percent(1, 1, of="rows")


def test_percentages_of_a_plain_table():
    counts = [[30, 20], [25, 25]]  # row totals 50 and 50, grand total 100
    table = protect(counts)
    assert table.n_suppressed == 0
    assert table.percent(0, 0) == pytest.approx(60.0)
    assert table.percent(0, 0, of="col") == pytest.approx(100 * 30 / 55)
    assert table.percent(0, None, of="total") == pytest.approx(50.0)
    assert protect(counts, DisclosurePolicy(min_denominator=51)).percent(0, 0) is None
    assert protect(counts, DisclosurePolicy(min_denominator=51)).percent(0, 0, of="total") == 30.0


def test_rounding_to_base_5():
    policy = DisclosurePolicy(rounding_base=5)
    counts = [[12, 13, 22], [10, 40, 11], [27, 18, 31]]
    table = protect(counts, policy)
    assert table.values == ((10, 15, 20), (10, 40, 10), (25, 20, 30))  # halves upwards
    assert all(s == CellStatus.ROUNDED for row in table.status for s in row)
    # totals from the unrounded data (47, 61, 76 | 49, 71, 64 | 184), rounded on their own
    assert table.row_totals == (45, 60, 75)
    assert table.col_totals == (50, 70, 65)
    assert table.grand_total == 185
    assert_safe(table, counts)
    # suppression is decided on the unrounded counts: a 9 is hidden, not rounded up to 10
    counts[1][2] = 9
    table = protect(counts, policy)
    assert table.status[1][2] == CellStatus.PRIMARY
    assert_safe(table, counts)  # the attacker allows +/- 2.5 around every published number


def test_rounded_cells_need_not_add_up_to_the_rounded_total():
    table = protect([[12, 12, 12]], DisclosurePolicy(rounding_base=5))
    assert table.values[0] == (10, 10, 10)
    assert table.row_totals[0] == 35  # 36, rounded on its own


def test_rounding_halves_upwards():
    assert [DisclosurePolicy(rounding_base=5).round(v) for v in (0, 2, 3, 7, 8, 10)] == [
        0,
        0,
        5,
        5,
        10,
        10,
    ]
    assert DisclosurePolicy(rounding_base=10).round(15) == 20
    assert DisclosurePolicy().round(13) == 13


def test_zeros_are_published_by_default_and_suppressed_on_request():
    counts = [[0, 40, 30], [20, 0, 25], [35, 45, 0]]
    assert protect(counts).n_suppressed == 0
    strict = protect(counts, DisclosurePolicy(publish_zeros=False))
    assert all(strict.status[k][k] == CellStatus.PRIMARY for k in range(3))
    assert_safe(strict, counts)


def test_a_stricter_protection_width():
    policy = DisclosurePolicy(protection_width=25)
    table = protect(ONE_SMALL, policy)
    assert all(entry.width >= 25 for entry in table.audit)
    assert_safe(table, ONE_SMALL)


def test_the_same_input_gives_the_same_output():
    counts = [[1, 2, 50, 60], [9, 30, 0, 44], [12, 8, 70, 10]]
    assert protect(counts) == protect(counts)


def test_accessors_and_the_published_frame():
    table = protect(ONE_SMALL)
    assert table.shape == (3, 3)
    assert table.value("r1", "c2") == 12 == table.value(1, 2)
    assert table.value(None, "c2") == 92 and table.value(None, None) == 213
    assert table.status_of("r0", "c0") == CellStatus.PRIMARY
    assert table.status_of(None, None) == CellStatus.PUBLISHED
    with pytest.raises(KeyError):
        table.value("nope", 0)
    with pytest.raises(IndexError):
        table.value(3, 0)
    frame = table.to_frame("rij")
    assert frame.columns == ["rij", "c0", "c1", "c2", "totaal"]
    assert frame.row(0) == ("r0", None, None, 30, 53)
    assert frame.row(3) == ("totaal", 43, 78, 92, 213)
    assert "audit" not in repr(table)


# --- one-way tables ----------------------------------------------------------------------------


def assert_series_safe(series: ProtectedSeries, counts) -> None:
    counts = [int(v) for v in counts]
    truth = [*counts, sum(counts)]
    seen = [*series.values, series.total]
    policy = series.policy
    for value, true, state in zip(seen, truth, [*series.status, series.total_status], strict=True):
        assert value is None or value == 0 or value >= policy.min_cell
        assert (state == CellStatus.PRIMARY) == (0 < true < policy.min_cell)
        assert value is None or value == true
    assert sum(v is None for v in seen) != 1
    intervals = attack_line(seen)
    for k, (low, high) in intervals.items():
        assert low <= truth[k] <= high
        assert high - low >= policy.min_cell


@pytest.mark.parametrize(
    "counts, hidden",
    [
        ([3, 50, 60], {0, 1}),  # the smallest other cell partners the 3
        ([3, 4, 100], {0, 1, 2}),  # 3 + 4 = 7 is known from the total: one more
        ([5], {0, 1}),  # a single small cell: its total is small too
        ([15, 20], set()),
        ([0, 40, 12], set()),
        ([2, 3, 1], {0, 1, 2, 3}),  # total 6 < 10
    ],
)
def test_one_way(counts, hidden):
    series = protect_one_way(counts, labels("k", len(counts)))
    seen = [*series.values, series.total]
    assert {k for k, v in enumerate(seen) if v is None} == hidden
    assert_series_safe(series, counts)


def test_one_way_accessors():
    series = protect_one_way([3, 50, 60], ["a", "b", "c"])
    assert series.value("b") is None and series.value(None) == 113
    assert series.percent("c") == pytest.approx(100 * 60 / 113)
    assert series.percent("a") is None
    assert series.status_of("a") == CellStatus.PRIMARY
    assert series.status_of("b") == CellStatus.SECONDARY
    assert series.to_frame("vorm").row(3) == ("totaal", 113)
    assert [entry.key for entry in series.audit] == [(0,), (1,)]


# --- property-based: random small tables ------------------------------------------------------

# counts 0-40, with many small ones: half of the draws come from 0-9
CELL = st.one_of(st.integers(0, 9), st.integers(0, 40))


@st.composite
def tables(draw):
    n_rows = draw(st.integers(2, 6))
    n_cols = draw(st.integers(2, 6))
    counts = draw(
        st.lists(st.lists(CELL, min_size=n_cols, max_size=n_cols), min_size=n_rows, max_size=n_rows)
    )
    return np.array(counts, dtype=np.int64)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(counts=tables(), publish_zeros=st.booleans())
def test_random_tables_are_safe(counts, publish_zeros):
    policy = DisclosurePolicy(publish_zeros=publish_zeros)
    table = protect(counts, policy)
    assert_safe(table, counts)
    assert protect(counts.copy(), policy) == table  # deterministic


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(counts=st.lists(CELL, min_size=1, max_size=8))
def test_random_one_way_tables_are_safe(counts):
    series = protect_one_way(counts, labels("k", len(counts)))
    assert_series_safe(series, counts)
    assert protect_one_way(counts, labels("k", len(counts))) == series


# --- the real CTDC victim data -------------------------------------------------------------------


@pytest.fixture(scope="module")
def ctdc() -> pl.DataFrame:
    path = shared_data(CTDC_VICTIM_PERPETRATOR)
    return pl.read_csv(path, infer_schema_length=0)  # every column as text; blanks are null


CTDC_TABLES = [
    ("gender", "yearRegister", None),
    ("majorityStatus", "UN_COE_Region", None),
    ("isSexualExploit", "isForcedLabour", None),
    ("UN_COO_Region", "UN_COE_Region", None),  # origin x exploitation region: small cells
    ("IP_Relation", "UN_COE_Region", None),
    ("yearRegister", "UN_COO_Region", "Minor"),  # minors only: many small cells
    ("IP_ageBroad", "gender", None),
]


@pytest.mark.parametrize("row, col, minors", CTDC_TABLES)
def test_real_ctdc_crosstabs_are_safe(ctdc, row, col, minors):
    frame = ctdc if minors is None else ctdc.filter(pl.col("majorityStatus") == minors)
    counts, row_labels, col_labels = crosstab(frame, row, col)
    assert counts.sum() == frame.height
    table = protect_table(counts, row_labels, col_labels)
    assert_safe(table, counts)
    rounded = protect_table(counts, row_labels, col_labels, DisclosurePolicy(rounding_base=5))
    assert_safe(rounded, counts)


def test_real_ctdc_facts(ctdc):
    assert ctdc.height == 21_195
    counts, rows, cols = crosstab(ctdc, "gender", "yearRegister")
    assert rows == ("Female", "Male", "onbekend")
    assert cols == ("2005-2013", "2014-2018", "2019", "2020", "2021-2022", "onbekend")
    assert protect_table(counts, rows, cols).n_suppressed == 0  # large cells: nothing to hide
    counts, rows, cols = crosstab(ctdc, "isSexualExploit", "isForcedLabour")
    assert rows == cols == ("1", "onbekend")
    assert counts.tolist() == [[347, 2428], [11901, 6519]]
    # the small tables do get suppression
    counts, rows, cols = crosstab(ctdc, "UN_COO_Region", "UN_COE_Region")
    table = protect_table(counts, rows, cols)
    assert table.n_suppressed > 0
    assert counts[rows.index("Americas/Oceania"), cols.index("Asia")] == 4
    assert table.value("Americas/Oceania", "Asia") is None


def test_real_ctdc_one_way(ctdc):
    minors = ctdc.filter(pl.col("majorityStatus") == "Minor")
    counts, names = frequencies(minors, "IP_ageBroad")
    series = protect_one_way(counts, names)
    assert_series_safe(series, counts)
    assert series.total == minors.height


# --- crosstab -----------------------------------------------------------------------------------


def test_crosstab_orders_labels_and_counts_blanks_as_unknown():
    frame = pl.DataFrame(
        {
            "unit": ["b", "a", None, "a", " ", "b", "a"],
            "year": [2021, 2020, 2020, 9, 2021, None, 2020],
        }
    )
    counts, rows, cols = crosstab(frame, "unit", "year")
    assert rows == ("a", "b", "onbekend")
    assert cols == ("9", "2020", "2021", "onbekend")  # numbers in number order, unknown last
    assert counts.tolist() == [[1, 2, 0, 0], [0, 0, 1, 1], [0, 1, 1, 0]]
    counts, rows, cols = crosstab(
        frame, "unit", "year", row_order=["c", "b", "a", "onbekend"], missing="onbekend"
    )
    assert rows == ("c", "b", "a", "onbekend") and counts[0].tolist() == [0, 0, 0, 0]
    with pytest.raises(StatsInputError, match="not in the order"):
        crosstab(frame, "unit", "year", row_order=["a", "b"])
    with pytest.raises(StatsInputError, match="no column"):
        crosstab(frame, "unit", "month")
    with pytest.raises(StatsInputError):
        crosstab(frame, "unit", "unit")
    with pytest.raises(StatsInputError):
        crosstab(frame.clear(), "unit", "year")
    counts, names = frequencies(frame, "unit")
    assert names == ("a", "b", "onbekend") and counts.tolist() == [3, 2, 2]


def test_crosstab_of_categorical_and_boolean_columns():
    frame = pl.DataFrame(
        {"form": ["labour", "sexual", "labour"], "minor": [True, False, None]},
        schema={"form": pl.Categorical, "minor": pl.Boolean},
    )
    counts, rows, cols = crosstab(frame, "form", "minor")
    assert rows == ("labour", "sexual")
    assert cols == ("false", "true", "onbekend")
    assert counts.tolist() == [[0, 1, 1], [1, 0, 0]]


# --- input validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "counts, message",
    [
        ([[1, -2], [3, 4]], "negative"),
        ([[1.5, 2], [3, 4]], "whole numbers"),
        ([[float("nan"), 2], [3, 4]], "whole numbers"),
        ([["a", "b"], ["c", "d"]], "integers"),
        ([1, 2, 3], "2-D"),
        ([[1, 2], [3]], "integers"),
        (np.zeros((0, 2), dtype=int), "at least one cell"),
    ],
)
def test_bad_counts(counts, message):
    with pytest.raises(StatsInputError, match=message):
        protect_table(counts, ["a", "b"], ["x", "y"])


def test_whole_floats_are_accepted():
    table = protect_table(np.array([[12.0, 20.0], [30.0, 40.0]]), ["a", "b"], ["x", "y"])
    assert table.value(0, 0) == 12 and isinstance(table.value(0, 0), int)


def test_labels_must_match_the_shape():
    with pytest.raises(StatsInputError, match="row_labels"):
        protect_table([[1, 2], [3, 4]], ["a"], ["x", "y"])
    with pytest.raises(StatsInputError, match="col_labels"):
        protect_table([[1, 2], [3, 4]], ["a", "b"], ["x", "y", "z"])
    with pytest.raises(StatsInputError, match="unique"):
        protect_table([[1, 2], [3, 4]], ["a", "a"], ["x", "y"])
    with pytest.raises(StatsInputError, match="labels"):
        protect_one_way([1, 2], ["a"])
    with pytest.raises(StatsInputError, match="one row"):
        protect_one_way([[1, 2]], ["a", "b"])
    with pytest.raises(StatsInputError, match="negative"):
        protect_one_way([1, -2], ["a", "b"])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_cell": 0},
        {"min_cell": 2.5},
        {"rounding_base": 1},
        {"rounding_base": 3},  # 10 is not a multiple of 3
        {"min_cell": 12, "rounding_base": 5},
        {"min_denominator": 0},
        {"publish_zeros": "yes"},
        {"protection_width": 5},  # below min_cell
    ],
)
def test_bad_policies(kwargs):
    with pytest.raises(StatsInputError):
        DisclosurePolicy(**kwargs)

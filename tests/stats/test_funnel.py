"""stats.funnel: the nested signal funnel on hand-made records (the counting that intake.funnel's
database table feeds), and the nesting helper the monitor's chain funnel shares."""

from __future__ import annotations

import polars as pl
import pytest

from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.funnel import (
    STAGES,
    FunnelCounts,
    FunnelRecord,
    compute_funnel,
    reached_exprs,
    signal_funnel,
)

# --- the pure core ---------------------------------------------------------------------------------


def record(unit_code="u1", kind="school", *flags: bool) -> FunnelRecord:
    triaged, converted, contact, complaint = (list(flags) + [False] * 4)[:4]
    return FunnelRecord(unit_code, kind, triaged, converted, contact, complaint)


def test_compute_funnel_counts_cells_totals_and_shares_by_hand():
    records = [
        record("u1", "school"),  # received only
        record("u1", "school", True),  # triaged
        record("u1", "school", True, True),  # converted
        record("u1", "school", True, True, True, True),  # complaint
        record("u1", "care", True, True, True),  # police contact
        record("u2", "school", True, True),  # converted
        record("u2", "care"),  # received only
    ]
    result = compute_funnel(records)

    assert [(r.police_unit, r.signaller_type) for r in result.rows] == [
        ("u1", "care"),
        ("u1", "school"),
        ("u2", "care"),
        ("u2", "school"),
    ]
    assert result.row("u1", "school").counts == (4, 3, 2, 1, 1)
    assert result.row("u1", "care").counts == (1, 1, 1, 1, 0)
    assert result.row("u2", "school").counts == (1, 1, 1, 0, 0)
    assert result.row("u2", "care").counts == (1, 0, 0, 0, 0)
    assert result.unit_total("u1").counts == (5, 4, 3, 2, 1)
    assert result.unit_total("u2").counts == (2, 1, 1, 0, 0)
    assert result.signaller_type_total("school").counts == (5, 4, 3, 1, 1)
    assert result.signaller_type_total("care").counts == (2, 1, 1, 1, 0)
    assert result.total.counts == (7, 5, 4, 2, 1)
    assert [r.police_unit for r in result.by_unit] == ["u1", "u2"]
    assert all(r.signaller_type is None for r in result.by_unit)
    assert [r.signaller_type for r in result.by_signaller_type] == ["care", "school"]
    assert all(r.police_unit is None for r in result.by_signaller_type)

    school = result.row("u1", "school")
    assert school.shares == (3 / 4, 2 / 3, 1 / 2, 1 / 1)
    assert result.total.shares == (5 / 7, 4 / 5, 2 / 4, 1 / 2)
    assert not result.is_empty


def test_zero_denominators_give_no_share_and_empty_input_an_empty_result():
    result = compute_funnel(
        [record("u1", "school"), record("u1", "school"), record("u1", "care", True)]
    )
    untriaged = result.row("u1", "school")
    assert untriaged.counts == (2, 0, 0, 0, 0)
    # 0 of 2 triaged is a share (0.0); the later stages have nothing to divide by.
    assert untriaged.shares == (0.0, None, None, None)
    assert result.row("u1", "care").shares == (1.0, 0.0, None, None)
    # A cell that has no signals at all answers zeros, without shares.
    assert result.row("u9", "school") == FunnelCounts()
    assert result.row("u9", "school").shares == (None, None, None, None)

    empty = compute_funnel([])
    assert empty.is_empty
    assert (empty.rows, empty.by_unit, empty.by_signaller_type) == ((), (), ())
    assert empty.total.counts == (0, 0, 0, 0, 0)
    assert empty.total.shares == (None, None, None, None)


def test_stages_are_nested_a_later_stage_implies_the_earlier_ones():
    # A complaint without a separate first-contact event still passed the police; a case always
    # passed triage. The funnel never widens, so no share exceeds 1.
    skipping = FunnelRecord("u1", "care", False, True, False, True)
    assert skipping.depth == STAGES.index("complaint")
    assert record("u1", "care").depth == 0
    assert record("u1", "care", True, True).depth == STAGES.index("converted")
    result = compute_funnel([skipping, record("u1", "care", True, True, True)])
    assert result.total.counts == (2, 2, 2, 2, 1)
    assert all(s is not None and 0 <= s <= 1 for s in result.total.shares)


def test_the_core_needs_no_django():
    import ast
    import inspect

    from inbeeld.stats import funnel

    tree = ast.parse(inspect.getsource(funnel))
    top_level = [
        node
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
    ]
    modules = {
        alias.name if isinstance(node, ast.Import) else node.module
        for node in top_level
        for alias in node.names
    }
    assert not any(m.split(".")[0] == "django" for m in modules)
    assert modules <= {
        "collections.abc",
        "dataclasses",
        "polars",
        "inbeeld.stats.exceptions",
    }


def test_signal_funnel_on_a_table_equals_the_records_form_and_checks_its_input():
    table = pl.DataFrame(
        {
            "police_unit": ["u1", "u1", "u2"],
            "signaller_type": ["school", "care", "school"],
            "triaged": [True, False, False],
            "converted": [True, False, False],
            "police_contact": [False, False, False],
            "complaint": [True, False, None],
        }
    )
    result = signal_funnel(table)
    assert result == compute_funnel(
        [
            record("u1", "school", True, True, False, True),
            record("u1", "care"),
            record("u2", "school"),
        ]
    )
    assert result.row("u1", "school").counts == (1, 1, 1, 1, 1)
    with pytest.raises(StatsInputError, match="missing column"):
        signal_funnel(table.drop("complaint"))
    with pytest.raises(StatsInputError, match="without police_unit"):
        signal_funnel(table.with_columns(pl.lit(None, dtype=pl.String).alias("police_unit")))


def test_reached_exprs_nest_the_flags():
    flags = pl.DataFrame(
        {"a": [False, True, False], "b": [False, False, True], "c": [True, False, False]}
    )
    reached = flags.select(reached_exprs(["a", "b", "c"], prefix="r_"))
    assert reached.rows() == [(True, True, True), (True, False, False), (True, True, False)]

"""Microdata disclosure control (inbeeld.stats.anonymity): k-anonymity and l-diversity by
generalisation and local suppression, checked against an independent library (pycanon, CSIC) on
the same released tables, plus properties over random tables (hypothesis): every release is
k-anonymous and l-diverse on its quasi-identifiers, nothing is generalised further than the
budget needs, and what was suppressed is counted.

pycanon groups with pandas, which drops missing values from groups, so blanks are given to it as
the text "*": the same convention as ours (a blank is a value of its own, which is conservative).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycanon import anonymity as pycanon

from inbeeld.stats.anonymity import (
    Hierarchy,
    achieved_k,
    achieved_l,
    anonymise,
    class_sizes,
    unique_share,
    year_period,
)
from inbeeld.stats.exceptions import StatsInputError

UNIT_REGION = {
    "noord-nederland": "hof-al",
    "oost-nederland": "hof-al",
    "midden-nederland": "hof-al",
    "noord-holland": "hof-ams",
    "amsterdam": "hof-ams",
    "den-haag": "hof-dh",
    "rotterdam": "hof-dh",
    "zeeland-west-brabant": "hof-db",
    "oost-brabant": "hof-db",
    "limburg": "hof-db",
    "kmar": "landelijk",
    "nla": "landelijk",
    "landelijke-eenheid": "landelijk",
}
AGE = {
    "0-11": "0-17",
    "12-15": "0-17",
    "16-17": "0-17",
    "18-22": "18-29",
    "23-29": "18-29",
    "30-49": "30+",
    "50+": "30+",
}
FORMS = ("vorm_sexual", "vorm_labour", "vorm_criminal", "vorm_organ_removal", "vorm_unknown")


def demo_like(n: int = 2550, seed: int = 2021) -> pl.DataFrame:
    """A table with the demo's shape and margins (2015-2025, 13 units, 8 age bands, ...)."""
    rng = np.random.default_rng(seed)
    units = list(UNIT_REGION)
    unit_p = np.array([149, 232, 207, 190, 428, 311, 330, 166, 169, 125, 51, 122, 70], float)
    ages = ["0-11", "12-15", "16-17", "18-22", "23-29", "30-49", "50+", "unknown"]
    age_p = np.array([18, 108, 215, 533, 653, 745, 133, 145], float)
    age = rng.choice(ages, n, p=age_p / age_p.sum())
    intake = rng.integers(2015, 2026, n)
    decision = [
        None if d == "none" else str(d)
        for d in rng.choice(["none", "dismissal", "summons"], n, p=[0.76, 0.10, 0.14])
    ]
    delay, filed = rng.integers(0, 2, n), rng.random(n) < 0.35
    return pl.DataFrame(
        {
            "rij_id": np.arange(1, n + 1),
            "jaar_instroom": intake,
            "eenheid": rng.choice(units, n, p=unit_p / unit_p.sum()),
            "leeftijd": age,
            "minderjarig": np.isin(age, ["0-11", "12-15", "16-17"]).astype(np.int8),
            "gender": rng.choice(
                ["female", "male", "other", "unknown"], n, p=[0.66, 0.3, 0.01, 0.03]
            ),
            "nationaliteit": rng.choice(
                ["nl", "eu", "non_eu", "unknown"], n, p=[0.27, 0.34, 0.34, 0.05]
            ),
            **{
                form: (rng.random(n) < p).astype(np.int8)
                for form, p in zip(FORMS, (0.59, 0.27, 0.16, 0.002, 0.05), strict=True)
            },
            "jaar_aangifte": pl.Series(
                [
                    int(y) + int(d) if c else None
                    for y, d, c in zip(intake, delay, filed, strict=True)
                ],
                dtype=pl.Int64,
            ),
            "vervolgingsbeslissing": pl.Series(list(decision), dtype=pl.String),
        },
        strict=False,
    )


def hierarchies(columns=None) -> list[Hierarchy]:
    columns = columns or FORMS
    return [
        Hierarchy(
            "jaar_instroom",
            (year_period(2), year_period(5)),
            linked=("jaar_aangifte",),
            weight=3,
        ),
        Hierarchy("eenheid", (UNIT_REGION,)),
        Hierarchy("leeftijd", (AGE, {**AGE, "18-29": "18+", "30+": "18+"}), weight=2),
        Hierarchy("minderjarig", weight=0.5),
        Hierarchy("gender", weight=2),
        Hierarchy("nationaliteit", ({"eu": "niet-nl", "non_eu": "niet-nl"},)),
        *(Hierarchy(c, weight=2) for c in columns),
    ]


def for_pycanon(frame: pl.DataFrame, columns) -> pd.DataFrame:
    text = frame.select(pl.col(c).cast(pl.String).fill_null("*") for c in columns)
    return pd.DataFrame(text.to_dict(as_series=False), columns=list(columns))


QI = ["jaar_instroom", "eenheid", "leeftijd", "minderjarig", "gender", "nationaliteit", *FORMS]


# --- the attack on demo-like data ---------------------------------------------------------------


@pytest.mark.parametrize(("k", "l"), [(5, 1), (5, 2), (3, 2), (10, 2)])
def test_the_unique_rows_attack_finds_no_group_below_k_and_pycanon_agrees(k, l):  # noqa: E741
    table = demo_like()
    # The attack of issue 11: most rows are unique on the quasi-identifiers.
    assert unique_share(table, QI) > 0.6
    assert pycanon.k_anonymity(for_pycanon(table, QI), QI) == 1
    release = anonymise(table, hierarchies(), k=k, l=l, sensitive="vervolgingsbeslissing")
    out = release.frame
    assert out.height > 0.9 * table.height
    assert int(class_sizes(out, QI).min()) >= k
    assert pycanon.k_anonymity(for_pycanon(out, QI), QI) == release.k_achieved >= k
    both = for_pycanon(out, [*QI, "vervolgingsbeslissing"])
    assert pycanon.l_diversity(both, QI, ["vervolgingsbeslissing"]) == release.l_achieved >= l
    # The report adds up.
    assert release.rows_out + release.records_suppressed == table.height
    tops = {h.column: h.top for h in hierarchies()}
    partly = [c.column for c in release.columns if c.level < tops[c.column]]
    # No blanks in the input: every blank in a column not suppressed whole was blanked locally.
    assert release.cells_suppressed == sum(out.get_column(c).null_count() for c in partly)
    assert release.unique_share_before == pytest.approx(unique_share(table, QI))


def test_linked_years_follow_the_intake_year():
    table = demo_like(800, seed=3)
    release = anonymise(table, hierarchies(), k=5)
    level = next(c.level for c in release.columns if c.column == "jaar_instroom")
    assert level > 0  # this small table needs periods
    out = release.frame
    # A complaint year never gives away more than the intake period: same periods, and blank
    # where the intake year is blank.
    assert out.schema["jaar_aangifte"] == pl.String
    assert out.filter(pl.col("jaar_instroom").is_null())["jaar_aangifte"].null_count() == (
        out.filter(pl.col("jaar_instroom").is_null()).height
    )
    periods = out.drop_nulls(["jaar_aangifte"]).get_column("jaar_aangifte").to_list()
    assert all("-" in p for p in periods)


def test_an_already_anonymous_table_is_released_unchanged():
    table = pl.DataFrame(
        {"a": ["x"] * 5 + ["y"] * 5, "b": [1] * 10, "s": ["p", "q", "p", "q", "p"] * 2}
    )
    release = anonymise(table, [Hierarchy("a"), Hierarchy("b")], k=5, l=2, sensitive="s")
    assert release.frame.equals(table)
    assert release.cells_suppressed == release.records_suppressed == 0
    assert release.generalised == ()
    assert (release.k_achieved, release.l_achieved) == (5, 2)


def test_a_table_smaller_than_k_releases_nothing():
    table = pl.DataFrame({"a": ["x", "y", "z"], "v": [1, 2, 3]})
    release = anonymise(table, [Hierarchy("a")], k=5)
    assert release.frame.height == 0 and release.records_suppressed == 3
    assert release.k_achieved is None


def test_year_periods_are_calendar_aligned():
    assert year_period(2)("2021") == "2020-2021"
    assert year_period(5)("2021") == "2020-2024"
    assert year_period(5)("2020-2021") == "2020-2021"  # already a period: left alone
    with pytest.raises(StatsInputError):
        year_period(1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "k moet"),
        ({"k": True}, "k moet"),
        ({"k": 2, "l": 0}, "l moet"),
        ({"k": 2, "l": 2}, "gevoelige kolom"),
        ({"k": 2, "max_suppressed_share": 1.5}, "aandeel"),
    ],
)
def test_bad_parameters_are_refused_in_dutch(kwargs, message):
    table = pl.DataFrame({"a": ["x"] * 3})
    with pytest.raises(StatsInputError, match=message):
        anonymise(table, [Hierarchy("a")], **kwargs)


def test_missing_columns_are_named():
    with pytest.raises(StatsInputError, match="ontbreken in de tabel: b"):
        anonymise(pl.DataFrame({"a": ["x"]}), [Hierarchy("a"), Hierarchy("b")], k=2)


def test_the_module_imports_no_django():
    code = (
        "import sys, inbeeld.stats.anonymity\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'hypothesis')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603


# --- properties over random tables --------------------------------------------------------------

LETTERS = ["a", "b", "c", "d", "e", "f"]
GROUP = {"a": "ab", "b": "ab", "c": "cd", "d": "cd", "e": "ef", "f": "ef"}


@st.composite
def tables(draw):
    n = draw(st.integers(0, 60))
    letters = st.sampled_from(LETTERS)
    return pl.DataFrame(
        {
            "id": list(range(n)),
            "x": draw(st.lists(letters, min_size=n, max_size=n)),
            "y": draw(st.lists(st.sampled_from(["p", "q", "r", None]), min_size=n, max_size=n)),
            "z": draw(st.lists(st.integers(2018, 2024), min_size=n, max_size=n)),
            "s": draw(st.lists(st.sampled_from(["u", "v", "w", None]), min_size=n, max_size=n)),
        },
        schema={"id": pl.Int64, "x": pl.String, "y": pl.String, "z": pl.Int64, "s": pl.String},
    )


PROPERTY_HIERARCHIES = [
    Hierarchy("x", (GROUP,)),
    Hierarchy("y"),
    Hierarchy("z", (year_period(2), year_period(5))),
]


def _violating(table, hierarchies_, levels, k, l):  # noqa: E741
    """Independent count of the rows in groups below k or l at the given full-domain levels."""
    columns = []
    for h in hierarchies_:
        columns.append(h.apply(table.get_column(h.column), levels[h.column]))
    frame = pl.DataFrame([*columns, table.get_column("s").fill_null("*").alias("__s")])
    names = [h.column for h in hierarchies_]
    sizes = frame.group_by(names).agg(pl.len().alias("n"), pl.col("__s").n_unique().alias("d"))
    bad = sizes.filter((pl.col("n") < k) | (pl.col("d") < l))
    return int(bad.get_column("n").sum())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), k=st.integers(1, 6), l=st.integers(1, 3), share=st.sampled_from([0, 0.1]))
def test_every_release_is_k_anonymous_l_diverse_and_no_more_generalised_than_needed(
    table,
    k,
    l,  # noqa: E741
    share,
):
    release = anonymise(
        table, PROPERTY_HIERARCHIES, k=k, l=l, sensitive="s", max_suppressed_share=share
    )
    out = release.frame
    names = ["x", "y", "z"]
    assert release.rows_out + release.records_suppressed == table.height
    if out.height:
        assert achieved_k(out, names) >= k
        assert pycanon.k_anonymity(for_pycanon(out, names), names) >= k
        assert achieved_l(out, names, "s") >= l
        l_pycanon = pycanon.l_diversity(for_pycanon(out, [*names, "s"]), names, ["s"])
        assert l_pycanon == release.l_achieved >= l
    # Rows are kept or dropped whole: the other columns are untouched.
    kept = table.join(out.select("id"), on="id", how="semi")
    assert out.get_column("s").to_list() == kept.get_column("s").to_list()
    # Minimal-ish: no column can go one level down without more violating rows than the budget.
    levels = {c.column: c.level for c in release.columns}
    budget = int(share * table.height)
    assert _violating(table, PROPERTY_HIERARCHIES, levels, k, l) <= budget or all(
        level == h.top for h, level in zip(PROPERTY_HIERARCHIES, levels.values(), strict=True)
    )
    for h in PROPERTY_HIERARCHIES:
        if levels[h.column] > 0:
            lower = {**levels, h.column: levels[h.column] - 1}
            assert _violating(table, PROPERTY_HIERARCHIES, lower, k, l) > budget
    # Local suppression is bounded: at most one blank per quasi-identifier in a row that was
    # still violating after generalisation, so never more than q x budget cells.
    assert release.cells_suppressed <= len(names) * max(budget, 0) + len(names) * (
        _violating(table, PROPERTY_HIERARCHIES, levels, k, l)
    )
    # An input that already meets k and l is left alone.
    if table.height and _violating(table, PROPERTY_HIERARCHIES, dict.fromkeys(names, 0), k, l) == 0:
        assert release.cells_suppressed == release.records_suppressed == 0
        assert release.generalised == ()

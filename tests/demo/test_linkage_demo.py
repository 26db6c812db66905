"""Demo linkage keys (demo/generator/linkage.py): deterministic in the seed, every demo case an
observed victim (at least one source), one HMAC key per victim on every source and case, the
chosen dependences visible in the data, and the simulated hidden victims a truth that
multiple-systems estimation recovers."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest
from django.core.management import call_command
from django.db import connection

from inbeeld.cases.models import Case, LinkageKey
from inbeeld.crypto import linkage_key
from inbeeld.demo.generator import DemoConfig, build_demo_data, generate
from inbeeld.demo.generator import linkage as demo_linkage
from inbeeld.demo.generator.linkage import (
    IDENTIFIER_TYPES,
    SOURCES,
    TWO_CASE_SHARE,
    plan_demo_linkage,
)
from inbeeld.stats.mse import estimate_population

# A seed whose truth lies near the middle of both intervals (every case, consented cases), so that
# an unrelated change to the demo's draws does not flip the coverage checks by chance. Over 80
# seeds (20,000 cases) the 95 % interval covered the truth in 91 % of them for every case and in
# 90 % for the consented cases: model-selection uncertainty is not in the interval (stats/mse/).
SEED = 11
HEX64 = re.compile(r"^[0-9a-f]{64}$")
POLICE, KMAR, NLA, COMENSHA, CARE, OM = (SOURCES.index(s) for s in SOURCES)


@pytest.fixture(scope="module")
def data():
    return build_demo_data(DemoConfig(cases=20_000, seed=SEED))


@pytest.fixture(scope="module")
def plan(data):
    return plan_demo_linkage(data)


def _table(patterns: np.ndarray) -> pl.DataFrame:
    frame = pl.DataFrame({s: patterns[:, j].astype(np.int8) for j, s in enumerate(SOURCES)})
    return frame.group_by(list(SOURCES)).len(name="frequency")


def _odds_ratio(x: np.ndarray, y: np.ndarray) -> float:
    return float(((x & y).sum() * (~x & ~y).sum()) / ((x & ~y).sum() * (~x & y).sum()))


# --- the plan (numpy only) ----------------------------------------------------------------------


def test_same_seed_gives_the_same_plan_and_another_seed_does_not():
    first = plan_demo_linkage(build_demo_data(DemoConfig(cases=3000, seed=7)))
    again = plan_demo_linkage(build_demo_data(DemoConfig(cases=3000, seed=7)))
    other = plan_demo_linkage(build_demo_data(DemoConfig(cases=3000, seed=8)))
    assert np.array_equal(first.case_sources, again.case_sources)
    assert np.array_equal(first.case_victim, again.case_victim)
    assert first.keys == again.keys and first.hidden == again.hidden
    assert first.true_consented_population == again.true_consented_population
    assert not set(first.keys) & set(other.keys)
    assert not np.array_equal(first.case_sources, other.case_sources)


def test_linkage_draws_leave_the_cases_unchanged():
    """Its own random stream: the cases' arrays do not depend on whether linkage is planned."""
    config = DemoConfig(cases=500, seed=3)
    before = build_demo_data(config)
    plan_demo_linkage(before)
    after = build_demo_data(config)
    assert before.codes == after.codes
    assert np.array_equal(before.consent, after.consent)


def test_every_case_is_an_observed_victim_and_victims_are_the_union_of_their_cases(plan):
    assert plan.case_sources.any(axis=1).all()
    union = np.zeros_like(plan.victim_pattern)
    np.logical_or.at(union, plan.case_victim, plan.case_sources)
    assert np.array_equal(union, plan.victim_pattern)
    assert plan.victim_pattern.any(axis=1).all()
    # Victims are numbered in the order of their first case.
    assert np.array_equal(np.unique(plan.case_victim), np.arange(plan.victims))


def test_about_three_percent_of_the_victims_have_two_cases(data, plan):
    cases_per_victim = np.bincount(plan.case_victim)
    assert set(cases_per_victim.tolist()) == {1, 2}
    share = (cases_per_victim == 2).mean()
    assert abs(share - TWO_CASE_SHARE) < 0.002
    two = np.flatnonzero(cases_per_victim == 2)
    first_case = np.full(plan.victims, -1)
    second_case = np.full(plan.victims, -1)
    for position, victim in enumerate(plan.case_victim):
        if first_case[victim] < 0:
            first_case[victim] = position
        else:
            second_case[victim] = position
    a, b = first_case[two], second_case[two]
    assert (data.intake_day[a] <= data.intake_day[b]).all()  # the second is the later one
    assert np.array_equal(plan.case_sources[a], plan.case_sources[b])  # both: all her sources
    assert (data.nationality[a] == data.nationality[b]).mean() > 0.95
    assert (data.gender[a] == data.gender[b]).mean() > 0.9


def test_keys_are_keyed_hmacs_of_the_victim_position_only(plan):
    assert len(set(plan.keys)) == plan.victims
    assert all(HEX64.match(key) for key in plan.keys)
    for position in (0, 1, plan.victims // 2, plan.victims - 1):
        assert plan.keys[position] == linkage_key(f"demo-victim-{SEED}-{position}")
    assert IDENTIFIER_TYPES == {
        "police": "police_registration",
        "kmar": "v_number",
        "nla": "other",
        "comensha": "comensha_dossier",
        "care": "client_number",
        "om": "other",
    }


def test_source_shares_follow_the_intended_picture(data, plan):
    share = plan.victim_pattern.mean(axis=0)
    assert share[COMENSHA] > share[POLICE] > share[CARE] > share[KMAR]
    assert share[POLICE] > share[OM] > share[NLA]
    assert 0.55 <= share[COMENSHA] <= 0.70
    assert 0.35 <= share[POLICE] <= 0.50
    assert 0.12 <= share[CARE] <= 0.22 and 0.12 <= share[OM] <= 0.22
    assert 0.03 <= share[KMAR] <= 0.08 and 0.04 <= share[NLA] <= 0.10
    # KMar and NLA mainly for non-Dutch and labour victims (by their first case).
    v = data.vocabulary
    first = np.unique(plan.case_victim, return_index=True)[1]
    foreign = np.isin(data.nationality[first], [v.nationalities.index(c) for c in ("eu", "non_eu")])
    labour_cases = np.zeros(data.case_count, dtype=bool)
    labour_cases[data.form_case[data.form == v.forms.index("labour")]] = True
    labour = labour_cases[first]
    on_kmar, on_nla = plan.victim_pattern[:, KMAR], plan.victim_pattern[:, NLA]
    assert foreign[on_kmar].mean() > 0.75 > foreign.mean()
    assert labour[on_nla].mean() > 0.75 > labour.mean() + 0.4
    assert 1.4 <= plan.victim_pattern.sum(axis=1).mean() <= 1.6


def test_the_dependences_are_in_the_data(plan):
    """Positive police-OM and negative police-NLA: among the victims on CoMensha (conditioning on
    a third list avoids the distortion of conditioning on 'seen by someone'), and in the
    log-linear model the estimator chooses."""
    p = plan.victim_pattern
    on_comensha = p[:, COMENSHA]
    assert _odds_ratio(p[on_comensha, POLICE], p[on_comensha, OM]) > 10
    assert _odds_ratio(p[on_comensha, POLICE], p[on_comensha, NLA]) < 0.5
    fit = estimate_population(_table(p)).fit
    assert {"police:om", "police:nla", "comensha:care"} <= set(fit.model)
    assert fit.coefficient("police:om") > 2.0
    assert fit.coefficient("police:nla") < -0.8


def test_the_hidden_victims_make_a_truth_the_estimate_covers(plan):
    assert plan.true_population == plan.victims + plan.hidden
    assert 1.4 < plan.true_population / plan.victims < 1.8
    result = estimate_population(_table(plan.victim_pattern))
    assert result.interval.contains(plan.true_population)
    assert abs(result.estimate / plan.true_population - 1) < 0.03
    # The consented truth: roughly the consent share of the whole, and below it.
    share = plan.true_consented_population / plan.true_population
    assert 0.82 < share < 0.88


# --- written to the database --------------------------------------------------------------------


@pytest.mark.django_db
def test_generate_writes_one_key_per_case_and_source_and_no_plaintext():
    config = DemoConfig(cases=600, seed=5)
    data = build_demo_data(config)
    plan = plan_demo_linkage(data)
    result = generate(config)
    assert result.linkage_keys == plan.key_count == LinkageKey.objects.count()
    summary = result.linkage
    assert (summary.victims, summary.hidden) == (plan.victims, plan.hidden)
    assert summary.true_population == plan.true_population
    assert summary.true_consented_population == plan.true_consented_population

    codes = {code: position for position, code in enumerate(data.codes)}
    rows = list(
        LinkageKey.objects.values_list(
            "case__code", "source", "identifier_type", "key", "created_by", "created_at"
        )
    )
    written = {(codes[code], source, key) for code, source, _, key, _, _ in rows}
    case_pos, source_index = plan.rows
    expected = {
        (int(c), SOURCES[s], plan.keys[plan.case_victim[c]])
        for c, s in zip(case_pos, source_index, strict=True)
    }
    assert written == expected and len(written) == len(rows)
    assert all(
        identifier_type == IDENTIFIER_TYPES[source] for _, source, identifier_type, *_ in rows
    )
    assert {created_by for *_, created_by, _ in rows} == {None}
    # Every written case has a key; the key is the HMAC, never an identifier.
    assert not Case.objects.filter(linkage_keys__isnull=True).exists()
    assert all(HEX64.match(key) for *_, key, _, _ in rows)
    assert not LinkageKey.objects.filter(key__icontains="victim").exists()
    # Victims on several sources (or with two cases) share one key.
    keys_per_victim: dict[str, set[int]] = {}
    for code, _, _, key, _, _ in rows:
        keys_per_victim.setdefault(key, set()).add(plan.case_victim[codes[code]])
    assert all(len(victims) == 1 for victims in keys_per_victim.values())
    assert len(keys_per_victim) == plan.victims


@pytest.mark.django_db
def test_large_loads_rebuild_the_indexes(monkeypatch):
    """From REINDEX_ROWS on, the plain indexes are dropped and rebuilt around the insert."""

    def index_names() -> set[str]:
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(
                cursor, LinkageKey._meta.db_table
            )
        return {name for name, info in constraints.items() if info["index"]}

    before = index_names()
    assert any("key" in name for name in before)
    monkeypatch.setattr(demo_linkage, "REINDEX_ROWS", 0)
    result = generate(DemoConfig(cases=200, seed=12))
    assert index_names() == before
    assert LinkageKey.objects.count() == result.linkage_keys > 200


@pytest.mark.django_db
def test_the_command_reports_the_linkage_keys(capsys):
    call_command("demo", cases=80, seed=3)
    out = capsys.readouterr().out
    assert f"{LinkageKey.objects.count()} koppelsleutels" in out

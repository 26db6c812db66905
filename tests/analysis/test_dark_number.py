"""analysis.dark_number: capture histories from the linkage keys in a user's scope, and the
multiple-systems estimate of the dark number (or the Dutch reason there is none).

Hand-built fixture (keys through cases.services.linkage_key_add, consent for the monitor through
cases.services.consent_record; Amsterdam unless said otherwise):

  victim 1  V-number V1000001: case a1 police + CoMensha, case a2 care
  victim 2  V1000002: case b CoMensha
  victim 3  V1000003: case c CoMensha; case x police, NO consent (researchers never see x)
  victim 4  V1000004: case d (Limburg) police + OM
  KMar, NLA, OM-in-Amsterdam: nobody

Against the demo: the estimate on the demo's linkage keys, read back through the researcher's
scope, covers the simulated true number of consented victims (demo/generator/linkage.py).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inbeeld.accounts.models import Role
from inbeeld.analysis.dark_number import (
    MIN_SOURCES,
    MIN_VICTIMS,
    capture_histories_for,
    dark_number_for,
    dark_number_for_cases,
)
from inbeeld.cases.models import Case, ConsentRecord, LinkageKey
from inbeeld.cases.services import consent_record, linkage_key_add
from inbeeld.demo.generator import DemoConfig, build_demo_data, generate
from inbeeld.demo.generator.linkage import SOURCES, plan_demo_linkage
from tests.factories import CaseFactory, chain_recorder, make_user, unit

pytestmark = pytest.mark.django_db

# A seed whose truth lies near the middle of both intervals (every case, consented cases), so that
# an unrelated change to the demo's draws does not flip the coverage checks by chance. Over 80
# seeds (20,000 cases) the 95 % interval covered the truth in 91 % of them for every case and in
# 90 % for the consented cases: model-selection uncertainty is not in the interval (stats/mse/).
SEED = 11
MONITOR = ConsentRecord.Scope.EVALUATION_AND_MONITOR


def _victim_case(recorder, unit_code, victim, sources, *, consent=True):
    case = CaseFactory(police_unit=unit(unit_code), without_consent=True, recorder=recorder)
    if consent:
        consent_record(
            actor=recorder,
            case=case,
            kind=ConsentRecord.Kind.GIVEN,
            date=dt.date(2024, 3, 2),
            scope=MONITOR,
        )
    for source in sources:
        linkage_key_add(
            actor=recorder,
            case=case,
            source=source,
            identifier_type="v_number",
            identifier=f"V100000{victim}",
        )
    return case


@pytest.fixture
def world(db):
    ams, lim = chain_recorder(unit("amsterdam")), chain_recorder(unit("limburg"))
    _victim_case(ams, "amsterdam", 1, ["police", "comensha"])
    _victim_case(ams, "amsterdam", 1, ["care"])
    _victim_case(ams, "amsterdam", 2, ["comensha"])
    _victim_case(ams, "amsterdam", 3, ["comensha"])
    _victim_case(ams, "amsterdam", 3, ["police"], consent=False)
    _victim_case(lim, "limburg", 4, ["police", "om"])
    return {"amsterdam": ams, "limburg": lim}


def _rows(table: pl.DataFrame) -> set[tuple]:
    return set(table.iter_rows())


# --- capture histories ---------------------------------------------------------------------------


def test_one_row_per_pattern_a_victim_once_and_empty_sources_dropped(world):
    everything = capture_histories_for(Case.objects.all())
    assert everything.columns == ["police", "comensha", "care", "om", "frequency"]
    assert everything.schema["frequency"] == pl.Int64
    assert _rows(everything) == {
        (1, 1, 1, 0, 1),  # victim 1, from two cases
        (0, 1, 0, 0, 1),  # victim 2
        (1, 1, 0, 0, 1),  # victim 3, from two cases
        (1, 0, 0, 1, 1),  # victim 4
    }
    consented = capture_histories_for(Case.objects.filter(research_consent=True))
    assert _rows(consented) == {(1, 1, 1, 0, 1), (0, 1, 0, 0, 2), (1, 0, 0, 1, 1)}


def test_no_keys_gives_an_empty_table(db):
    CaseFactory()
    table = capture_histories_for(Case.objects.all())
    assert table.columns == ["frequency"] and table.height == 0


def test_keys_are_linked_through_the_service_hmac_only(world):
    keys = set(LinkageKey.objects.values_list("key", flat=True))
    assert len(keys) == 4
    assert all(len(k) == 64 and set(k) <= set("0123456789abcdef") for k in keys)
    assert not LinkageKey.objects.filter(key__icontains="V1000").exists()


# --- when there is no estimate ---------------------------------------------------------------------


def test_no_linkage_keys_gives_none_and_a_reason(db):
    researcher = make_user(Role.RESEARCHER)
    recorder = chain_recorder(unit("amsterdam"))
    case = CaseFactory(without_consent=True, recorder=recorder)
    consent_record(actor=recorder, case=case, kind="given", date=dt.date(2024, 3, 2), scope=MONITOR)
    dark = dark_number_for(researcher)
    assert dark.result is None and not dark.estimated
    assert "koppelsleutels" in dark.reason
    assert (dark.victims, dark.sources) == (0, ())


def test_too_few_sources_in_scope(world):
    """Limburg's officer sees victim 4 only: police and OM, two sources."""
    dark = dark_number_for(make_user(Role.POLICE_OFFICER, unit_code="limburg"))
    assert dark.result is None
    assert dark.sources == ("police", "om") and dark.victims == 1
    assert f"ten minste {MIN_SOURCES} bronnen" in dark.reason
    assert "Politie" in dark.reason and "Openbaar Ministerie" in dark.reason


def test_too_few_victims(world):
    dark = dark_number_for(make_user(Role.RESEARCHER))
    assert dark.result is None
    assert dark.sources == ("police", "comensha", "care", "om") and dark.victims == 4
    assert f"ten minste {MIN_VICTIMS} slachtoffers" in dark.reason


def test_a_table_the_estimator_refuses_gives_its_reason(db, monkeypatch):
    """Every one of 60 victims on CoMensha: no model has a finite estimate."""
    recorder = chain_recorder(unit("amsterdam"))
    for victim in range(60):
        case = CaseFactory(recorder=recorder)
        for source in ("comensha", "police", "care")[: 1 + victim % 3]:
            LinkageKey.objects.create(
                case=case, source=source, identifier_type="other", key=f"{victim:064x}"
            )
    dark = dark_number_for_cases(Case.objects.all())
    assert dark.result is None and dark.victims == 60
    assert dark.reason.startswith("Het dark number is met deze gegevens niet te schatten")


# --- against the demo ------------------------------------------------------------------------------


def _expected_histories(plan, case_mask: np.ndarray) -> set[tuple]:
    """The capture histories of the victims of the cases in ``case_mask``, from the plan."""
    seen = np.zeros_like(plan.victim_pattern)
    np.logical_or.at(seen, plan.case_victim[case_mask], plan.case_sources[case_mask])
    seen = seen[seen.any(axis=1)]
    present = [j for j in range(len(SOURCES)) if seen[:, j].any()]
    patterns, counts = np.unique(seen[:, present].astype(int), axis=0, return_counts=True)
    return {(*map(int, p), int(c)) for p, c in zip(patterns, counts, strict=True)}


def test_the_demo_estimate_covers_the_simulated_truth():
    """20,000 demo cases. A researcher sees the consented cases only, so the truth is the
    consented population: observed victims with a consented case plus the hidden victims who
    would have consented (consent is independent of the sources; see demo/generator/linkage.py).
    Without a scope (every case) the truth is the whole simulated population."""
    config = DemoConfig(cases=20_000, seed=SEED)
    data = build_demo_data(config)
    plan = plan_demo_linkage(data)
    truth = generate(config).linkage
    researcher = make_user(Role.RESEARCHER)

    dark = dark_number_for(researcher)
    assert dark.victims == truth.consented_victims
    assert dark.sources == SOURCES
    assert _rows(dark.histories) == _expected_histories(plan, data.consent)
    result = dark.result
    assert result is not None and dark.reason == ""
    assert result.interval.contains(truth.true_consented_population)
    assert abs(result.estimate / truth.true_consented_population - 1) < 0.03
    assert {"police:om", "police:nla"} <= set(result.model)
    assert result.fit.coefficient("police:om") > 0 > result.fit.coefficient("police:nla")

    everyone = dark_number_for_cases(Case.objects.all())
    assert everyone.victims == truth.victims
    assert everyone.result.interval.contains(truth.true_population)
    # The researcher's estimate is about the consent share of the whole.
    ratio = result.estimate / everyone.result.estimate
    assert abs(ratio - truth.true_consented_population / truth.true_population) < 0.02


def test_a_police_officer_counts_only_their_units_cases():
    config = DemoConfig(cases=3000, seed=17)
    data = build_demo_data(config)
    plan = plan_demo_linkage(data)
    generate(config)
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    dark = dark_number_for(officer)
    in_unit = data.unit == data.vocabulary.unit("amsterdam")
    assert _rows(dark.histories) == _expected_histories(plan, in_unit)
    unit_victims = len(np.unique(plan.case_victim[in_unit]))
    assert dark.victims == unit_victims < plan.victims
    assert dark.estimated  # about 500 victims on six sources
    # Consent plays no part for an officer: a case without consent counts.
    assert not data.consent[in_unit].all()


def test_the_number_of_queries_does_not_grow_with_the_data():
    researcher = make_user(Role.RESEARCHER)
    generate(DemoConfig(cases=300, seed=1))

    def queries() -> int:
        researcher_fresh = type(researcher).objects.get(pk=researcher.pk)
        with CaptureQueriesContext(connection) as captured:
            dark_number_for(researcher_fresh)
        return len(captured)

    small = queries()
    generate(DemoConfig(cases=1500, seed=2))
    assert queries() == small <= 3

"""The demo's suspects, modus operandi and safety facts match their calibration targets
(docs/perpetrator-figures.md) within sampling tolerance, on 20,000 cases, and the safety facts
fit the case's timeline. No database: the plans are pure numpy."""

from __future__ import annotations

import numpy as np
import pytest

from inbeeld.demo.generator import DemoConfig, build_demo_data
from inbeeld.demo.generator.data import day_number
from inbeeld.demo.generator.safety import plan_demo_safety
from inbeeld.demo.generator.suspects import (
    CALIBRATION,
    SENTENCES,
    _first,
    case_forms,
    network_cases,
    plan_demo_suspects,
)
from inbeeld.stats import vocabulary as ev


@pytest.fixture(scope="module")
def data():
    return build_demo_data(DemoConfig(cases=20_000, seed=2021))


@pytest.fixture(scope="module")
def plan(data):
    return plan_demo_suspects(data)


def test_dismissal_share_is_the_published_one(plan):
    # [S1]: sepot share of suspects "ruim 40 procent" in 2019, ~60 % reach court.
    dismissed = np.mean(plan.decision > 0)
    assert 0.40 <= dismissed <= 0.50, dismissed


def test_conviction_share_of_those_judged(plan):
    # [S4]: the court convicted in more than 70 % of trafficking cases (2012-2013).
    convicted = np.mean(plan.verdict == 0)
    assert 0.65 <= convicted <= 0.78, convicted


def test_sentence_mix_and_unconditional_months(data, plan):
    convicted = plan.verdict == 0
    custodial = np.isin(plan.sentence[convicted], [0, 1])  # (partly) unconditional prison
    assert abs(custodial.mean() - 0.87) < 0.03, custodial.mean()  # [S4]: 87 %
    months = plan.unconditional_months[plan.unconditional_months > 0]
    # Lognormal median 14 months, mean ~24 ("two years" [S4]), within sampling tolerance.
    assert 12.5 <= np.median(months) <= 15.5, np.median(months)
    assert 20.0 <= months.mean() <= 27.0, months.mean()
    # [S5]: minors' cases: about half at most one year, about 1/8 more than three years.
    assert 0.38 <= np.mean(months <= 12) <= 0.52
    assert 0.10 <= np.mean(months > 36) <= 0.24
    # Capped at the legal maximum [S6]: 15 years, 12 unless a minor victim or several suspects.
    cases = plan.case_pos[plan.verdict_who]
    several = np.bincount(plan.case_pos[plan.role != 2], minlength=data.case_count)[cases] > 1
    uncapped = ~(data.minor[cases] | several)
    assert plan.unconditional_months.max() <= 180
    assert plan.unconditional_months[uncapped].max() <= 144
    # Nothing on an acquittal; hours only with community service, within the legal 240.
    assert not plan.unconditional_months[~convicted].any() and not plan.hours[~convicted].any()
    service = plan.sentence == SENTENCES.index(("community_service", False, False, True))
    assert plan.hours[service].min() >= 60 and plan.hours[service].max() <= 240


def test_family_perpetrators_clients_and_networks(data, plan):
    not_client = plan.role != 2
    minor = data.minor[plan.case_pos] & not_client
    family = np.mean(plan.relationship[minor] <= 1)  # parent or other family
    assert 0.15 <= family <= 0.25, family
    adult_family = np.mean(plan.relationship[~data.minor[plan.case_pos] & not_client] <= 1)
    assert adult_family < family - 0.05
    clients = plan.case_pos[plan.role == 2]
    assert data.minor[clients].all() and case_forms(data, "sexual")[clients].all()
    minor_sexual = np.flatnonzero(data.minor & case_forms(data, "sexual"))
    decided = np.intersect1d(minor_sexual, np.unique(plan.case_pos))
    with_client = np.isin(decided, clients).mean()
    assert abs(with_client - CALIBRATION["client_share_minor_sexual"]) < 0.08, with_client
    # Several suspects where realistic: networks have more per case than the others.
    per_case = np.bincount(plan.case_pos[not_client], minlength=data.case_count)
    network = network_cases(data)
    decided_cases = per_case > 0
    assert (
        per_case[network & decided_cases].mean() > per_case[~network & decided_cases].mean() + 0.4
    )


def test_modus_operandi_online_more_common_among_minors(data):
    safety = plan_demo_safety(data)
    online = np.isin(safety.channel, ["social_media", "messaging", "gaming", "sex_ad_site"])
    minor = data.minor[safety.mo_case]
    assert online[minor].mean() > online[~minor].mean() + 0.15
    criminal = case_forms(data, "criminal")[safety.mo_case]
    assert all(safety.subform[criminal] != None)  # noqa: E711
    assert all(safety.subform[~criminal] == None)  # noqa: E711
    assert all(safety.platform[safety.advertisement == False] == None)  # noqa: E711,E712
    # Taken down needs notified, notified needs a platform (the service's rules).
    assert all(safety.notified[safety.taken_down == True] == True)  # noqa: E712
    assert all(safety.platform[safety.notified == True] != None)  # noqa: E711,E712
    assert (safety.taken_down == True).any()  # noqa: E712


def test_safety_facts_fit_the_timeline(data):
    safety = plan_demo_safety(data)
    cutoff = day_number(data.config.cutoff)
    assert safety.fact_day.max() <= cutoff
    for kind, code in (
        ("informative_interview", ev.INFORMATIVE_INTERVIEW),
        ("complaint", ev.COMPLAINT_FILED),
        ("studio_interview", ev.COMPLAINT_FILED),
        ("rc_hearing", ev.RC_HEARING),
        ("trial", ev.TRIAL_HEARING),
        ("threat", ev.COMPLAINT_FILED),
        ("suspect_released", ev.SUSPECT_ARRESTED),
        ("contact_ban", ev.SUSPECT_ARRESTED),
    ):
        has, day, _ = _first(data, code)
        rows = safety.fact_kind == kind
        cases = safety.fact_case[rows]
        assert rows.any(), kind
        assert has[cases].all(), kind  # the matching event exists
        assert (safety.fact_day[rows] >= day[cases]).all(), kind  # and comes first
    studio = safety.fact_case[safety.fact_kind == "studio_interview"]
    assert data.minor[studio].all()
    # The tellings per case: at most one of each kind.
    told = safety.fact_kind != "threat"
    pairs = set(zip(safety.fact_case[told].tolist(), safety.fact_kind[told].tolist(), strict=True))
    assert len(pairs) == int(told.sum())


def test_dismissal_grounds_follow_the_case(data, plan):
    decided, _day, outcome = _first(data, ev.PROSECUTION_DECISION)
    case_outcome = np.asarray(data.vocabulary.outcomes)[outcome[plan.case_pos]]
    dismissed = plan.decision > 0
    technical = dismissed & (case_outcome == "dismissal_technical")
    assert technical.any() and (plan.ground[technical] == 1).all()  # insufficient evidence
    policy = dismissed & np.isin(case_outcome, ["dismissal_policy", "dismissal_conditional"])
    assert policy.any() and (plan.ground[policy] == 2).all()
    assert (plan.decision[case_outcome == "dismissal_conditional"] == 2).all()
    left_out = dismissed & (case_outcome == ev.SUMMONS_OUTCOME)
    assert (plan.ground[left_out & (plan.role != 2)] == 1).all()
    assert (plan.ground[left_out & (plan.role == 2)] == 2).all()
    assert (plan.ground[~dismissed] == 0).all() and decided[plan.case_pos].all()

"""The case-level decisions and verdicts against the per-suspect proceedings (ADR 0023 decision
6): every check on hand-built inputs, once where it fires and once where it does not; then the
same on a real case (only effective events, standing links and entries count) and the notice on
the case page for who may correct it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.cases.models import WithdrawalReason
from inbeeld.cases.services import event_record, event_withdraw
from inbeeld.suspects import services
from inbeeld.suspects.consistency import (
    CaseOutcomes,
    Finding,
    SuspectOutcomes,
    case_outcome_mismatches,
    find_mismatches,
)
from tests.factories import CaseFactory, chain_recorder, court, event_type, make_user, unit

D = dt.date
JUNE, JULY, SEPT, NOV = D(2024, 6, 1), D(2024, 7, 1), D(2024, 9, 1), D(2024, 11, 1)


def case(decisions=(), verdicts=()) -> CaseOutcomes:
    return CaseOutcomes(decisions=tuple(decisions), verdicts=tuple(verdicts))


def suspect(code="VD-A", decision=None, verdicts=()) -> SuspectOutcomes:
    return SuspectOutcomes(code=code, decision=decision, verdicts=tuple(verdicts))


SUMMONED = (JULY, "summons")
CONVICTED = (NOV, "conviction")

# (name, case, suspects, the findings expected)
CASES = [
    # Nothing recorded on either side, or both agree: no finding.
    ("empty", case(), [], []),
    ("a suspect, nothing decided", case(), [suspect()], []),
    (
        "both agree",
        case([(JUNE, "summons")], [(NOV, "conviction")]),
        [suspect(decision=SUMMONED, verdicts=[CONVICTED])],
        [],
    ),
    # no_suspect
    (
        "no_suspect fires",
        case([(JUNE, "dismissal_policy")]),
        [],
        [Finding("no_suspect", date=JUNE)],
    ),
    (
        "no_suspect: verdict only",
        case((), [(NOV, "acquittal")]),
        [],
        [Finding("no_suspect", date=NOV)],
    ),
    # decision_missing_for_suspects
    (
        "decision missing for the suspects",
        case([(JUNE, "summons")]),
        [suspect(), suspect("VD-B")],
        [Finding("decision_missing_for_suspects", date=JUNE)],
    ),
    (
        "decision of one suspect is enough",
        case([(JUNE, "summons")]),
        [suspect(), suspect("VD-B", decision=SUMMONED)],
        [],
    ),
    # decision_missing_for_case
    (
        "decision missing for the case",
        case(),
        [suspect("VD-B", decision=(SEPT, "dismissal")), suspect(decision=SUMMONED)],
        [Finding("decision_missing_for_case", suspect="VD-A", date=JULY)],
    ),
    # verdict_missing_for_suspects
    (
        "verdict missing for the suspects",
        case([(JUNE, "summons")], [(NOV, "conviction")]),
        [suspect(decision=SUMMONED)],
        [Finding("verdict_missing_for_suspects", date=NOV)],
    ),
    # verdict_missing_for_case
    (
        "verdict missing for the case",
        case([(JUNE, "summons")]),
        [suspect(decision=SUMMONED, verdicts=[CONVICTED])],
        [Finding("verdict_missing_for_case", suspect="VD-A", date=NOV)],
    ),
    # before_case_decision: a suspect's decision or verdict before the case's first decision.
    (
        "suspect decided before the case",
        case([(SEPT, "summons")]),
        [suspect(decision=SUMMONED), suspect("VD-B", decision=(D(2024, 10, 1), "summons"))],
        [Finding("before_case_decision", suspect="VD-A", date=JULY, other_date=SEPT)],
    ),
    (
        "suspect judged before the case's first decision",
        case([(SEPT, "summons"), (D(2024, 12, 1), "summons")], [(D(2024, 12, 2), "conviction")]),
        [suspect(decision=(SEPT, "summons"), verdicts=[(D(2024, 8, 1), "conviction")])],
        [Finding("before_case_decision", suspect="VD-A", date=D(2024, 8, 1), other_date=SEPT)],
    ),
    (
        "a later suspect decision is fine (the case's is the first)",
        case([(JUNE, "summons")]),
        [suspect(decision=(JUNE, "summons")), suspect("VD-B", decision=(NOV, "dismissal"))],
        [],
    ),
    # case_dismissed_suspects_prosecuted
    (
        "case dismissed, every suspect prosecuted",
        case([(JUNE, "dismissal_technical")]),
        [suspect(decision=SUMMONED), suspect("VD-B", decision=(JULY, "penalty_order"))],
        [Finding("case_dismissed_suspects_prosecuted", date=JUNE)],
    ),
    (
        "case dismissed, one suspect dismissed too",
        case([(JUNE, "dismissal_policy")]),
        [suspect(decision=SUMMONED), suspect("VD-B", decision=(JULY, "conditional_dismissal"))],
        [],
    ),
    (
        "the latest case decision counts: a summons after a dismissal",
        case([(JUNE, "dismissal_policy"), (SEPT, "summons")]),
        [suspect(decision=SUMMONED)],
        [],
    ),
    # case_summons_suspects_dismissed
    (
        "case summons, every suspect dismissed",
        case([(JUNE, "summons")]),
        [suspect(decision=(JULY, "dismissal")), suspect("VD-B", decision=(JULY, "dismissal"))],
        [Finding("case_summons_suspects_dismissed", date=JUNE)],
    ),
    (
        "case summons, one suspect summoned",
        case([(JUNE, "summons")]),
        [suspect(decision=(JULY, "dismissal")), suspect("VD-B", decision=SUMMONED)],
        [],
    ),
    # case_conviction_nobody_convicted
    (
        "case conviction, nobody found guilty",
        case([(JUNE, "summons")], [(NOV, "conviction")]),
        [
            suspect(decision=SUMMONED, verdicts=[(NOV, "acquittal")]),
            suspect("VD-B", decision=SUMMONED, verdicts=[(NOV, "inadmissible")]),
        ],
        [Finding("case_conviction_nobody_convicted", date=NOV)],
    ),
    (
        "case conviction, a suspect found guilty without a penalty",
        case([(JUNE, "summons")], [(NOV, "conviction")]),
        [
            suspect(decision=SUMMONED, verdicts=[(NOV, "acquittal")]),
            suspect("VD-B", decision=SUMMONED, verdicts=[(NOV, "guilty_no_penalty")]),
        ],
        [],
    ),
    # case_acquittal_everybody_convicted
    (
        "case acquittal, everybody convicted",
        case([(JUNE, "summons")], [(NOV, "acquittal")]),
        [suspect(decision=SUMMONED, verdicts=[CONVICTED])],
        [Finding("case_acquittal_everybody_convicted", date=NOV)],
    ),
    (
        "case acquittal, one suspect acquitted",
        case([(JUNE, "summons")], [(NOV, "discharge")]),
        [
            suspect(decision=SUMMONED, verdicts=[CONVICTED]),
            suspect("VD-B", decision=SUMMONED, verdicts=[(NOV, "acquittal")]),
        ],
        [],
    ),
]


@pytest.mark.parametrize(
    "outcomes, suspects, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_check_fires_and_stays_quiet(outcomes, suspects, expected):
    assert find_mismatches(outcomes, suspects) == expected


def test_every_check_is_tried_both_ways():
    fired = {f.check for _n, _c, _s, found in CASES for f in found}
    from inbeeld.suspects.consistency import FIXES, MESSAGES

    assert fired == set(MESSAGES) == set(FIXES)


# --- on a real case -------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    police_unit = unit("amsterdam")
    # First police contact 2024-03-01, complaint 2024-03-02 (status: investigation).
    c = CaseFactory(
        forms=["sexual"], intake_date=D(2024, 3, 1), with_complaint=True, court=court("amsterdam")
    )
    return {
        "case": c,
        "recorder": chain_recorder(police_unit),
        "police": make_user(Role.POLICE_OFFICER),
        "prosecutor": make_user(Role.PROSECUTOR),
    }


def _case_event(world, code, date, outcome=""):
    return event_record(
        actor=world["recorder"],
        case=world["case"],
        event_type=event_type(code),
        event_date=date,
        outcome=outcome,
    )


def _checks(world, user_key="prosecutor"):
    return [m.check for m in case_outcome_mismatches(world[user_key], world["case"])]


def test_a_real_case_is_read_from_effective_events_and_standing_links_and_entries(world):
    c, om = world["case"], world["prosecutor"]
    assert _checks(world) == []
    decision = _case_event(world, "prosecution_decision", JUNE, "summons")
    assert _checks(world) == ["no_suspect"]
    link = services.suspect_register(
        actor=world["police"], case=c, role="exploiter", relationship="partner"
    )
    mismatches = case_outcome_mismatches(om, c)
    assert [m.check for m in mismatches] == ["decision_missing_for_suspects"]
    assert "De casus heeft een vervolgingsbeslissing (1 juni 2024)" in mismatches[0].message
    assert mismatches[0].links == (
        (
            f"Naar de vervolging van {link.suspect.code}",
            reverse("suspects:detail", args=[c.code, link.suspect.code]),
        ),
    )
    entry = services.proceeding_record(
        actor=om, case=c, suspect=link.suspect, date=D(2024, 5, 1), kind="decision",
        decision="summons",
    )  # fmt: skip
    mismatches = case_outcome_mismatches(om, c)
    assert [m.check for m in mismatches] == ["before_case_decision"]
    assert "op 1 mei 2024, vóór de eerste vervolgingsbeslissing van de casus (1 juni 2024)" in (
        mismatches[0].message
    )
    # The suspect's step corrected to a date after the case's decision: nothing left.
    services.proceeding_correct(
        actor=om, entry=entry, date=JULY, kind="decision", decision="summons"
    )
    assert _checks(world) == []
    # The case's decision withdrawn: only the suspect's remains.
    event_withdraw(actor=world["recorder"], event=decision, reason=WithdrawalReason.MISTAKE)
    mismatches = case_outcome_mismatches(om, c)
    assert [m.check for m in mismatches] == ["decision_missing_for_case"]
    assert mismatches[0].links[0] == (
        "Naar de tijdlijn van de casus",
        reverse("cases:detail", args=[c.code]) + "#tijdlijn",
    )
    # A withdrawn link takes the suspect's proceedings out of the comparison.
    services.suspect_link_withdraw(actor=world["police"], link=link, reason="wrong_case")
    assert _checks(world) == []


@pytest.mark.parametrize(
    "role, sees",
    [
        (Role.POLICE_OFFICER, True),
        (Role.PROSECUTOR, True),
        (Role.RESEARCHER, False),
        (Role.SAFETY_COORDINATOR, False),
        (Role.EXAMINING_JUDGE, False),
    ],
)
def test_the_notice_is_for_police_and_prosecutor_only(world, client, login, role, sees):
    _case_event(world, "prosecution_decision", JUNE, "summons")
    login(make_user(role))
    page = client.get(reverse("cases:detail", args=[world["case"].code])).content.decode()
    assert ('data-testid="outcome-mismatches"' in page) is sees
    assert ("er is geen verdachte aan gekoppeld" in page) is sees
    if sees:
        assert "Let op:" in page
        assert reverse("suspects:link", args=[world["case"].code]) in page
    if role != Role.POLICE_OFFICER and role != Role.PROSECUTOR:
        assert case_outcome_mismatches(make_user(role), world["case"]) is None


def test_no_notice_when_the_records_agree(world, client, login):
    c, om = world["case"], world["prosecutor"]
    _case_event(world, "prosecution_decision", JUNE, "summons")
    s = services.suspect_register(
        actor=world["police"], case=c, role="exploiter", relationship="partner"
    ).suspect
    services.proceeding_record(
        actor=om, case=c, suspect=s, date=JUNE, kind="decision", decision="summons"
    )
    login(om)
    page = client.get(reverse("cases:detail", args=[c.code])).content.decode()
    assert 'data-testid="outcome-mismatches"' not in page
    assert "Let op:" not in page


# --- the case page's path: from the rows and the timeline it has read ------------------------------


def _from_page(user, c):
    """The notices as the case page computes them: from the section's rows and the timeline."""
    from inbeeld.cases.selectors import case_timeline
    from inbeeld.suspects.selectors import case_suspects

    rows = case_suspects(user, c)
    return case_outcome_mismatches(user, c, rows=rows, timeline=case_timeline(user, c))


def test_the_page_path_finds_what_reading_the_case_again_finds(world):
    """Several suspects with a corrected link (its standing link newer than another suspect's),
    a withdrawn and a renewed link, steps corrected and withdrawn, case events corrected and
    withdrawn: after every step the notices from the page's own reads equal those of
    case_outcome_mismatches reading the case itself (the oracle), and each step changes them."""
    from decimal import Decimal

    from inbeeld.cases.services import event_correct

    c, om, police = world["case"], world["prosecutor"], world["police"]
    seen = []

    def same():
        for user in (om, police):
            oracle = case_outcome_mismatches(user, c)
            assert _from_page(user, c) == oracle
        seen.append([(m.check, m.message, m.links) for m in oracle])

    def register(role="exploiter"):
        return services.suspect_register(actor=police, case=c, role=role, relationship="partner")

    same()
    _case_event(world, "prosecution_decision", JUNE, "summons")
    same()
    a = register()
    b = register("recruiter")
    same()
    # A's link corrected: its standing link is now newer than B's, so B comes first in the
    # notice that names every linked suspect.
    services.suspect_link_correct(actor=police, link=a, role="recruiter", relationship="family")
    same()
    step_a = services.proceeding_record(
        actor=om, case=c, suspect=a.suspect, date=D(2024, 5, 1), kind="decision",
        decision="summons",
    )  # fmt: skip
    same()
    step_b = services.proceeding_record(
        actor=om, case=c, suspect=b.suspect, date=JULY, kind="decision", decision="dismissal",
        ground="insufficient_evidence",
    )  # fmt: skip
    same()
    services.proceeding_correct(
        actor=om, entry=step_b, date=SEPT, kind="decision", decision="summons"
    )
    same()
    services.proceeding_correct(
        actor=om, entry=step_a, date=JULY, kind="decision", decision="penalty_order"
    )
    same()
    _case_event(world, "trial_hearing", D(2024, 10, 1))
    verdict = _case_event(world, "verdict", NOV, "conviction")
    same()
    services.proceeding_record(
        actor=om, case=c, suspect=b.suspect, date=D(2024, 10, 1), kind="trial"
    )
    services.proceeding_record(
        actor=om, case=c, suspect=b.suspect, date=NOV, kind="verdict", verdict="acquittal"
    )
    same()
    # C linked, withdrawn and linked again.
    c_link = register()
    same()
    services.suspect_link_withdraw(actor=police, link=c_link, reason="wrong_case")
    same()
    services.suspect_link(
        actor=police, case=c, suspect=c_link.suspect, role="exploiter", relationship="partner"
    )
    services.proceeding_record(
        actor=om, case=c, suspect=c_link.suspect, date=D(2024, 4, 1), kind="decision",
        decision="summons",
    )  # fmt: skip
    same()
    services.proceeding_record(
        actor=om, case=c, suspect=c_link.suspect, date=D(2024, 10, 2), kind="trial"
    )
    services.proceeding_record(
        actor=om, case=c, suspect=c_link.suspect, date=D(2024, 12, 2), kind="verdict",
        verdict="conviction", sentence_type="prison", unconditional_months=Decimal("20"),
    )  # fmt: skip
    same()
    corrected = event_correct(
        actor=world["recorder"],
        event=verdict,
        event_type=event_type("verdict"),
        event_date=NOV,
        outcome="acquittal",
    )
    same()
    event_withdraw(actor=world["recorder"], event=corrected, reason=WithdrawalReason.MISTAKE)
    same()
    # The steps above exercised the notices: not the same answer throughout.
    assert len({repr(s) for s in seen}) >= 5
    assert any(s == [] for s in seen) and any(len(s) >= 2 for s in seen)

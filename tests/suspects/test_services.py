"""Suspects, per-suspect prosecution and non-punishment (issue 17): services, selectors, policy
and audit, on a hand-built case with three suspects whose outcomes and lead times are worked out
by hand below."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from inbeeld import policy
from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.suspects import selectors, services
from inbeeld.suspects.models import SuspectCaseLink, SuspectLinkageKey
from inbeeld.suspects.workflow import ProceedingStatus
from tests.factories import CaseFactory, assign, court, make_user, unit

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def people():
    return {
        "police": make_user(Role.POLICE_OFFICER),
        "prosecutor": make_user(Role.PROSECUTOR),
        "coordinator": make_user(Role.SAFETY_COORDINATOR),
        "psychologist": make_user(Role.PSYCHOLOGIST),
        "judge": make_user(Role.EXAMINING_JUDGE),
        "researcher": make_user(Role.RESEARCHER),
        "far_police": make_user(Role.POLICE_OFFICER, unit_code="limburg"),
    }


@pytest.fixture
def case():
    # First police contact on 2024-03-01 (the first of the factory's events, from intake).
    return CaseFactory(
        forms=["criminal"],
        minor=True,
        intake_date=D(2024, 3, 1),
        with_complaint=True,
        court=court("amsterdam"),
    )


def _three_suspects(case, people):
    """A (exploiter, partner): summons 2024-06-30, trial, convicted 2024-11-27 to 36 months of
    which 12 conditional, contact ban; B (recruiter, network): dismissed for insufficient
    evidence on 2024-05-31; C (client, stranger): summons, acquitted 2025-02-27."""
    police, om = people["police"], people["prosecutor"]
    a = services.suspect_register(
        actor=police, case=case, role="exploiter", relationship="partner", age_band="18-22"
    ).suspect
    b = services.suspect_register(
        actor=police, case=case, role="recruiter", relationship="network"
    ).suspect
    c = services.suspect_register(
        actor=om, case=case, role="client", relationship="stranger", gender="male"
    ).suspect
    rec = services.proceeding_record
    rec(actor=om, case=case, suspect=a, date=D(2024, 6, 30), kind="decision", decision="summons")
    rec(actor=om, case=case, suspect=a, date=D(2024, 10, 1), kind="trial")
    rec(
        actor=om,
        case=case,
        suspect=a,
        date=D(2024, 11, 27),
        kind="verdict",
        verdict="conviction",
        sentence_type="prison",
        unconditional_months=Decimal("24"),
        conditional_months=Decimal("12"),
        measures=["contact_ban"],
    )
    rec(
        actor=om,
        case=case,
        suspect=b,
        date=D(2024, 5, 31),
        kind="decision",
        decision="dismissal",
        ground="insufficient_evidence",
    )
    rec(actor=om, case=case, suspect=c, date=D(2024, 8, 1), kind="decision", decision="summons")
    rec(actor=om, case=case, suspect=c, date=D(2025, 2, 27), kind="verdict", verdict="acquittal")
    return a, b, c


def test_three_suspects_three_outcomes_and_lead_times_by_hand(case, people):
    a, b, c = _three_suspects(case, people)
    assert selectors.first_police_contact(case) == D(2024, 3, 1)
    # A: 2024-03-01 → 2024-06-30 = 31+30+31+30 = 121 days (2024 is a leap year: March 31,
    # April 30, May 31, June 30 → 122 days to 1 July, so 121 to 30 June); → 2024-11-27: 271.
    lead = selectors.suspect_lead_times(case, a)
    assert (lead.to_decision, lead.to_verdict) == (121, 271)
    # B: → 2024-05-31 = 31 + 30 + 30 = 91 days; no verdict.
    lead = selectors.suspect_lead_times(case, b)
    assert (lead.to_decision, lead.to_verdict) == (91, None)
    # C: → 2024-08-01 = 153 days; → 2025-02-27 = 306 (rest of 2024) + 57 = 363.
    lead = selectors.suspect_lead_times(case, c)
    assert (lead.to_decision, lead.to_verdict) == (153, 363)
    rows = {r.suspect.code: r for r in selectors.case_suspects(people["prosecutor"], case)}
    assert {code: r.status for code, r in rows.items()} == {
        a.code: ProceedingStatus.JUDGED,
        b.code: ProceedingStatus.DISMISSED,
        c.code: ProceedingStatus.JUDGED,
    }
    verdict = [p for p in selectors.suspect_proceedings(people["prosecutor"], case, a)][-1].entry
    assert (verdict.unconditional_months, verdict.conditional_months) == (24, 12)
    assert verdict.measures == ["contact_ban"] and verdict.sentence_type == "prison"
    # The case's own workflow (the victim's path) is untouched by the suspects' proceedings.
    case.refresh_from_db()
    assert case.status == "investigation"


def test_the_suspect_workflow_refuses_steps_out_of_order(case, people):
    om = people["prosecutor"]
    s = services.suspect_register(
        actor=people["police"], case=case, role="exploiter", relationship="parent"
    ).suspect
    with pytest.raises(ValidationError, match="past niet"):
        services.proceeding_record(
            actor=om, case=case, suspect=s, date=D(2024, 5, 1), kind="verdict", verdict="acquittal"
        )
    services.proceeding_record(
        actor=om,
        case=case,
        suspect=s,
        date=D(2024, 5, 1),
        kind="decision",
        decision="dismissal",
        ground="policy",
    )
    with pytest.raises(ValidationError):
        services.proceeding_record(actor=om, case=case, suspect=s, date=D(2024, 6, 1), kind="trial")
    assert selectors.proceeding_kinds_allowed(case, s) == set()


def test_a_conviction_needs_a_sentence_and_a_sentence_needs_a_conviction(case, people):
    om = people["prosecutor"]
    s = services.suspect_register(
        actor=people["police"], case=case, role="exploiter", relationship="family"
    ).suspect
    services.proceeding_record(
        actor=om, case=case, suspect=s, date=D(2024, 5, 1), kind="decision", decision="summons"
    )
    with pytest.raises(ValidationError) as exc:
        services.proceeding_record(
            actor=om,
            case=case,
            suspect=s,
            date=D(2024, 9, 1),
            kind="verdict",
            verdict="conviction",
        )
    assert "sentence_type" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.proceeding_record(
            actor=om,
            case=case,
            suspect=s,
            date=D(2024, 9, 1),
            kind="verdict",
            verdict="conviction",
            sentence_type="prison",
        )
    assert "unconditional_months" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.proceeding_record(
            actor=om,
            case=case,
            suspect=s,
            date=D(2024, 9, 1),
            kind="verdict",
            verdict="acquittal",
            sentence_type="fine",
        )
    assert "sentence_type" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.proceeding_record(
            actor=om,
            case=case,
            suspect=s,
            date=D(2024, 9, 1),
            kind="verdict",
            verdict="conviction",
            sentence_type="community_service",
            community_service_hours=300,
        )
    assert "community_service_hours" in exc.value.message_dict
    assert selectors.proceeding_status(case, s) == ProceedingStatus.SUMMONED


def test_correct_and_withdraw_a_step_keep_the_record_and_replay(case, people):
    om = people["prosecutor"]
    s = services.suspect_register(
        actor=people["police"], case=case, role="exploiter", relationship="partner"
    ).suspect
    decision = services.proceeding_record(
        actor=om, case=case, suspect=s, date=D(2024, 5, 1), kind="decision", decision="summons"
    )
    verdict = services.proceeding_record(
        actor=om, case=case, suspect=s, date=D(2024, 9, 1), kind="verdict", verdict="acquittal"
    )
    # Withdrawing the summons would leave a verdict without a decision: refused.
    with pytest.raises(ValidationError, match="past niet"):
        services.proceeding_withdraw(actor=om, entry=decision, reason="mistake")
    fixed = services.proceeding_correct(
        actor=om, entry=decision, date=D(2024, 4, 15), kind="decision", decision="summons"
    )
    assert selectors.suspect_lead_times(case, s).decision == D(2024, 4, 15)
    services.proceeding_withdraw(actor=om, entry=verdict, reason="wrong_case")
    assert selectors.proceeding_status(case, s) == ProceedingStatus.SUMMONED
    rows = selectors.suspect_proceedings(om, case, s)
    assert [(r.superseded, r.withdrawal is not None) for r in rows] == [
        (False, False),  # the correction (15 April)
        (True, False),  # the corrected original (1 May)
        (False, True),  # the withdrawn verdict
    ]
    assert rows[0].entry.pk == fixed.pk
    with pytest.raises(ValidationError):
        services.proceeding_correct(
            actor=om, entry=decision, date=D(2024, 4, 1), kind="decision", decision="summons"
        )


def test_only_police_and_prosecutor_link_and_only_the_prosecutor_records_proceedings(case, people):
    for who in ("coordinator", "psychologist", "judge", "researcher", "far_police"):
        with pytest.raises(PermissionDenied):
            services.suspect_register(
                actor=people[who], case=case, role="client", relationship="stranger"
            )
    s = services.suspect_register(
        actor=people["police"], case=case, role="client", relationship="stranger"
    ).suspect
    for who in ("police", "coordinator", "researcher"):
        with pytest.raises(PermissionDenied):
            services.proceeding_record(
                actor=people[who],
                case=case,
                suspect=s,
                date=D(2024, 5, 1),
                kind="decision",
                decision="summons",
            )


def test_visibility_details_count_or_nothing(case, people):
    assign(case, people["psychologist"], Role.PSYCHOLOGIST)
    services.suspect_register(
        actor=people["police"],
        case=case,
        role="exploiter",
        relationship="parent",
        note="Vader van het slachtoffer, woont in Tilburg.",
    )
    services.suspect_register(
        actor=people["police"], case=case, role="client", relationship="stranger"
    )
    for who in ("police", "prosecutor", "researcher"):
        assert len(selectors.case_suspects(people[who], case)) == 2, who
    for who in ("coordinator", "psychologist", "judge"):
        assert selectors.case_suspects(people[who], case) is None, who
        assert selectors.suspect_count(people[who], case) == 2, who
        assert selectors.case_non_punishment(people[who], case) is None
    # The note: the police family only; the prosecutor and the researcher see that there is none.
    notes = {
        who: [r.link.note for r in selectors.case_suspects(people[who], case)]
        for who in ("police", "prosecutor", "researcher")
    }
    assert "Vader van het slachtoffer, woont in Tilburg." in notes["police"]
    assert not any(notes["prosecutor"]) and not any(notes["researcher"])
    # Who recorded: not for researchers.
    assert all(
        r.link.recorded_by is None for r in selectors.case_suspects(people["researcher"], case)
    )
    assert all(r.link.recorded_by for r in selectors.case_suspects(people["police"], case))


def test_a_suspect_of_another_case_answers_404_and_linking_needs_scope(case, people):
    far_case = CaseFactory(police_unit=unit("limburg"))
    far = services.suspect_register(
        actor=people["far_police"], case=far_case, role="exploiter", relationship="network"
    ).suspect
    with pytest.raises(Http404):
        selectors.suspect_get_for(people["police"], case, far.code)
    # The Amsterdam officer cannot link the Limburg suspect by code: the same answer as for a
    # code that does not exist.
    assert selectors.suspect_for_linking(people["police"], case, far.code) is None
    assert selectors.suspect_for_linking(people["police"], case, "VD-2222-2222") is None
    # Within scope: a suspect of another Amsterdam case can be linked (a network).
    other = CaseFactory()
    mine = services.suspect_register(
        actor=people["police"], case=other, role="exploiter", relationship="network"
    ).suspect
    found = selectors.suspect_for_linking(people["police"], case, mine.code.lower())
    assert found == mine
    services.suspect_link(
        actor=people["police"], case=case, suspect=mine, role="recruiter", relationship="network"
    )
    with pytest.raises(ValidationError, match="al aan deze casus"):
        services.suspect_link(
            actor=people["police"],
            case=case,
            suspect=mine,
            role="exploiter",
            relationship="network",
        )
    assert selectors.suspect_get_for(people["police"], case, mine.code) == mine


def test_correct_and_withdraw_a_link(case, people):
    police = people["police"]
    link = services.suspect_register(
        actor=police, case=case, role="exploiter", relationship="stranger"
    )
    fixed = services.suspect_link_correct(
        actor=police, link=link, role="exploiter", relationship="partner"
    )
    with pytest.raises(ValidationError, match="al gecorrigeerd"):
        services.suspect_link_withdraw(actor=police, link=link, reason="mistake")
    services.suspect_link_withdraw(actor=police, link=fixed, reason="wrong_case")
    assert selectors.suspect_count(people["coordinator"], case) == 0
    (row,) = selectors.case_suspects(police, case)
    assert not row.link.effective and len(row.history) == 2
    # A withdrawn suspect gets no more proceedings.
    with pytest.raises(ValidationError, match="niet \\(meer\\) aan deze casus"):
        services.proceeding_record(
            actor=people["prosecutor"],
            case=case,
            suspect=link.suspect,
            date=D(2024, 5, 1),
            kind="decision",
            decision="summons",
        )
    assert SuspectCaseLink.objects.filter(case=case).count() == 2


def test_partner_identifier_is_kept_only_as_a_keyed_pseudonym(case, people):
    link = services.suspect_register(
        actor=people["police"],
        case=case,
        role="exploiter",
        relationship="network",
        identifier_type="parket_number",
        identifier="13/123456-24",
    )
    (key,) = SuspectLinkageKey.objects.filter(suspect=link.suspect)
    assert len(key.key) == 64 and "123456" not in key.key
    rows = AuditEvent.objects.filter(case_code=case.code, action=AuditAction.SUSPECT_REGISTERED)
    assert "123456" not in str(list(rows.values_list("extra", flat=True)))


def test_every_write_has_its_audit_row_without_free_text(case, people):
    police, om = people["police"], people["prosecutor"]
    link = services.suspect_register(
        actor=police, case=case, role="exploiter", relationship="partner", note="geheimnotitie"
    )
    entry = services.proceeding_record(
        actor=om,
        case=case,
        suspect=link.suspect,
        date=D(2024, 5, 1),
        kind="decision",
        decision="summons",
    )
    services.proceeding_withdraw(actor=om, entry=entry, reason="mistake")
    np = services.non_punishment_record(
        actor=police, case=case, step="suspected", date=D(2024, 4, 1), offence="drugs"
    )
    services.non_punishment_withdraw(actor=om, entry=np, reason="duplicate")
    actions = list(
        AuditEvent.objects.filter(case_code=case.code, action__startswith="suspect.").values_list(
            "action", "subject_type"
        )
    ) + list(
        AuditEvent.objects.filter(
            case_code=case.code, action__startswith="case.non_punishment"
        ).values_list("action", "subject_type")
    )
    assert actions == [
        (AuditAction.SUSPECT_REGISTERED, "suspect"),
        (AuditAction.SUSPECT_LINKED, "suspect_link"),
        (AuditAction.PROCEEDING_RECORDED, "suspect_proceeding"),
        (AuditAction.PROCEEDING_WITHDRAWN, "suspect_proceeding"),
        (AuditAction.NON_PUNISHMENT_RECORDED, "non_punishment"),
        (AuditAction.NON_PUNISHMENT_WITHDRAWN, "non_punishment"),
    ]
    assert "geheimnotitie" not in str(list(AuditEvent.objects.values_list("extra", flat=True)))


def test_non_punishment_steps_and_their_fields(case, people):
    police, om = people["police"], people["prosecutor"]
    with pytest.raises(ValidationError) as exc:
        services.non_punishment_record(
            actor=police, case=case, step="assessed", date=D(2024, 4, 1), offence="drugs"
        )
    assert "assessment" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.non_punishment_record(
            actor=police,
            case=case,
            step="suspected",
            date=D(2024, 4, 1),
            offence="drugs",
            outcome="convicted",
        )
    assert "outcome" in exc.value.message_dict
    services.non_punishment_record(
        actor=police, case=case, step="suspected", date=D(2024, 4, 1), offence="money_mule"
    )
    services.non_punishment_record(
        actor=om,
        case=case,
        step="assessed",
        date=D(2024, 5, 1),
        offence="money_mule",
        assessment="applies",
    )
    services.non_punishment_record(
        actor=om,
        case=case,
        step="outcome",
        date=D(2024, 6, 1),
        offence="money_mule",
        outcome="not_prosecuted",
    )
    rows = selectors.case_non_punishment(om, case)
    assert [r.entry.step for r in rows] == ["suspected", "assessed", "outcome"]
    assert selectors.non_punishment_applied(rows[-1].entry.outcome)
    assert not selectors.non_punishment_applied("convicted")
    for who in ("coordinator", "researcher"):
        with pytest.raises(PermissionDenied):
            services.non_punishment_record(
                actor=people[who],
                case=case,
                step="suspected",
                date=D(2024, 4, 1),
                offence="drugs",
            )


def test_policy_table_entries():
    view = policy.ROLE_ACTIONS
    A = policy.Action
    assert A.SUSPECT_VIEW in view[Role.POLICE_OFFICER] and A.SUSPECT_VIEW in view[Role.PROSECUTOR]
    for role in (
        Role.SAFETY_COORDINATOR,
        Role.PSYCHOLOGIST,
        Role.PEER_EXPERT,
        Role.EXAMINING_JUDGE,
    ):
        assert A.SUSPECT_VIEW not in view[role] and A.SUSPECT_COUNT in view[role], role
    assert A.PROCEEDING_RECORD in view[Role.PROSECUTOR]
    assert A.PROCEEDING_RECORD not in view[Role.POLICE_OFFICER]
    assert (
        not {A.SUSPECT_LINK, A.PROCEEDING_RECORD, A.NON_PUNISHMENT_RECORD} & view[Role.RESEARCHER]
    )
    # Granting a role with these actions needs four eyes; an API client never gets them.
    assert {A.SUSPECT_VIEW, A.SUSPECT_LINK, A.PROCEEDING_RECORD} <= policy.CASE_ACTIONS
    assert not {A.SUSPECT_VIEW, A.SUSPECT_LINK} & policy.API_GRANTABLE_ACTIONS

"""No dead end for safety facts (issue 17 item 5, ADR 0023 decision 16): a wrong fact is
corrected (a new fact supersedes it) or withdrawn with a fixed reason (ADR 0015). Both re-check
the policy, write the audit row in the same transaction, keep the old fact on record (shown to
who sees the facts) and take it out of every count, the times the story was told included. The
modus operandi needs no withdrawal: a new record is its correction, starting from the current
values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.suspects import selectors
from inbeeld.suspects.models import SafetyFact, SafetyFactWithdrawal
from inbeeld.suspects.modus_operandi import (
    modus_operandi_record,
    safety_fact_correct,
    safety_fact_record,
    safety_fact_withdraw,
    standing_safety_facts,
    times_story_told,
)
from tests.factories import CaseFactory, court, make_user

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def case():
    return CaseFactory(forms=["sexual"], with_complaint=True, court=court("amsterdam"))


@pytest.fixture
def police():
    return make_user(Role.POLICE_OFFICER)


def _tellings(case, police):
    return [
        safety_fact_record(actor=police, case=case, kind=kind, date=D(2025, 1, day))
        for day, kind in ((10, "complaint"), (20, "studio_interview"), (25, "rc_hearing"))
    ]


# --- services --------------------------------------------------------------------------------------


def test_a_withdrawn_telling_leaves_every_count_and_is_audited(case, police):
    complaint, studio, rc = _tellings(case, police)
    assert times_story_told(case) == 3
    withdrawal = safety_fact_withdraw(actor=police, fact=studio, reason="duplicate")
    assert (withdrawal.fact, withdrawal.withdrawn_by, withdrawal.reason) == (
        studio,
        police,
        "duplicate",
    )
    assert times_story_told(case) == 2
    assert set(standing_safety_facts(case)) == {complaint, rc}
    safety = selectors.case_safety(police, case)
    assert safety.times_story_told == 2
    # Still listed (struck through on the page), marked as withdrawn.
    row = next(r for r in safety.tellings if r.fact == studio)
    assert row.withdrawal == withdrawal and not row.effective
    event = AuditEvent.objects.get(action=AuditAction.SAFETY_FACT_WITHDRAWN)
    assert (event.subject_ref, event.case_code) == (str(studio.pk), case.code)
    assert event.extra == {
        "old": {"fact": studio.pk, "kind": "studio_interview", "date": "2025-01-20"},
        "new": {"withdrawn": True, "reason": "duplicate"},
    }


def test_a_correction_supersedes_and_is_counted_once(case, police):
    threat = safety_fact_record(actor=police, case=case, kind="threat", date=D(2025, 2, 1))
    om = make_user(Role.PROSECUTOR)
    correction = safety_fact_correct(actor=om, fact=threat, kind="trial", date=D(2025, 2, 3))
    assert correction.supersedes == threat and correction.recorded_by == om
    assert times_story_told(case) == 1  # the correction is a telling; the threat no longer counts
    assert list(standing_safety_facts(case)) == [correction]
    rows = {r.fact: r for r in selectors.case_safety(police, case).rows}
    assert rows[threat].superseded and not rows[threat].effective
    assert rows[correction].effective
    event = AuditEvent.objects.get(action=AuditAction.SAFETY_FACT_CORRECTED)
    assert event.subject_ref == str(correction.pk)
    assert event.extra == {
        "old": {"fact": threat.pk, "kind": "threat", "date": "2025-02-01"},
        "new": {"kind": "trial", "date": "2025-02-03"},
    }


def test_only_a_standing_fact_can_be_changed(case, police):
    fact = safety_fact_record(actor=police, case=case, kind="threat", date=D(2025, 2, 1))
    newer = safety_fact_correct(actor=police, fact=fact, kind="threat", date=D(2025, 2, 2))
    with pytest.raises(ValidationError, match="al gecorrigeerd"):
        safety_fact_withdraw(actor=police, fact=fact, reason="mistake")
    with pytest.raises(ValidationError, match="al gecorrigeerd"):
        safety_fact_correct(actor=police, fact=fact, kind="threat", date=D(2025, 2, 3))
    safety_fact_withdraw(actor=police, fact=newer, reason="did_not_happen")
    with pytest.raises(ValidationError, match="ingetrokken"):
        safety_fact_withdraw(actor=police, fact=newer, reason="mistake")
    with pytest.raises(ValidationError, match="ingetrokken"):
        safety_fact_correct(actor=police, fact=newer, kind="threat", date=D(2025, 2, 4))
    assert SafetyFact.objects.count() == 2 and SafetyFactWithdrawal.objects.count() == 1


@pytest.mark.parametrize(
    "kind, date, reason, message",
    [
        ("made_up", D(2025, 1, 1), "mistake", "Kies wat er is gebeurd."),
        ("threat", D(2999, 1, 1), "mistake", "toekomst"),
        ("threat", D(2025, 2, 1), "mistake", "Er is niets gewijzigd"),
        ("threat", D(2025, 1, 1), "because", "Kies waarom u dit veiligheidsfeit intrekt."),
    ],
)
def test_bad_input_stores_nothing(case, police, kind, date, reason, message):
    fact = safety_fact_record(actor=police, case=case, kind="threat", date=D(2025, 2, 1))
    with pytest.raises(ValidationError, match=message):
        if reason == "because":
            safety_fact_withdraw(actor=police, fact=fact, reason=reason)
        else:
            safety_fact_correct(actor=police, fact=fact, kind=kind, date=date)
    assert SafetyFact.objects.count() == 1 and not SafetyFactWithdrawal.objects.exists()
    assert not AuditEvent.objects.filter(
        action__in=(AuditAction.SAFETY_FACT_CORRECTED, AuditAction.SAFETY_FACT_WITHDRAWN)
    ).exists()


@pytest.mark.parametrize(
    "role, unit_code",
    [
        (Role.SAFETY_COORDINATOR, "amsterdam"),
        (Role.RESEARCHER, None),
        (Role.EXAMINING_JUDGE, None),
        (Role.POLICE_OFFICER, "limburg"),
    ],
)
def test_the_policy_is_asked_again(case, police, role, unit_code):
    fact = safety_fact_record(actor=police, case=case, kind="threat", date=D(2025, 2, 1))
    other = make_user(role, unit_code=unit_code) if unit_code else make_user(role)
    with pytest.raises(PermissionDenied):
        safety_fact_withdraw(actor=other, fact=fact, reason="mistake")
    with pytest.raises(PermissionDenied):
        safety_fact_correct(actor=other, fact=fact, kind="threat", date=D(2025, 2, 2))
    assert SafetyFact.objects.count() == 1 and not SafetyFactWithdrawal.objects.exists()


def test_a_fact_of_another_case_is_not_found(case, police):
    other_case = CaseFactory(forms=["sexual"], with_complaint=True)
    fact = safety_fact_record(actor=police, case=other_case, kind="threat", date=D(2025, 2, 1))
    with pytest.raises(Http404):
        selectors.safety_fact_get_for(police, case, fact.pk)
    assert selectors.safety_fact_get_for(police, other_case, fact.pk) == fact
    with pytest.raises(Http404):  # a researcher sees facts but may not change them
        selectors.safety_fact_get_for(make_user(Role.RESEARCHER), other_case, fact.pk)


# --- pages -----------------------------------------------------------------------------------------


def test_police_withdraw_a_fact_through_the_confirmation_page(client, login, case, police):
    complaint, studio, _rc = _tellings(case, police)
    login(police)
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    url = reverse("suspects:safety_fact_withdraw", args=[case.code, studio.pk])
    assert url in page
    assert "Het slachtoffer heeft het verhaal 3 keer moeten vertellen." in page
    confirm = client.get(url).content.decode()
    assert "Veiligheidsfeit van 20 januari 2025 intrekken" in confirm
    assert "U trekt in: verhaal verteld: studioverhoor." in confirm
    assert "telt ook niet meer mee in het aantal keren" in confirm
    # No reason: a Dutch message in the error summary, nothing stored.
    refused = client.post(url, {"reason": ""}).content.decode()
    assert 'data-testid="error-summary"' in refused and "Kies waarom u dit intrekt." in refused
    assert not SafetyFactWithdrawal.objects.exists()
    response = client.post(url, {"reason": "duplicate"})
    assert response.status_code == 302 and response["Location"].endswith("#veiligheid")
    page = client.get(response["Location"]).content.decode()
    assert "Het veiligheidsfeit is ingetrokken." in page
    assert "Het slachtoffer heeft het verhaal 2 keer moeten vertellen." in page
    assert "reden: Dubbel vastgelegd. Telt niet meer mee." in page
    assert url not in page  # nothing left to withdraw on that fact
    # Withdrawing it again (an old tab): a Dutch refusal, not a 500.
    again = client.post(url, {"reason": "mistake"})
    assert again.status_code == 200
    assert "ingetrokken en telt niet meer mee" in again.content.decode()


def test_police_correct_a_fact_through_the_form(client, login, case, police):
    fact = safety_fact_record(actor=police, case=case, kind="threat", date=D(2025, 2, 1))
    login(police)
    url = reverse("suspects:safety_fact_correct", args=[case.code, fact.pk])
    form = client.get(url).content.decode()
    assert "Veiligheidsfeit corrigeren bij casus" in form
    assert 'name="date" value="2025-02-01"' in form
    assert 'value="threat" required id="id_kind_0" checked' in form
    refused = client.post(url, {"kind": "threat", "date": "2999-01-01"}).content.decode()
    assert 'data-testid="error-summary"' in refused and "toekomst" in refused
    response = client.post(url, {"kind": "contact_ban", "date": "2025-02-01"})
    assert response.status_code == 302
    assert SafetyFact.objects.get(supersedes=fact).kind == "contact_ban"
    page = client.get(response["Location"]).content.decode()
    assert "Gecorrigeerd – niet meer geldig" in page
    assert "Beschermende maatregel: contactverbod" in page


def test_the_undo_links_are_for_who_may_change_the_facts(client, login, case, police):
    fact = safety_fact_record(actor=police, case=case, kind="threat", date=D(2025, 2, 1))
    safety_fact_withdraw(actor=police, fact=fact, reason="mistake")
    login(make_user(Role.RESEARCHER))
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    # The researcher sees the fact withdrawn, but neither who withdrew it nor a way to change.
    assert "Ingetrokken op" in page and "Per vergissing vastgelegd" in page
    assert "ingetrokken door" not in page
    assert reverse("suspects:safety_fact_correct", args=[case.code, fact.pk]) not in page
    login(make_user(Role.PROSECUTOR))
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert f"ingetrokken door {police.get_full_name()}" in page


def test_the_modus_operandi_form_starts_from_the_current_record(client, login, case, police):
    modus_operandi_record(
        actor=police,
        case=case,
        location="abroad",
        recruitment_channel="social_media",
        platform_category="social_media",
        platform_notified=True,
    )
    login(police)
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "Modus operandi corrigeren of aanvullen" in page
    form = client.get(reverse("suspects:modus_operandi", args=[case.code])).content.decode()
    assert 'data-testid="modus-operandi-current"' in form
    assert '<option value="abroad" selected>' in form
    assert '<option value="ja" selected>' in form

"""Break-glass: time-limited, read-only, audited access to a case outside one's scope, reviewed
by the privacy officer."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from inbeeld import policy
from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import BreakGlassGrant
from inbeeld.cases.selectors import case_get_for, case_timeline, cases_visible_to
from inbeeld.cases.services import (
    CaseNotFound,
    break_glass_open,
    break_glass_review,
    event_record,
)
from tests.factories import CaseFactory, event_type, make_user, record_events, unit

pytestmark = pytest.mark.django_db

REASON = "Slachtoffer meldt zich nu bij ons bureau en vraagt om hulp bij opvang."
NOTE = "Politienotitie uit Limburg: verblijfadres bekend bij team."


@pytest.fixture
def limburg_case(db):
    case = CaseFactory(police_unit=unit("limburg"))
    record_events(
        case,
        [("first_police_contact", "", NOTE)],
        actor=make_user(Role.POLICE_OFFICER, unit_code="limburg"),
    )
    return case


@pytest.fixture
def officer(db):
    return make_user(Role.POLICE_OFFICER, unit_code="amsterdam")


def test_a_grant_opens_the_case_for_reading_for_a_limited_time(officer, limburg_case, settings):
    before = timezone.now()
    case, grant = break_glass_open(actor=officer, code=limburg_case.code.lower(), reason=REASON)
    assert case == limburg_case and grant.user == officer and grant.reason == REASON
    expected = before + dt.timedelta(minutes=settings.INBEELD_BREAK_GLASS_MINUTES)
    assert abs((grant.expires_at - expected).total_seconds()) < 5
    assert grant.review == BreakGlassGrant.Review.PENDING
    row = AuditEvent.objects.get(action=AuditAction.BREAK_GLASS_OPENED)
    assert (row.actor, row.case_code) == (officer, limburg_case.code)
    # The reason stays in the encrypted grant row; the audit row only names the grant.
    assert "reason" not in row.extra and row.extra["grant"] == grant.pk
    assert REASON not in json.dumps(row.extra)
    # Now the case opens, and the read is logged with the grant.
    assert case_get_for(officer, limburg_case.code) == limburg_case
    read = AuditEvent.objects.filter(action=AuditAction.CASE_READ).latest("id")
    assert read.extra["break_glass"] == grant.pk


def test_a_grant_is_read_only(officer, limburg_case):
    break_glass_open(actor=officer, code=limburg_case.code, reason=REASON)
    assert policy.recordable_event_codes(officer, limburg_case) == set()
    assert not policy.can(officer, policy.Action.EVENT_CORRECT, limburg_case)
    with pytest.raises(PermissionDenied):
        event_record(
            actor=officer,
            case=limburg_case,
            event_type=event_type("complaint_filed"),
            event_date=dt.date(2024, 4, 1),
        )
    with pytest.raises(Http404):
        case_get_for(officer, limburg_case.code, action=policy.Action.EVENT_RECORD)


def test_a_grant_does_not_put_the_case_in_the_list(officer, limburg_case):
    break_glass_open(actor=officer, code=limburg_case.code, reason=REASON)
    assert limburg_case not in cases_visible_to(officer)
    assert limburg_case in cases_visible_to(officer, policy.Action.CASE_VIEW)


def test_a_grant_reads_only_the_own_familys_notes(limburg_case):
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    break_glass_open(actor=coordinator, code=limburg_case.code, reason=REASON)
    entry = case_timeline(coordinator, limburg_case)[0]
    assert entry.has_note and entry.note is None


def test_an_expired_grant_gives_nothing(officer, limburg_case):
    _case, grant = break_glass_open(actor=officer, code=limburg_case.code, reason=REASON)
    BreakGlassGrant.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(Http404):
        case_get_for(officer, limburg_case.code)
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_ACCESS_DENIED, case_code=limburg_case.code
    ).exists()


def test_another_users_grant_does_not_help(officer, limburg_case):
    break_glass_open(actor=officer, code=limburg_case.code, reason=REASON)
    colleague = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    with pytest.raises(Http404):
        case_get_for(colleague, limburg_case.code)


def test_a_short_reason_is_refused_in_dutch(officer, limburg_case):
    with pytest.raises(ValidationError) as error:
        break_glass_open(actor=officer, code=limburg_case.code, reason="   even kijken   ")
    assert "ten minste 20 tekens" in error.value.message_dict["reason"][0]
    assert not BreakGlassGrant.objects.exists()


@pytest.mark.parametrize(
    "role",
    [
        Role.PSYCHOLOGIST,
        Role.PEER_EXPERT,
        Role.RESEARCHER,
        Role.PRIVACY_OFFICER,
        Role.ADMINISTRATOR,
        Role.SIGNALLER,
    ],
)
def test_roles_without_break_glass_are_refused(role, limburg_case):
    with pytest.raises(PermissionDenied):
        break_glass_open(actor=make_user(role), code=limburg_case.code, reason=REASON)
    assert not BreakGlassGrant.objects.exists()


def test_a_case_in_scope_needs_no_grant(officer):
    own = CaseFactory()
    case, grant = break_glass_open(actor=officer, code=own.code, reason=REASON)
    assert case == own and grant is None
    assert not BreakGlassGrant.objects.exists()


def test_an_attempt_on_an_unknown_code_is_audited(officer):
    with pytest.raises(CaseNotFound):
        break_glass_open(actor=officer, code="IB-ZZZZ-ZZZZ", reason=REASON)
    row = AuditEvent.objects.get(action=AuditAction.BREAK_GLASS_OPENED)
    # The code tried is the evidence; the typed reason (free text) stays out of the audit log.
    assert row.extra == {"found": False} and row.subject_ref == "IB-ZZZZ-ZZZZ"


def test_an_unknown_code_is_refused_with_a_dutch_message(officer):
    with pytest.raises(CaseNotFound) as missing:
        break_glass_open(actor=officer, code="IB-ZZZZ-ZZZZ", reason=REASON)
    assert str(missing.value.message) == "Er is geen casus met deze code."
    assert not BreakGlassGrant.objects.exists()


# --- through the pages ---------------------------------------------------------------------


def test_break_glass_through_the_form_shows_the_banner(login, officer, limburg_case):
    client = login(officer)
    assert client.get(reverse("cases:detail", args=[limburg_case.code])).status_code == 404
    assert client.get(reverse("cases:break_glass")).status_code == 200
    response = client.post(
        reverse("cases:break_glass"), {"code": limburg_case.code, "reason": REASON}
    )
    assert response.status_code == 302
    assert response.url == reverse("cases:detail", args=[limburg_case.code])
    html = client.get(response.url).content.decode()
    assert 'data-testid="break-glass-banner"' in html and REASON in html
    assert NOTE in html  # a police officer reads the police note, read-only
    assert "Gebeurtenis vastleggen" not in html
    assert client.get(reverse("cases:event_create", args=[limburg_case.code])).status_code == 404


def test_break_glass_form_errors_are_dutch_and_store_nothing(login, officer, limburg_case):
    client = login(officer)
    short = client.post(reverse("cases:break_glass"), {"code": limburg_case.code, "reason": "kort"})
    assert short.status_code == 200 and "ten minste 20 tekens" in short.content.decode()
    unknown = client.post(reverse("cases:break_glass"), {"code": "IB-ZZZZ-ZZZZ", "reason": REASON})
    assert unknown.status_code == 200
    assert "Er is geen casus met deze code." in unknown.content.decode()
    assert not BreakGlassGrant.objects.exists()


def test_the_break_glass_page_is_closed_to_roles_without_it(login):
    assert login(make_user(Role.RESEARCHER)).get(reverse("cases:break_glass")).status_code == 403


# --- review --------------------------------------------------------------------------------


@pytest.fixture
def grant(officer, limburg_case):
    return break_glass_open(actor=officer, code=limburg_case.code, reason=REASON)[1]


@pytest.fixture
def privacy_officer(db):
    return make_user(Role.PRIVACY_OFFICER)


def test_the_privacy_officer_reviews_a_grant_once(privacy_officer, grant):
    break_glass_review(actor=privacy_officer, grant=grant, verdict="justified")
    grant.refresh_from_db()
    assert (grant.review, grant.reviewed_by) == ("justified", privacy_officer)
    row = AuditEvent.objects.get(action=AuditAction.BREAK_GLASS_REVIEWED)
    assert row.extra["new"]["review"] == "justified" and row.case_code == grant.case.code
    with pytest.raises(ValidationError, match="al beoordeeld"):
        break_glass_review(
            actor=privacy_officer, grant=grant, verdict="unjustified", note="toch niet"
        )


def test_an_unjustified_verdict_needs_an_explanation(privacy_officer, grant):
    with pytest.raises(ValidationError) as error:
        break_glass_review(actor=privacy_officer, grant=grant, verdict="unjustified")
    assert "note" in error.value.message_dict
    grant.refresh_from_db()
    assert grant.review == "pending"


@pytest.mark.parametrize("role", [Role.POLICE_OFFICER, Role.ADMINISTRATOR, Role.RESEARCHER])
def test_only_the_privacy_officer_reviews(role, grant):
    with pytest.raises(PermissionDenied):
        break_glass_review(actor=make_user(role), grant=grant, verdict="justified")
    grant.refresh_from_db()
    assert grant.review == "pending"

"""The privacy officer's screens: who did what on which case code, never the case content."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import BreakGlassGrant
from inbeeld.cases.selectors import case_get_for
from inbeeld.cases.services import break_glass_open
from tests.factories import CaseFactory, make_user, record_events, unit

pytestmark = pytest.mark.django_db

NOTE = "Geheime notitie: slachtoffer logeert bij een nicht in Tilburg."
REASON = "Slachtoffer staat aan de balie en heeft dringend opvang nodig."


@pytest.fixture
def privacy_officer(db):
    return make_user(Role.PRIVACY_OFFICER, username="fg.test")


@pytest.fixture
def busy_case(db):
    officer = make_user(Role.POLICE_OFFICER, username="agent.ams")
    case = CaseFactory(forms=["organ_removal"], minor=True)
    record_events(case, [("first_police_contact", "", NOTE)], actor=officer)
    case_get_for(officer, case.code)
    return case


def _privacy_urls(case_code="IB-2222-2222"):
    return [
        reverse("privacy:overview"),
        reverse("privacy:log"),
        reverse("privacy:case_access", args=[case_code]),
        reverse("privacy:break_glass"),
    ]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.PRIVACY_OFFICER])
def test_the_privacy_pages_are_only_for_the_privacy_officer(login, role):
    client = login(make_user(role, is_staff=role == Role.ADMINISTRATOR))
    for url in _privacy_urls():
        assert client.get(url).status_code == 403, url
    assert (
        client.post(
            reverse("privacy:break_glass_review", args=[1]), {"verdict": "justified"}
        ).status_code
        == 403
    )


def test_the_privacy_officer_sees_the_log_without_case_content(login, privacy_officer, busy_case):
    client = login(privacy_officer)
    for url in _privacy_urls(busy_case.code):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert NOTE not in html and "Tilburg" not in html
        assert "Gedwongen orgaanverwijdering" not in html  # a case attribute, not access data
    log = client.get(reverse("privacy:log")).content.decode()
    assert "agent.ams" in log and busy_case.code in log


def test_reading_the_log_is_itself_logged(login, privacy_officer, busy_case):
    client = login(privacy_officer)
    client.get(reverse("privacy:log"), {"username": "agent.ams"})
    client.get(reverse("privacy:case_access", args=[busy_case.code.lower()]))
    rows = AuditEvent.objects.filter(action=AuditAction.AUDIT_LOG_READ, actor=privacy_officer)
    assert rows.count() == 2
    assert rows.filter(case_code=busy_case.code).exists()


def test_the_log_search_filters_by_user_action_and_case(login, privacy_officer, busy_case):
    other = CaseFactory(police_unit=unit("limburg"))
    client = login(privacy_officer)
    page = client.get(reverse("privacy:log"), {"case_code": busy_case.code.lower()}).context["page"]
    assert page.object_list and {r.case_code for r in page.object_list} == {busy_case.code}
    page = client.get(
        reverse("privacy:log"), {"username": "agent.ams", "action": AuditAction.CASE_READ}
    ).context["page"]
    assert [(r.actor_label, r.action) for r in page.object_list] == [("agent.ams", "case.read")]
    history = client.get(reverse("privacy:case_access", args=[other.code])).context["page"]
    assert all(r.case_code == other.code for r in history.object_list)


def test_the_log_search_refuses_an_end_before_the_start(login, privacy_officer):
    response = login(privacy_officer).get(
        reverse("privacy:log"), {"date_from": "2024-05-02", "date_to": "2024-05-01"}
    )
    assert response.status_code == 200
    assert "De einddatum ligt vóór de begindatum." in response.content.decode()


def test_repeated_denied_access_raises_an_alert(login, privacy_officer):
    snoop = make_user(Role.POLICE_OFFICER, username="nieuwsgierig")
    for _ in range(3):
        case = CaseFactory(police_unit=unit("limburg"))
        with pytest.raises(Http404):
            case_get_for(snoop, case.code)
    response = login(privacy_officer).get(reverse("privacy:overview"))
    alerts = response.context["alerts"].object_list
    assert [(a.rule, a.user, a.count) for a in alerts] == [("denied", "nieuwsgierig", 3)]
    assert "nieuwsgierig probeerde" in response.content.decode()


def test_two_denied_accesses_raise_no_alert(login, privacy_officer):
    snoop = make_user(Role.POLICE_OFFICER, username="nieuwsgierig")
    for _ in range(2):
        case = CaseFactory(police_unit=unit("limburg"))
        with pytest.raises(Http404):
            case_get_for(snoop, case.code)
    assert not login(privacy_officer).get(reverse("privacy:overview")).context["alerts"].object_list


def test_the_privacy_officer_reviews_break_glass_through_the_page(login, privacy_officer):
    officer = make_user(Role.POLICE_OFFICER, username="agent.ams")
    case = CaseFactory(police_unit=unit("limburg"))
    _case, grant = break_glass_open(actor=officer, code=case.code, reason=REASON)
    client = login(privacy_officer)
    queue = client.get(reverse("privacy:break_glass"))
    assert REASON in queue.content.decode()
    url = reverse("privacy:break_glass_review", args=[grant.pk])
    refused = client.post(url, {"verdict": "unjustified", "note": ""}, follow=True)
    assert "Licht toe waarom" in refused.content.decode()
    grant.refresh_from_db()
    assert grant.review == BreakGlassGrant.Review.PENDING
    response = client.post(url, {"verdict": "unjustified", "note": "Geen spoed aangetoond."})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.review, grant.review_note) == ("unjustified", "Geen spoed aangetoond.")
    assert (
        client.post(
            reverse("privacy:break_glass_review", args=[grant.pk + 1000]), {"verdict": "justified"}
        ).status_code
        == 404
    )

"""The examining judge reaches its cases (issue 14 item 2): the court of a case follows from the
OM district when the case is brought before a court, the prosecutor sets or changes it (audited),
an examining judge with no case sees why, and each role is offered only the events it may record.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from inbeeld import policy
from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import Case
from inbeeld.cases.selectors import cases_visible_to
from inbeeld.cases.services import case_set_court, event_record
from inbeeld.web import ConcurrentChange
from tests.factories import CaseFactory, court, event_type, make_user, unit

pytestmark = pytest.mark.django_db

DAY = CaseFactory._meta.declarations["intake_date"]


def _court_rows(case):
    return AuditEvent.objects.filter(
        action=AuditAction.CASE_UPDATED, case_code=case.code, extra__new__has_key="court"
    ).order_by("pk")


def _record(actor, case, code, outcome=""):
    case.refresh_from_db()
    return event_record(
        actor=actor, case=case, event_type=event_type(code), event_date=DAY, outcome=outcome
    )


# --- derived from the district -------------------------------------------------------------------


def test_a_summons_gives_the_case_its_districts_court_and_the_judge_then_sees_it():
    prosecutor = make_user(Role.PROSECUTOR)
    judge = make_user(Role.EXAMINING_JUDGE, court_code="amsterdam")
    case = CaseFactory(with_complaint=True)
    assert case not in cases_visible_to(judge)

    _record(prosecutor, case, "prosecution_decision", "summons")

    case.refresh_from_db()
    assert case.court == court("amsterdam")
    assert case in cases_visible_to(judge)
    assert "rc_hearing" in policy.recordable_event_codes(judge, case)
    row = _court_rows(case).get()
    assert row.actor_id == prosecutor.pk
    assert row.extra["old"] == {"court": None}
    assert row.extra["new"] == {"court": "amsterdam"}
    assert row.extra["derived_from"] == {
        "om_district": "amsterdam",
        "event_type": "prosecution_decision",
    }


def test_an_rc_hearing_recorded_by_the_prosecutor_or_police_derives_the_court():
    for role in (Role.PROSECUTOR, Role.POLICE_OFFICER):
        case = CaseFactory(with_complaint=True)
        _record(make_user(role), case, "rc_hearing")
        case.refresh_from_db()
        assert case.court == court("amsterdam"), role


def test_a_dismissal_brings_no_case_to_court():
    case = CaseFactory(with_complaint=True)
    _record(make_user(Role.PROSECUTOR), case, "prosecution_decision", "dismissal_policy")
    case.refresh_from_db()
    assert case.court is None
    assert not _court_rows(case).exists()


def test_oost_nederland_has_two_courts_so_nothing_is_derived_and_the_prosecutor_chooses():
    prosecutor = make_user(Role.PROSECUTOR, district_code="oost-nederland")
    case = CaseFactory(police_unit=unit("oost-nederland"), with_complaint=True)
    _record(prosecutor, case, "prosecution_decision", "summons")
    case.refresh_from_db()
    assert case.court is None

    case_set_court(actor=prosecutor, case=case, court=court("overijssel"))
    case.refresh_from_db()
    assert case.court == court("overijssel")
    judge = make_user(Role.EXAMINING_JUDGE, court_code="overijssel")
    other = make_user(Role.EXAMINING_JUDGE, court_code="gelderland")
    assert case in cases_visible_to(judge)
    assert case not in cases_visible_to(other)


def test_a_court_already_set_is_never_overwritten_by_a_later_event():
    prosecutor = make_user(Role.PROSECUTOR)
    case = CaseFactory(with_complaint=True, court=court("amsterdam"))
    _record(prosecutor, case, "rc_hearing")
    _record(prosecutor, case, "prosecution_decision", "summons")
    case.refresh_from_db()
    assert case.court == court("amsterdam")
    assert not _court_rows(case).exists()


# --- set and changed by the prosecutor -----------------------------------------------------------


def test_the_prosecutor_changes_the_court_audited_and_the_old_judge_loses_the_case():
    prosecutor = make_user(Role.PROSECUTOR, district_code="oost-nederland")
    case = CaseFactory(police_unit=unit("oost-nederland"), court=court("gelderland"))
    old_judge = make_user(Role.EXAMINING_JUDGE, court_code="gelderland")
    version = Case.objects.get(pk=case.pk).version

    case_set_court(actor=prosecutor, case=case, court=court("overijssel"), expected_version=version)

    stored = Case.objects.get(pk=case.pk)
    assert stored.court == court("overijssel")
    assert stored.version == version + 1
    assert case not in cases_visible_to(old_judge)
    row = _court_rows(case).get()
    assert (row.extra["old"], row.extra["new"], row.extra["how"]) == (
        {"court": "gelderland"},
        {"court": "overijssel"},
        "set",
    )


def test_a_court_outside_the_district_is_refused():
    prosecutor = make_user(Role.PROSECUTOR)
    case = CaseFactory()
    with pytest.raises(ValidationError) as refused:
        case_set_court(actor=prosecutor, case=case, court=court("limburg"))
    assert "hoort niet bij het arrondissement" in str(refused.value)
    assert Case.objects.get(pk=case.pk).court is None


def test_setting_the_same_court_again_is_refused_without_an_audit_row():
    prosecutor = make_user(Role.PROSECUTOR)
    case = CaseFactory(court=court("amsterdam"))
    with pytest.raises(ValidationError):
        case_set_court(actor=prosecutor, case=case, court=court("amsterdam"))
    assert not _court_rows(case).exists()


@pytest.mark.parametrize(
    "role", [Role.POLICE_OFFICER, Role.EXAMINING_JUDGE, Role.SAFETY_COORDINATOR]
)
def test_only_the_prosecutor_sets_the_court(role):
    case = CaseFactory(court=court("amsterdam") if role == Role.EXAMINING_JUDGE else None)
    with pytest.raises(PermissionDenied):
        case_set_court(actor=make_user(role), case=case, court=court("amsterdam"))


def test_a_prosecutor_of_another_district_cannot_set_the_court():
    case = CaseFactory()
    with pytest.raises(PermissionDenied):
        case_set_court(
            actor=make_user(Role.PROSECUTOR, district_code="limburg"),
            case=case,
            court=court("amsterdam"),
        )


def test_a_stale_version_is_a_conflict():
    prosecutor = make_user(Role.PROSECUTOR)
    case = CaseFactory()
    with pytest.raises(ConcurrentChange):
        case_set_court(actor=prosecutor, case=case, court=court("amsterdam"), expected_version=99)


# --- the pages -----------------------------------------------------------------------------------


def test_the_case_page_shows_the_court_and_offers_the_prosecutor_to_set_it(login, client):
    case = CaseFactory(with_complaint=True)
    login(make_user(Role.PROSECUTOR))
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert 'data-testid="case-court">nog niet ingesteld' in page
    assert reverse("cases:court", args=[case.code]) in page
    assert "Rechtbank instellen" in page


def test_the_police_see_the_court_but_cannot_change_it(login, client):
    case = CaseFactory(court=court("amsterdam"))
    login(make_user(Role.POLICE_OFFICER))
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "Rechtbank Amsterdam" in page
    assert reverse("cases:court", args=[case.code]) not in page
    assert client.get(reverse("cases:court", args=[case.code])).status_code == 404


def test_the_court_form_sets_the_court(login, client):
    prosecutor = make_user(Role.PROSECUTOR, district_code="oost-nederland")
    case = CaseFactory(police_unit=unit("oost-nederland"))
    login(prosecutor)
    url = reverse("cases:court", args=[case.code])
    page = client.get(url).content.decode()
    assert "Rechtbank Gelderland" in page and "Rechtbank Overijssel" in page
    assert "Rechtbank Amsterdam" not in page
    assert "meer dan één rechtbank" in page
    version = Case.objects.get(pk=case.pk).version
    response = client.post(url, {"court": "gelderland", "version": version})
    assert response.status_code == 302
    assert response.url == reverse("cases:detail", args=[case.code])
    assert Case.objects.get(pk=case.pk).court == court("gelderland")


def test_the_court_form_shows_a_focused_error_summary(login, client):
    login(make_user(Role.PROSECUTOR))
    case = CaseFactory()
    url = reverse("cases:court", args=[case.code])
    page = client.post(url, {"court": "", "version": 1}).content.decode()
    assert 'class="error-summary" role="alert" tabindex="-1" autofocus' in page
    assert "Kies de rechtbank waar de casus dient." in page
    page = client.post(url, {"court": "limburg", "version": 1}).content.decode()
    assert "Kies een rechtbank uit de lijst." in page
    assert Case.objects.get(pk=case.pk).court is None


def test_an_examining_judge_without_cases_is_told_why(login, client):
    login(make_user(Role.EXAMINING_JUDGE, court_code="amsterdam"))
    page = client.get(reverse("cases:list")).content.decode()
    assert 'data-testid="court-list-help"' in page
    assert "Rechtbank Amsterdam" in page
    assert "dagvaarding of een verhoor bij de rechter-commissaris" in page


def test_other_roles_get_no_court_explanation(login, client):
    login(make_user(Role.POLICE_OFFICER))
    page = client.get(reverse("cases:list")).content.decode()
    assert 'data-testid="court-list-help"' not in page


# --- each role is offered the events it may record ------------------------------------------------


def _offered(client, case) -> set[str]:
    form = client.get(reverse("cases:event_create", args=[case.code])).context["form"]
    return set(form.fields["event_type"].queryset.values_list("code", flat=True))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.POLICE_OFFICER, {"rc_hearing", "prosecution_decision"}),
        (Role.PROSECUTOR, {"rc_hearing", "prosecution_decision"}),
        (Role.EXAMINING_JUDGE, {"rc_hearing"}),
    ],
)
def test_the_event_form_offers_what_the_policy_allows(login, client, role, expected):
    case = CaseFactory(with_complaint=True, court=court("amsterdam"))
    login(make_user(role))
    offered = _offered(client, case)
    assert expected <= offered
    assert offered <= policy.recordable_event_codes(make_user(role), case)
    if role == Role.EXAMINING_JUDGE:
        assert offered == {"rc_hearing"}


def test_an_examining_judge_with_nothing_to_record_now_is_told_when_instead_of_an_empty_list(
    login, client
):
    case = CaseFactory(status="verdict", court=court("amsterdam"))
    login(make_user(Role.EXAMINING_JUDGE))
    response = client.get(reverse("cases:event_create", args=[case.code]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="nothing-to-record"' in page
    assert "In de fase 'Uitspraak' kunt u bij deze casus nu niets vastleggen." in page
    assert "Verhoor bij de rechter-commissaris" in page and "Vervolging" in page
    assert 'name="event_type"' not in page

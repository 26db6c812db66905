"""The suspect pages (issue 17): linking, the suspect page with its proceedings, the non-punishment
form; what each role sees of the case page's section; bad input gives a Dutch error summary and
stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.suspects import services
from inbeeld.suspects.models import NonPunishmentEntry, ProceedingEntry, Suspect, SuspectCaseLink
from tests.factories import CaseFactory, court, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return CaseFactory(forms=["criminal"], with_complaint=True, court=court("amsterdam"))


def test_police_link_a_new_suspect_and_the_case_page_lists_them(client, login, case):
    police = make_user(Role.POLICE_OFFICER)
    login(police)
    url = reverse("suspects:link", args=[case.code])
    response = client.post(
        url,
        {
            "suspect_code": "",
            "role": "exploiter",
            "relationship": "parent",
            "age_band": "30-49",
            "gender": "male",
            "note": "ZQnotitieQZ",
        },
    )
    assert response.status_code == 302
    link = SuspectCaseLink.objects.get(case=case)
    assert (link.role, link.relationship, link.suspect.age_band) == ("exploiter", "parent", "30-49")
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert link.suspect.code in page and "ouder of verzorger" in page and "ZQnotitieQZ" in page


def test_bad_input_shows_the_error_summary_and_stores_nothing(client, login, case):
    login(make_user(Role.POLICE_OFFICER))
    response = client.post(
        reverse("suspects:link", args=[case.code]),
        {"suspect_code": "VD-ZZZZ-ZZZZ", "role": "exploiter", "relationship": "parent"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="error-summary"' in body
    assert "Er is geen verdachte met deze code" in body
    response = client.post(reverse("suspects:link", args=[case.code]), {"role": "boss"})
    body = response.content.decode()
    assert "Kies een rol uit de lijst." in body and "Kies de relatie tot het slachtoffer." in body
    assert not Suspect.objects.exists()


def test_prosecutor_records_a_conviction_with_a_sentence(client, login, case):
    police, om = make_user(Role.POLICE_OFFICER), make_user(Role.PROSECUTOR)
    suspect = services.suspect_register(
        actor=police, case=case, role="exploiter", relationship="partner"
    ).suspect
    login(om)
    url = reverse("suspects:proceeding", args=[case.code, suspect.code])
    # Before a decision only a decision can be recorded.
    form = client.get(url).content.decode()
    assert 'value="decision"' in form and 'value="verdict"' not in form
    client.post(url, {"kind": "decision", "date": "2024-04-01", "decision": "summons"})
    response = client.post(
        url,
        {
            "kind": "verdict",
            "date": "2024-09-02",
            "verdict": "conviction",
            "sentence_type": "prison",
            "unconditional_months": "18",
            "conditional_months": "6",
            "measures": ["contact_ban", "compensation"],
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("suspects:detail", args=[case.code, suspect.code])).content.decode()
    assert "veroordeling" in page and "18 maanden" in page and "contactverbod" in page
    # First police contact 2024-03-01 → decision 2024-04-01 (31 days), → verdict 2024-09-02.
    assert (
        "31 dagen" in page and f"{(dt.date(2024, 9, 2) - dt.date(2024, 3, 1)).days} dagen" in page
    )
    assert ProceedingEntry.objects.filter(suspect=suspect).count() == 2
    # Nothing left to record after the verdict: the form says so (no dead end).
    assert 'data-testid="nothing-to-record"' in client.get(url).content.decode()


def test_a_conviction_without_a_sentence_is_refused_on_the_form(client, login, case):
    suspect = services.suspect_register(
        actor=make_user(Role.POLICE_OFFICER), case=case, role="client", relationship="stranger"
    ).suspect
    om = make_user(Role.PROSECUTOR)
    services.proceeding_record(
        actor=om,
        case=case,
        suspect=suspect,
        date=dt.date(2024, 4, 1),
        kind="decision",
        decision="summons",
    )
    login(om)
    response = client.post(
        reverse("suspects:proceeding", args=[case.code, suspect.code]),
        {"kind": "verdict", "date": "2024-09-02", "verdict": "conviction"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Kies de soort straf bij een veroordeling." in body
    assert ProceedingEntry.objects.filter(suspect=suspect).count() == 1


@pytest.mark.parametrize("role", [Role.SAFETY_COORDINATOR, Role.EXAMINING_JUDGE])
def test_care_roles_see_only_the_count(client, login, case, role):
    services.suspect_register(
        actor=make_user(Role.POLICE_OFFICER),
        case=case,
        role="exploiter",
        relationship="parent",
        note="ZQgeheimQZ",
    )
    login(make_user(role))
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "Er is 1 verdachte geregistreerd." in page
    suspect = Suspect.objects.get()
    assert (
        suspect.code not in page and "ZQgeheimQZ" not in page and "ouder of verzorger" not in page
    )
    assert client.get(reverse("suspects:detail", args=[case.code, suspect.code])).status_code == 404


def test_researcher_sees_pseudonymised_attributes_without_notes(client, login, case):
    services.suspect_register(
        actor=make_user(Role.POLICE_OFFICER),
        case=case,
        role="exploiter",
        relationship="parent",
        note="ZQgeheimQZ",
    )
    login(make_user(Role.RESEARCHER))
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "ouder of verzorger" in page and "ZQgeheimQZ" not in page
    suspect = Suspect.objects.get()
    detail = client.get(reverse("suspects:detail", args=[case.code, suspect.code]))
    assert detail.status_code == 200 and "gepseudonimiseerd" in detail.content.decode()


def test_non_punishment_form(client, login, case):
    login(make_user(Role.PROSECUTOR))
    url = reverse("suspects:non_punishment", args=[case.code])
    response = client.post(url, {"step": "outcome", "date": "2024-06-01", "offence": "drugs"})
    assert "Kies de afloop." in response.content.decode()
    response = client.post(
        url,
        {"step": "outcome", "date": "2024-06-01", "offence": "drugs", "outcome": "dismissed"},
    )
    assert response.status_code == 302
    assert NonPunishmentEntry.objects.get(case=case).outcome == "dismissed"
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "geseponeerd" in page and "drugshandel" in page


def test_out_of_scope_case_answers_404_and_is_logged(client, login, case):
    far = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    login(far)
    assert client.get(reverse("suspects:link", args=[case.code])).status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_ACCESS_DENIED, case_code=case.code, actor=far
    ).exists()

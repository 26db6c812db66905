"""The safety section of the case page and its form (issue 17 item 5): a police officer records a
fact, bad input gives a Dutch message and stores nothing, a case out of scope answers 404, and
only the roles that see the suspects see the facts and the times the story was told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.suspects.models import SafetyFact
from inbeeld.suspects.modus_operandi import safety_fact_record
from tests.factories import CaseFactory, court, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return CaseFactory(forms=["sexual"], with_complaint=True, court=court("amsterdam"))


def test_police_record_a_fact_and_the_case_page_lists_it(client, login, case):
    login(make_user(Role.POLICE_OFFICER))
    url = reverse("suspects:safety_fact", args=[case.code])
    page = client.get(url).content.decode()
    assert "Wat is er gebeurd?" in page and "afgeschermde getuige" in page
    response = client.post(url, {"kind": "contact_ban", "date": "2025-02-02"})
    assert response.status_code == 302 and response["Location"].endswith("#veiligheid")
    fact = SafetyFact.objects.get(case=case)
    assert (fact.kind, fact.date) == ("contact_ban", dt.date(2025, 2, 2))
    assert AuditEvent.objects.filter(
        action=AuditAction.SAFETY_FACT_RECORDED, subject_ref=str(fact.pk), case_code=case.code
    ).exists()
    for kind, date in (("complaint", "2025-01-10"), ("studio_interview", "2025-01-20")):
        assert client.post(url, {"kind": kind, "date": date}).status_code == 302
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "Veiligheid en herhaald vertellen" in page
    assert "Beschermende maatregel: contactverbod" in page
    assert "Het slachtoffer heeft het verhaal 2 keer moeten vertellen." in page
    assert "Verhaal verteld: studioverhoor" in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"date": "2025-01-01"}, "Kies wat er is gebeurd."),
        ({"kind": "made_up", "date": "2025-01-01"}, "Kies wat er is gebeurd."),
        ({"kind": "threat"}, "Vul de datum in."),
        ({"kind": "threat", "date": "gisteren"}, "Vul een geldige datum in (jjjj-mm-dd)."),
        ({"kind": "threat", "date": "2999-01-01"}, "toekomst"),
    ],
)
def test_bad_input_gives_a_dutch_message_and_stores_nothing(client, login, case, data, message):
    login(make_user(Role.PROSECUTOR))
    response = client.post(reverse("suspects:safety_fact", args=[case.code]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'data-testid="error-summary"' in response.content.decode()
    assert not SafetyFact.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SAFETY_FACT_RECORDED).exists()


def test_a_case_out_of_scope_answers_404_and_is_logged(client, login, case):
    far = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    login(far)
    url = reverse("suspects:safety_fact", args=[case.code])
    assert client.get(url).status_code == 404
    assert client.post(url, {"kind": "threat", "date": "2025-01-01"}).status_code == 404
    assert not SafetyFact.objects.exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_ACCESS_DENIED, case_code=case.code, actor=far
    ).exists()


@pytest.mark.parametrize("role, sees", [(Role.PROSECUTOR, True), (Role.SAFETY_COORDINATOR, False)])
def test_only_who_sees_the_suspects_sees_the_section(client, login, case, role, sees):
    safety_fact_record(
        actor=make_user(Role.POLICE_OFFICER), case=case, kind="threat", date=dt.date(2025, 2, 1)
    )
    login(make_user(role))
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert ("Bedreiging gemeld na de aangifte" in page) is sees
    assert ('data-testid="safety-section"' in page) is sees
    assert ("Veiligheidsfeit vastleggen" in page) is sees

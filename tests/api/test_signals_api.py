"""Signals through the API: a signaller's system submits and follows its own signals, with the
same service, policy and audit as the signaller's pages (issue 16)."""

from __future__ import annotations

import pytest

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.intake.models import Signal
from tests.api.conftest import assert_problem
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SIGNAL = {
    "eenheid": "noord-holland",
    "signaalgeverType": "school",
    "leeftijd": "16-17",
    "gender": "female",
    "urgentie": "acute",
    "beschrijving": "Een leerling heeft ineens veel dure spullen.",
    "naam": "J.",
    "gemeente": "Zaandam",
}


@pytest.fixture
def signaller():
    return make_user(Role.SIGNALLER)


def test_submit_a_signal_then_follow_its_status(api_for, signaller):
    api = api_for(signaller)
    items = api.get("signalenlijst").json()["resultaten"]
    assert items and all("/" in i["code"] for i in items)
    body = {**SIGNAL, "indicatoren": [items[0]["code"]]}
    response = api.post("signalen", body, key="signaal-1")
    assert response.status_code == 201, response.content
    reference = response.json()["referentie"]
    signal = Signal.objects.get(reference=reference)
    assert signal.submitted_by == signaller and signal.police_unit.code == "noord-holland"
    assert signal.urgency == "acute" and signal.indicators.count() == 1
    # A retry with the same key: one signal.
    assert api.post("signalen", body, key="signaal-1").json()["referentie"] == reference
    assert Signal.objects.count() == 1
    submitted = AuditEvent.objects.get(action=AuditAction.SIGNAL_SUBMITTED)
    assert submitted.extra["api_client"]["id"] == signaller.api_clients.get().pk
    detail = api.get(f"signalen/{reference}")
    assert detail.status_code == 200
    assert detail.json()["status"] == "received" and detail.json()["stappen"]
    assert [s["referentie"] for s in api.get("signalen").json()["resultaten"]] == [reference]
    read = AuditEvent.objects.filter(action=AuditAction.SIGNAL_READ).last()
    assert read.subject_ref == reference and read.extra["api_client"]


def test_unknown_indicator_codes_and_missing_content_are_400(api_for, signaller):
    api = api_for(signaller)
    assert_problem(
        api.post("signalen", {**SIGNAL, "indicatoren": ["x/y"]}), 400, param="indicatoren"
    )
    assert_problem(api.post("signalen", {**SIGNAL, "beschrijving": ""}), 400, param="indicatoren")
    assert not Signal.objects.exists()


def test_another_signallers_signal_is_404_and_logged(api_for, signaller):
    other = make_user(Role.SIGNALLER)
    reference = api_for(other).post("signalen", SIGNAL).json()["referentie"]
    assert_problem(api_for(signaller).get(f"signalen/{reference}"), 404)
    denied = AuditEvent.objects.get(action=AuditAction.SIGNAL_ACCESS_DENIED)
    assert denied.actor == signaller and denied.extra["api_client"]


def test_submitting_needs_the_scope(api_for, signaller):
    api = api_for(signaller, scopes=["signal.own_read"])
    assert_problem(api.post("signalen", SIGNAL), 403)
    assert not Signal.objects.exists()


def test_the_signaller_reads_the_coordinators_question_and_answers_it_once(api_for, signaller):
    from inbeeld.intake.feedback_selectors import latest_answer
    from inbeeld.intake.services import signal_ask

    api = api_for(signaller)
    reference = api.post("signalen", SIGNAL).json()["referentie"]
    path = f"signalen/{reference}"
    before = api.get(f"{path}/vragen").json()
    assert before == {"vraagOpen": False, "openVraag": "", "resultaten": []}
    # Nothing to answer yet: the service's refusal, as on the page, on the field (nothing stored).
    assert_problem(api.post(f"{path}/antwoorden", {"antwoord": "Ja."}), 400, param="antwoord")
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    signal = Signal.objects.get(reference=reference)
    signal_ask(actor=coordinator, signal=signal, question="Sinds wanneer?")
    asked = api.get(f"{path}/vragen").json()
    assert asked["vraagOpen"] is True and asked["openVraag"] == "Sinds wanneer?"
    assert [(q["soort"], q["tekst"]) for q in asked["resultaten"]] == [
        ("question", "Sinds wanneer?")
    ]
    assert_problem(api.post(f"{path}/antwoorden", {}), 400, param="antwoord")
    assert_problem(api.post(f"{path}/antwoorden", {"antwoord": "x" * 1001}), 400, param="antwoord")
    answered = api.post(f"{path}/antwoorden", {"antwoord": "Sinds de zomer."}, key="antw-1")
    assert answered.status_code == 201, answered.content
    assert answered["Location"] == f"/api/v1/{path}/vragen"
    body = answered.json()
    assert body["vraagOpen"] is False and body["openVraag"] == ""
    assert [q["soort"] for q in body["resultaten"]] == ["question", "answer"]
    signal.refresh_from_db()
    assert latest_answer(signal) == "Sinds de zomer." and signal.answer_pending
    # A retry with the same key is the same answer, not a refusal; a second answer is refused.
    again = api.post(f"{path}/antwoorden", {"antwoord": "Sinds de zomer."}, key="antw-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert_problem(api.post(f"{path}/antwoorden", {"antwoord": "Nog iets."}), 400, param="antwoord")
    row = AuditEvent.objects.get(action=AuditAction.SIGNAL_ANSWERED)
    assert row.actor == signaller and row.extra["api_client"]["id"]


def test_another_signallers_questions_are_not_found_and_logged(api_for, signaller):
    owner = make_user(Role.SIGNALLER)
    reference = api_for(owner).post("signalen", SIGNAL).json()["referentie"]
    api = api_for(signaller)
    assert_problem(api.get(f"signalen/{reference}/vragen"), 404)
    assert_problem(api.post(f"signalen/{reference}/antwoorden", {"antwoord": "Ja."}), 404)
    refused = AuditEvent.objects.filter(actor=signaller, action=AuditAction.SIGNAL_ACCESS_DENIED)
    assert refused.count() == 2

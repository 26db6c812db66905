"""Issue 14, item 3: no silent defaults that store data, and a delivery can be corrected or
withdrawn like a chain event (append-only, with a reason, audited, ignored by the evaluation, the
dashboard and the case list).

- The delivery form starts with no intervention and no "uitgevoerd": one click on "Vastleggen"
  stores nothing (it used to store "uitgevoerd, 0 van 3").
- The case form starts with no age band, gender or nationality ("jonger dan 12 / vrouw /
  Nederlands" were pre-selected).
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.analysis import builders
from inbeeld.analysis.tables import tables_for_cases
from inbeeld.audit.models import AppendOnlyError, AuditAction, AuditEvent
from inbeeld.cases.forms import CaseForm
from inbeeld.cases.models import Case
from inbeeld.cases.selectors import CaseFilters, case_list
from inbeeld.pilot import dashboard, selectors
from inbeeld.pilot.forms import DeliveryForm
from inbeeld.pilot.models import EFFECTIVE_DELIVERY, Delivery, DeliveryWithdrawal, Intervention
from inbeeld.pilot.services import delivery_correct, delivery_record, delivery_withdraw
from inbeeld.reference.models import PoliceUnit
from inbeeld.stats.outcomes import case_outcomes, exposures
from tests.factories import CaseFactory, court, make_user, record_events

pytestmark = pytest.mark.django_db

INTAKE, FIRST_CONTACT, DAY = dt.date(2023, 3, 1), dt.date(2023, 3, 2), dt.date(2023, 3, 9)
ITEMS = ["interview_advice_before_complaint", "interview_plan_codrafted", "present_or_available"]


@pytest.fixture
def case():
    """Amsterdam, first police contact inside the phase-2 psychologist deployment."""
    case = CaseFactory(intake_date=INTAKE, court=court("amsterdam"))
    record_events(case, [("first_police_contact", "")], start=FIRST_CONTACT)
    return case


def _html(response) -> str:
    return htmllib.unescape(response.content.decode())


def _psychologist():
    return Intervention.objects.get(code="psychologist")


def _deliver(actor, case, *, checked=ITEMS[:2], delivered=True, reason=""):
    return delivery_record(
        actor=actor,
        case=case,
        intervention=_psychologist(),
        date=DAY,
        delivered=delivered,
        fidelity={code: code in checked for code in ITEMS} if delivered else None,
        reason_not_delivered=reason,
    )


def _audits(action, case):
    return AuditEvent.objects.filter(action=action, case_code=case.code)


def _reached(user, case):
    """(cases reached by the psychologist, deliveries not delivered) on the dashboard."""
    dash = dashboard.pilot_dashboard(user)
    reached, not_delivered = 0, 0
    for summary in dash.phases:
        for block in summary.blocks:
            if block.intervention.code != "psychologist":
                continue
            for row in block.rows:
                reached += row.counts.delivered_count
                not_delivered += row.counts.not_delivered
    return reached, not_delivered


# --- no silent defaults ------------------------------------------------------------------------


def test_the_delivery_form_starts_without_an_intervention_or_a_delivered_answer():
    form = DeliveryForm(interventions=[_psychologist()])
    assert "delivered" not in form.initial and "intervention" not in form.initial
    rendered = form.as_div()
    assert "checked" not in rendered
    assert '<option value="" selected>Kies een interventie</option>' in rendered


def test_one_click_on_the_delivery_form_stores_nothing(login, police_officer, case):
    """Submitting the form as it opens: Dutch errors for the two empty choices, nothing stored
    (it used to store 'uitgevoerd, 0 van 3')."""
    client = login(police_officer)
    url = reverse("pilot_case:delivery_create", args=[case.code])
    page = _html(client.get(url))
    assert not re.search(r'name="delivered"[^>]*checked', page)
    assert not re.search(r'<option value="psychologist"[^>]*selected', page)
    date = re.search(r'name="date" value="([\d-]+)"', page).group(1)
    response = client.post(url, {"date": date})
    page = _html(response)
    assert response.status_code == 200
    assert "Kies een interventie." in page
    assert "Geef aan of de interventie is uitgevoerd." in page
    assert 'class="error-summary" role="alert" tabindex="-1" id="fouten" autofocus' in page
    assert 'href="#id_delivered_0"' in page
    assert not Delivery.objects.exists()


def test_the_case_form_starts_without_age_band_gender_or_nationality(login, police_officer):
    form = CaseForm(units=PoliceUnit.objects.filter(code="amsterdam"))
    for name in ("age_band", "gender", "nationality_group"):
        assert name not in form.initial
        assert form.fields[name].choices[0][0] == ""
    page = _html(login(police_officer).get(reverse("cases:create")))
    for prompt in ("Kies een leeftijdscategorie", "Kies een gender", "Kies een nationaliteit"):
        assert f'<option value="" selected>{prompt}</option>' in page
    assert 'value="0-11" selected' not in page and 'value="female" selected' not in page
    assert 'value="nl" selected' not in page


def test_a_case_without_the_required_choices_gets_dutch_errors_and_is_not_stored(
    login, police_officer
):
    response = login(police_officer).post(
        reverse("cases:create"),
        {
            "police_unit": PoliceUnit.objects.get(code="amsterdam").pk,
            "exploitation_forms": [],
            "intake_date": "2024-04-01",
        },
    )
    page = _html(response)
    assert response.status_code == 200
    for message in (
        "Kies een leeftijdscategorie (of 'onbekend').",
        "Kies een gender (of 'onbekend').",
        "Kies een nationaliteit (of 'onbekend').",
        "Kies ten minste één uitbuitingsvorm.",
    ):
        assert message in page
    assert 'class="error-summary" role="alert" tabindex="-1" id="fouten" autofocus' in page
    assert 'href="#id_exploitation_forms_0"' in page
    assert not Case.objects.exists()


def test_a_user_with_several_units_chooses_the_unit(police_officer):
    form = CaseForm(units=PoliceUnit.objects.filter(code__in=["amsterdam", "limburg"]))
    assert list(form.fields["police_unit"].choices)[0][0] == ""
    single = CaseForm(units=PoliceUnit.objects.filter(code="amsterdam"))
    assert [str(label) for _, label in single.fields["police_unit"].choices] == [
        "Eenheid Amsterdam"
    ]


# --- correcting a delivery -----------------------------------------------------------------------


def test_a_correction_supersedes_the_delivery_which_stays_and_is_audited(police_officer, case):
    original = _deliver(police_officer, case)
    correction = delivery_correct(
        actor=police_officer,
        delivery=original,
        intervention=_psychologist(),
        date=DAY + dt.timedelta(days=1),
        delivered=True,
        fidelity=dict.fromkeys(ITEMS, True),
    )
    assert correction.supersedes == original
    assert Delivery.objects.filter(case=case).count() == 2
    assert list(Delivery.objects.filter(EFFECTIVE_DELIVERY, case=case)) == [correction]
    row = _audits(AuditAction.DELIVERY_CORRECTED, case).get()
    assert row.actor == police_officer and row.subject_ref == str(correction.pk)
    assert row.extra["old"] == {
        "delivery": original.pk,
        "intervention": "psychologist",
        "delivered": True,
        "date": DAY.isoformat(),
        "fidelity": {ITEMS[0]: True, ITEMS[1]: True, ITEMS[2]: False},
    }
    assert row.extra["new"]["fidelity"] == dict.fromkeys(ITEMS, True)
    with pytest.raises(ValidationError, match="al gecorrigeerd"):
        delivery_correct(
            actor=police_officer,
            delivery=original,
            intervention=_psychologist(),
            date=DAY,
            delivered=True,
        )


def test_a_correction_is_validated_like_a_new_delivery(police_officer, case):
    original = _deliver(police_officer, case)
    with pytest.raises(ValidationError):
        delivery_correct(
            actor=police_officer,
            delivery=original,
            intervention=_psychologist(),
            date=DAY,
            delivered=False,
        )
    assert not Delivery.objects.filter(supersedes=original).exists()
    assert not _audits(AuditAction.DELIVERY_CORRECTED, case).exists()


def test_who_may_not_deliver_the_intervention_may_not_correct_or_withdraw(police_officer, case):
    original = _deliver(police_officer, case)
    prosecutor = make_user(Role.PROSECUTOR, district_code="amsterdam")  # delivers only OM's
    with pytest.raises(PermissionDenied):
        delivery_withdraw(actor=prosecutor, delivery=original, reason="mistake")
    with pytest.raises(PermissionDenied):
        delivery_correct(
            actor=prosecutor,
            delivery=original,
            intervention=_psychologist(),
            date=DAY,
            delivered=True,
        )
    outsider = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    with pytest.raises(PermissionDenied):
        delivery_withdraw(actor=outsider, delivery=original, reason="mistake")
    assert not DeliveryWithdrawal.objects.exists()


# --- withdrawing a delivery ----------------------------------------------------------------------


def test_a_withdrawn_delivery_stays_is_audited_and_counts_nowhere(police_officer, researcher, case):
    original = _deliver(police_officer, case)
    cases = Case.objects.filter(pk=case.pk)
    assert builders.delivery_table(cases).height == 1
    assert _reached(researcher, case) == (1, 0)
    reached = CaseFilters(reached_by="psychologist")
    assert list(case_list(police_officer, reached)) == [case]

    withdrawal = delivery_withdraw(actor=police_officer, delivery=original, reason="wrong_case")
    assert Delivery.objects.filter(pk=original.pk).exists()
    assert withdrawal.withdrawn_by == police_officer and withdrawal.reason == "wrong_case"
    row = _audits(AuditAction.DELIVERY_WITHDRAWN, case).get()
    assert row.subject_ref == str(original.pk)
    assert row.extra["new"] == {"withdrawn": True, "reason": "wrong_case"}
    assert row.action_label == "Uitvoering interventie ingetrokken"
    with pytest.raises(AppendOnlyError):
        withdrawal.delete()

    # Evaluation (as delivered), dashboard and case list: gone.
    tables = tables_for_cases(cases)
    assert tables.deliveries.height == 0
    assert not exposures(tables, case_outcomes(tables))["delivered"].any()
    assert _reached(researcher, case) == (0, 0)
    assert list(case_list(police_officer, reached)) == []
    with pytest.raises(ValidationError, match="is ingetrokken"):
        delivery_withdraw(actor=police_officer, delivery=original, reason="mistake")


def test_a_delivery_needs_a_reason_from_the_list_to_be_withdrawn(police_officer, case):
    original = _deliver(police_officer, case)
    with pytest.raises(ValidationError, match="Kies waarom"):
        delivery_withdraw(actor=police_officer, delivery=original, reason="")
    assert not DeliveryWithdrawal.objects.exists()


def test_the_dashboard_counts_a_correction_instead_of_the_original(
    police_officer, researcher, case
):
    original = _deliver(police_officer, case)
    delivery_correct(
        actor=police_officer,
        delivery=original,
        intervention=_psychologist(),
        date=DAY,
        delivered=False,
        reason_not_delivered="Geen psycholoog beschikbaar",
    )
    assert _reached(researcher, case) == (0, 1)
    tables = tables_for_cases(Case.objects.filter(pk=case.pk))
    assert tables.deliveries.to_dicts() == [
        {"case_id": case.pk, "intervention": "psychologist", "date": DAY, "delivered": False}
    ]


def test_the_evaluation_fingerprint_changes_with_a_delivery_withdrawal(police_officer, case):
    original = _deliver(police_officer, case)
    before = builders.data_fingerprint(Case.objects.all())
    delivery_withdraw(actor=police_officer, delivery=original, reason="mistake")
    assert builders.data_fingerprint(Case.objects.all()) != before


# --- the case page and the two forms -------------------------------------------------------------


def _section(client, case) -> str:
    page = _html(client.get(reverse("cases:detail", args=[case.code])))
    start = page.index('data-testid="pilot-section"')
    return page[start : page.index("</section>", start)]


def test_the_case_page_offers_correct_and_withdraw_and_strikes_a_withdrawn_delivery(
    login, police_officer, case
):
    original = _deliver(police_officer, case)
    client = login(police_officer)
    correct_url = reverse("pilot_case:delivery_correct", args=[case.code, original.pk])
    withdraw_url = reverse("pilot_case:delivery_withdraw", args=[case.code, original.pk])
    section = _section(client, case)
    assert correct_url in section and withdraw_url in section

    page = _html(client.get(withdraw_url))
    assert "Uitvoering intrekken" in page and "ja, 2 van 3 punten" in page
    response = client.post(withdraw_url, {})
    assert "Kies waarom u dit intrekt." in _html(response)
    assert not DeliveryWithdrawal.objects.exists()
    response = client.post(withdraw_url, {"reason": "duplicate"})
    assert response.status_code == 302
    assert response.url == reverse("cases:detail", args=[case.code]) + "#proeftuin"

    section = _section(client, case)
    assert '<s data-testid="withdrawn-delivery">Recherchepsycholoog</s>' in section
    assert "reden: Dubbel vastgelegd. Telt niet meer mee." in section
    assert "Ingetrokken door Pieter Politie" in section
    assert correct_url not in section and withdraw_url not in section


def test_correcting_a_delivery_through_the_page(login, police_officer, case):
    original = _deliver(police_officer, case)
    client = login(police_officer)
    url = reverse("pilot_case:delivery_correct", args=[case.code, original.pk])
    page = _html(client.get(url))
    assert "Uitvoering corrigeren" in page
    # The form opens with the delivery's own values.
    assert re.search(r'<option value="psychologist"[^>]*selected', page)
    assert re.search(r'value="ja"[^>]*checked', page)
    assert re.search(rf'value="{ITEMS[0]}"[^>]*checked', page)
    response = client.post(
        url,
        {
            "intervention": "psychologist",
            "date": "2023-03-10",
            "delivered": "ja",
            "fidelity_psychologist": ITEMS,
        },
    )
    assert response.status_code == 302
    correction = Delivery.objects.get(supersedes=original)
    assert correction.fidelity == dict.fromkeys(ITEMS, True)
    section = _section(client, case)
    assert "Gecorrigeerd – telt niet meer mee" in section
    assert "Correctie van de uitvoering van 9 maart 2023" in section
    assert "3 van 3 punten" in section
    rows = selectors.case_deliveries(police_officer, case)
    assert [(r.delivery.pk, r.effective) for r in rows] == [
        (original.pk, False),
        (correction.pk, True),
    ]


def test_delivery_change_pages_are_not_found_outside_scope(login, police_officer, case):
    original = _deliver(police_officer, case)
    outsider = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    client = login(outsider)
    for name in ("pilot_case:delivery_correct", "pilot_case:delivery_withdraw"):
        assert client.get(reverse(name, args=[case.code, original.pk])).status_code == 404
    other = CaseFactory(intake_date=INTAKE)
    client = login(police_officer)
    url = reverse("pilot_case:delivery_withdraw", args=[other.code, original.pk])
    assert client.get(url).status_code == 404  # a delivery of another case

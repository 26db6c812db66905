"""End to end, in Chromium: a police officer records a psychologist delivery on a case and sees
it, with its fidelity, in the Proeftuin section of the case page (issue 4)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from .test_case_flow import check_accessibility, label, log_in, snapshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def amsterdam_case(demo_users):
    """An Amsterdam case whose index date (first police contact, 2 March 2023) falls in the
    phase-2 psychologist deployment; made through the real services."""
    from inbeeld.cases import services
    from inbeeld.reference.models import ChainEventType, ExploitationForm, PoliceUnit

    officer = demo_users["politie.amsterdam"]
    case = services.case_register(
        actor=officer,
        police_unit=PoliceUnit.objects.get(code="amsterdam"),
        exploitation_forms=ExploitationForm.objects.filter(code="sexual"),
        minor_at_intake=False,
        age_band="18-22",
        gender="female",
        nationality_group="nl",
        intake_date=dt.date(2023, 3, 1),
    )
    services.event_record(
        actor=officer,
        case=case,
        event_type=ChainEventType.objects.get(code="first_police_contact"),
        event_date=dt.date(2023, 3, 2),
    )
    return case


def test_police_officer_records_a_psychologist_delivery(
    page: Page, demo_users, amsterdam_case, broken_assets: list[str]
) -> None:
    from inbeeld.pilot.models import Delivery

    code = amsterdam_case.code
    log_in(page, "politie.amsterdam")
    page.goto(f"/casussen/{code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Casus {code}")

    # The Proeftuin section: index date and the intervention active on it (intention to treat).
    section = page.get_by_test_id("pilot-section")
    expect(section.get_by_role("heading", name="Proeftuin")).to_be_visible()
    expect(section.get_by_test_id("pilot-index-date")).to_contain_text("2 maart 2023")
    expect(section.get_by_test_id("pilot-eligible")).to_have_text("Recherchepsycholoog")
    expect(section.get_by_text("Nog geen uitvoering vastgelegd.")).to_be_visible()
    check_accessibility(page)

    # The delivery form: the eligible intervention first, a checklist per intervention.
    section.get_by_role("link", name="Uitvoering vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uitvoering vastleggen")
    check_accessibility(page)
    intervention = page.get_by_label(label("Interventie"))
    assert intervention.locator("option").all_inner_texts() == [
        "Kies een interventie",
        "Recherchepsycholoog",
        "Ervaringsdeskundige",
    ]
    intervention.select_option(label="Recherchepsycholoog")
    page.get_by_label(label("Datum")).fill("2023-03-09")
    page.get_by_role("radio", name="Ja, uitgevoerd").check()
    checklist = page.get_by_role("group", name="Controlepunten Recherchepsycholoog")
    expect(checklist.get_by_role("checkbox")).to_have_count(3)
    checklist.get_by_label("Verhooradvies gegeven vóór het aangifteverhoor").check()
    checklist.get_by_label("Beschikbaar tijdens informatief gesprek of aangifte").check()
    expect(page.get_by_role("group", name="Controlepunten Ervaringsdeskundige")).to_be_visible()
    snapshot(page, "pilot-delivery-form")
    page.get_by_role("button", name="Vastleggen", exact=True).click()

    # Back on the case page, at the section, with the delivery and its fidelity.
    expect(page).to_have_url(re.compile(rf"/casussen/{code}/#proeftuin$"))
    expect(page.locator(".messages")).to_contain_text(
        "De uitvoering van 'Recherchepsycholoog' is vastgelegd."
    )
    rows = page.get_by_test_id("pilot-delivery")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("Recherchepsycholoog")
    expect(row).to_contain_text("9 maart 2023")
    expect(row).to_contain_text("2 van 3 punten")
    expect(row).to_contain_text("Verhoorplan samen met de AVIM opgesteld")
    expect(row).to_contain_text("Sam Bakker")
    check_accessibility(page)
    snapshot(page, "pilot-case-section")
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"

    delivery = Delivery.objects.get(case__code=code)
    assert delivery.intervention.code == "psychologist"
    assert delivery.fidelity == {
        "interview_advice_before_complaint": True,
        "interview_plan_codrafted": False,
        "present_or_available": True,
    }
    assert delivery.recorded_by == demo_users["politie.amsterdam"]


def test_police_officer_records_a_measure_with_a_missing_answer(
    page: Page, demo_users, amsterdam_case, broken_assets: list[str]
) -> None:
    from inbeeld.pilot.models import Measure

    code = amsterdam_case.code
    log_in(page, "politie.amsterdam")
    page.goto(f"/casussen/{code}/")
    page.get_by_test_id("pilot-section").get_by_role("link", name="Meting vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meting vastleggen")
    check_accessibility(page)
    page.get_by_label(label("Moment")).select_option(label="na het informatief gesprek")
    page.get_by_label(label("Datum")).fill("2023-03-10")
    answers = {
        "Ik voel me veilig.": "4 – mee eens",
        "Ik vertrouw de politie.": "2 – niet mee eens",
        "Ik vertrouw erop dat het strafproces mij recht doet.": "3 – neutraal",
        "Ik voel me gehoord.": "5 – helemaal mee eens",
    }
    for question, answer in answers.items():
        page.get_by_role("group", name=question).get_by_label(answer).check()
    # The fifth question keeps its default: no answer.
    unanswered = page.get_by_role("group", name="Ik ben bereid aangifte te doen of mee te werken.")
    expect(unanswered.get_by_label("geen antwoord")).to_be_checked()
    snapshot(page, "pilot-measure-form")
    page.get_by_role("button", name="Vastleggen", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/casussen/{code}/#proeftuin$"))
    row = page.get_by_test_id("pilot-measure")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("na het informatief gesprek")
    expect(row).to_contain_text("4 van 5 vragen beantwoord")
    row.get_by_text("4 van 5 vragen beantwoord").click()  # open the answers
    expect(row).to_contain_text("Ik vertrouw de politie.")
    check_accessibility(page)
    snapshot(page, "pilot-case-section-measure")
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"
    measure = Measure.objects.get(case__code=code)
    assert measure.answers["willing_to_report"] is None and measure.answered == 4

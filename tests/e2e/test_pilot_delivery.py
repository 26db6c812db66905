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


def test_a_delivery_form_stores_nothing_on_one_click_and_a_delivery_is_corrected_and_withdrawn(
    page: Page, demo_users, amsterdam_case, broken_assets: list[str]
) -> None:
    """Issue 14, item 3: the form opens with no intervention and no 'uitgevoerd' chosen, so one
    click stores nothing; a delivery can be corrected (the original stays, marked) and withdrawn
    with a reason (struck through; it no longer counts)."""
    from inbeeld.pilot.models import EFFECTIVE_DELIVERY, Delivery, DeliveryWithdrawal

    code = amsterdam_case.code
    log_in(page, "politie.amsterdam")
    page.goto(f"/casussen/{code}/proeftuin/uitvoering/")
    expect(page.get_by_label(label("Interventie"))).to_have_value("")
    expect(page.get_by_role("radio", name="Ja, uitgevoerd")).not_to_be_checked()
    expect(page.get_by_role("radio", name="Nee, niet uitgevoerd")).not_to_be_checked()
    page.get_by_role("button", name="Vastleggen", exact=True).click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Kies een interventie.")
    expect(summary).to_contain_text("Geef aan of de interventie is uitgevoerd.")
    check_accessibility(page)
    assert not Delivery.objects.exists()

    # Record one, then correct it: all three points were met after all.
    page.get_by_label(label("Interventie")).select_option(label="Recherchepsycholoog")
    page.get_by_label(label("Datum")).fill("2023-03-09")
    page.get_by_role("radio", name="Ja, uitgevoerd").check()
    checklist = page.get_by_role("group", name="Controlepunten Recherchepsycholoog")
    checklist.get_by_label("Beschikbaar tijdens informatief gesprek of aangifte").check()
    page.get_by_role("button", name="Vastleggen", exact=True).click()
    rows = page.get_by_test_id("pilot-delivery")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("1 van 3 punten")

    rows.first.get_by_role("link", name=re.compile("^Corrigeren")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uitvoering corrigeren")
    expect(page.get_by_role("radio", name="Ja, uitgevoerd")).to_be_checked()
    check_accessibility(page)
    checklist = page.get_by_role("group", name="Controlepunten Recherchepsycholoog")
    for box in checklist.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Correctie vastleggen").click()
    expect(page.locator(".messages")).to_contain_text("De correctie van de uitvoering")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Gecorrigeerd – telt niet meer mee")).to_contain_text(
        "1 van 3 punten"
    )
    current = rows.filter(has_text="Correctie van de uitvoering van 9 maart 2023")
    expect(current).to_contain_text("3 van 3 punten")

    # Withdraw the correction: entered on the wrong case.
    current.get_by_role("link", name=re.compile("^Intrekken")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uitvoering intrekken")
    check_accessibility(page)
    page.get_by_role("radio", name="Bij de verkeerde casus vastgelegd").check()
    page.get_by_role("button", name="Intrekken", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/casussen/{code}/#proeftuin$"))
    withdrawn = rows.filter(has=page.get_by_test_id("withdrawn-delivery"))
    expect(withdrawn).to_have_count(1)
    expect(withdrawn).to_contain_text("reden: Bij de verkeerde casus vastgelegd.")
    struck = withdrawn.get_by_test_id("withdrawn-delivery")
    assert "line-through" in struck.evaluate("s => getComputedStyle(s).textDecorationLine")
    expect(
        page.get_by_test_id("pilot-section").get_by_role("link", name=re.compile("^Intrekken"))
    ).to_have_count(0)
    check_accessibility(page)
    snapshot(page, "pilot-delivery-withdrawn")
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"
    assert Delivery.objects.filter(case__code=code).count() == 2
    assert not Delivery.objects.filter(EFFECTIVE_DELIVERY, case__code=code).exists()
    assert DeliveryWithdrawal.objects.get().reason == "wrong_case"

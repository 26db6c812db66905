"""End to end, in Chromium: feedback reaches the signaller (issue 14, items 5 and 6).

The coordinator asks the school a question and turns the signal into a case; the school is
e-mailed (a real SMTP server on 127.0.0.1) that there is news, sees it on its start page, reads
the question in the answer box (at phone width) and answers; the coordinator finds "antwoord
ontvangen" and marks it read. Advice given without a message to the signaller is refused with a
focused error summary.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from inbeeld.intake import services
from inbeeld.intake.models import Channel, Signal, SignallerType, Urgency
from inbeeld.reference.models import PoliceUnit
from tests.smtp import smtp_inbox

from .test_case_flow import check_accessibility, label, snapshot
from .test_signal_intake import log_in, log_out, menu

pytestmark = pytest.mark.e2e

QUESTION = "Sinds wanneer wordt de leerling na school opgewacht?"
ANSWER = "Sinds de herfstvakantie, bijna elke dinsdag."
ADVICE = "Wij adviseren u de zorgcoördinator van uw school in te schakelen."
PHONE = {"width": 390, "height": 800}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def inbox(settings, live_server):
    settings.INBEELD_SITE_URL = live_server.url
    settings.INBEELD_NOTIFICATIONS = True
    with smtp_inbox(settings) as server:
        yield server


@pytest.fixture
def school_signal(demo_users):
    """A normal signal of the demo school (account), made by the real service."""
    signal, _ = services.signal_submit(
        actor=demo_users["school.zaandam"],
        channel=Channel.ACCOUNT,
        signaller_type=SignallerType.SCHOOL,
        police_unit=PoliceUnit.objects.get(code="noord-holland"),
        indicators=[],
        age_band="12-15",
        gender="female",
        urgency=Urgency.NORMAL,
        description="Leerling wordt na school opgewacht door een oudere man.",
        catalogue_version=services.current_catalogue_version(),
    )
    return signal


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways at phone width ({width}px)"


def test_a_question_reaches_the_school_and_its_answer_reaches_the_coordinator(
    page: Page, demo_users, school_signal, inbox, broken_assets
) -> None:
    reference = school_signal.reference
    school = demo_users["school.zaandam"]

    # --- The coordinator asks a question and converts the signal into a case. ---
    log_in(page, "coordinator.nh")
    page.goto(f"/signalen/{reference}/")
    page.get_by_role("link", name="Status wijzigen").click()
    page.get_by_role("radio", name="In triage").check()
    page.get_by_role("button", name="Status opslaan").click()
    page.get_by_role("link", name="Vraag stellen aan signaalgever").click()
    check_accessibility(page)
    page.get_by_label(label("Vraag aan de signaalgever")).fill(QUESTION)
    page.get_by_role("button", name="Vraag versturen").click()
    expect(page.locator(".messages")).to_contain_text("Uw vraag staat klaar voor de signaalgever.")
    page.get_by_role("link", name="Omzetten in casus").click()
    page.get_by_role("group", name=label("Uitbuitingsvormen")).get_by_label(
        "Criminele uitbuiting"
    ).check()
    page.get_by_label(label("Nationaliteit")).select_option(label="Nederlands")
    page.get_by_role("button", name="Casus aanmaken").click()
    expect(page).to_have_url(re.compile(r"/casussen/IB-"))
    case_code = Signal.objects.get(reference=reference).case.code
    log_out(page)

    # --- The school was e-mailed that there is news: a link, no content. ---
    mails = inbox.to(school.email)
    assert len(mails) == 3  # in triage, the question, the conversion
    for mail in mails:
        assert f"{site_url(page)}/signalen/mijn/{reference}/" in mail.body
        for secret in (QUESTION, case_code, "Omgezet in casus", "In triage"):
            assert secret not in mail.body

    # --- On a phone: the start page says what is new, the page shows the question. ---
    page.set_viewport_size(PHONE)
    log_in(page, "school.zaandam")
    news = page.get_by_test_id("signaller-news")
    expect(news).to_contain_text(reference)
    expect(news).to_contain_text("de coördinator heeft een vraag voor u")
    check_accessibility(page)
    _fits(page)
    news.get_by_role("link", name=reference).click()
    box = page.get_by_test_id("question-box")
    expect(box.get_by_test_id("open-question")).to_have_text(QUESTION)
    expect(box).to_contain_text("u kunt deze vraag nog steeds beantwoorden")
    expect(page.locator("body")).not_to_contain_text(case_code)
    check_accessibility(page)
    _fits(page)
    snapshot(page, "signaller-question-phone")

    # An empty answer: the summary takes the focus and links to the field.
    box.get_by_role("button", name="Antwoord versturen").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_answer")
    page.get_by_label(label("Uw antwoord")).fill(ANSWER)
    page.get_by_role("button", name="Antwoord versturen").click()
    expect(page.locator(".messages")).to_contain_text("Uw antwoord is verstuurd")
    expect(page.get_by_test_id("question-box")).to_have_count(0)
    page.goto("/")
    expect(page.get_by_test_id("signaller-news")).to_contain_text("Niets nieuws")
    log_out(page)

    # --- The coordinator finds the answer under "antwoord ontvangen" and marks it read. ---
    page.set_viewport_size(DESKTOP)
    log_in(page, "coordinator.nh")
    menu(page, "Signalen")
    page.get_by_label(label("Status")).select_option(label="Antwoord ontvangen (elke status)")
    page.get_by_role("button", name="Filteren").click()
    row = page.get_by_test_id("signal-queue").locator("tbody tr").filter(has_text=reference)
    expect(row.get_by_test_id("queue-answer-received")).to_have_text("antwoord ontvangen")
    check_accessibility(page)
    row.get_by_role("link", name=reference).click()
    expect(page.get_by_test_id("answer-pending")).to_contain_text(ANSWER)
    page.get_by_role("button", name="Antwoord gelezen").click()
    expect(page.locator(".messages")).to_contain_text("Het antwoord is als gelezen gemarkeerd.")
    expect(page.get_by_test_id("answer-pending")).to_have_count(0)
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"


def site_url(page: Page) -> str:
    return re.match(r"https?://[^/]+", page.url).group(0)


def test_advice_without_a_message_to_the_school_is_refused_and_with_one_it_arrives(
    page: Page, demo_users, school_signal, inbox, broken_assets
) -> None:
    reference = school_signal.reference
    log_in(page, "coordinator.nh")
    page.goto(f"/signalen/{reference}/")
    page.get_by_role("link", name="Status wijzigen").click()
    page.get_by_role("radio", name="In triage").check()
    page.get_by_role("button", name="Status opslaan").click()
    page.get_by_role("link", name="Status wijzigen").click()
    page.get_by_role("radio", name="Advies gegeven").check()
    page.get_by_role("button", name="Status opslaan").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("moet de signaalgever weten wat er nu gebeurt")
    check_accessibility(page)
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_message")
    page.get_by_role("textbox", name=re.compile("Bericht aan de signaalgever")).fill(ADVICE)
    page.get_by_role("button", name="Status opslaan").click()
    expect(page.get_by_test_id("signal-status")).to_have_text("Advies gegeven")
    log_out(page)

    log_in(page, "school.zaandam")
    expect(page.get_by_test_id("signaller-news")).to_contain_text(reference)
    menu(page, "Mijn signalen")
    row = page.locator("tbody tr").filter(has_text=reference)
    expect(row.get_by_test_id("own-news")).to_have_text("nieuw")
    row.get_by_role("link", name=reference).click()
    expect(page.get_by_test_id("signal-status")).to_have_text("Advies gegeven")
    expect(page.get_by_test_id("signal-history")).to_contain_text(ADVICE)
    check_accessibility(page)

    # The school turns the e-mails off on its account page; the next news sends none.
    page.goto("/account/")
    check_accessibility(page)
    switch = page.get_by_role("checkbox", name="Stuur mij een e-mail als er nieuws is")
    expect(switch).to_be_checked()
    switch.uncheck()
    page.get_by_test_id("notifications-form").get_by_role("button", name="Opslaan").click()
    expect(page.locator(".messages")).to_contain_text("U krijgt geen e-mails meer")
    expect(switch).not_to_be_checked()
    sent = len(inbox.to(demo_users["school.zaandam"].email))
    assert sent == 2  # in triage and the advice, while the e-mails were on
    signal = Signal.objects.get(reference=reference)
    services.signal_triage(actor=demo_users["coordinator.nh"], signal=signal, to_status="in_triage")
    assert len(inbox.to(demo_users["school.zaandam"].email)) == sent
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"

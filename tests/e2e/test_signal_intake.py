"""End to end, in Chromium: signals come in and reach the safety coordinator (Dutch UI).

A school reports through its account and the coordinator turns the signal into a case; someone
without an account reports acute danger and answers the coordinator's question with the receipt
code; an empty public form is refused and stores nothing.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from inbeeld.accounts.models import User
from inbeeld.demo.accounts import DEMO_PASSWORD

from .test_case_flow import check_accessibility, label, snapshot

pytestmark = pytest.mark.e2e

OWN_SIGNAL_URL = re.compile(r"/signalen/mijn/(SG-[2-9A-Z]{4}-[2-9A-Z]{4})/$")
SIGNAL_URL = re.compile(r"/signalen/(SG-[2-9A-Z]{4}-[2-9A-Z]{4})/$")
CASE_URL = re.compile(r"/casussen/(IB-[2-9A-Z]{4}-[2-9A-Z]{4})/$")
RECEIPT_CODE = re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$")
SIGNAL_RECEIVED_EVENT = "Signaal ontvangen"  # reference.json, chain event type signal_received


def unused_code(username: str) -> str:
    """The code the user's authenticator app shows, and that the server has not yet accepted.

    django-otp refuses a code of a time step it already accepted (replay protection), and these
    tests log the same person in twice within seconds. In that case this types the next step's
    code, as an authenticator whose clock runs a little ahead would; the server accepts codes one
    step either side (django-otp's default tolerance)."""
    from django_otp.oath import TOTP

    from inbeeld.accounts.models import AuthenticatorDevice

    user = User.objects.get(username=username)
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if device.last_t is not None and totp.t() <= device.last_t:
        totp.drift += device.last_t + 1 - totp.t()
    return f"{totp.token():0{device.digits}d}"


def log_in(page: Page, username: str) -> None:
    """Password and second factor, as in test_case_flow.log_in (which assumes one login per user
    per 30 s)."""
    page.goto("/account/inloggen/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen bij InBeeld")
    page.get_by_label(label("Gebruikersnaam")).fill(username)
    page.get_by_label(label("Wachtwoord")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Controle met uw authenticator-app")
    page.get_by_label(label("Code uit uw authenticator-app")).fill(unused_code(username))
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen bij InBeeld")
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_have_count(0)


def menu(page: Page, item: str) -> None:
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name=item).click()


def open_indicator_group(page: Page, category: str) -> None:
    """Categories after the first are closed <details>: open one by its summary."""
    group = page.locator("details.indicator-group").filter(
        has=page.locator("summary", has_text=category)
    )
    if group.get_attribute("open") is None:
        group.locator("summary").click()
    expect(group).to_have_attribute("open", "")


def queue_row(page: Page, reference: str):
    return page.get_by_test_id("signal-queue").locator("tbody tr").filter(has_text=reference)


def test_school_signal_becomes_a_case(page: Page, demo_users, broken_assets: list[str]) -> None:
    # --- The school reports through its account. ---
    log_in(page, "school.zaandam")
    menu(page, "Signaal melden")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Signaal melden: mogelijke uitbuiting"
    )
    check_accessibility(page)
    # A logged-in school is not asked who it is; the organisation answers that.
    expect(page.get_by_text("Wie bent u?")).to_have_count(0)

    page.get_by_role("radio", name="Nee, geen acuut gevaar").check()
    expect(page.locator(".acute-now")).to_be_hidden()
    # One indicator from the open first group (sexual), one from a closed group (criminal).
    page.get_by_label("Tekenen van geweld", exact=True).check()
    school = page.get_by_label("Wordt na school opgewacht", exact=True)
    expect(school).to_be_hidden()
    open_indicator_group(page, "Op school")
    school.check()
    description = "Leerling wordt sinds enkele weken na school opgewacht door een oudere man."
    page.get_by_label(label("In uw eigen woorden (niet verplicht)")).fill(description)
    page.get_by_label(label("Leeftijd (schatting is goed)")).select_option(label="12–15 jaar")
    page.get_by_label(label("Gender")).select_option(label="vrouw")
    unit = page.get_by_label(label("In welke regio speelt het?"))
    # Pre-filled with the school's unit; the option names the areas it covers.
    expect(unit.locator("option:checked")).to_have_text(
        "Eenheid Noord-Holland (Noord-Holland-Noord, Zaanstreek-Waterland, Kennemerland)"
    )
    expect(page.get_by_label(label("Uw organisatie"))).to_have_value(
        "Basisschool De Regenboog, Zaandam (demo)"
    )
    page.get_by_label(label("Telefoonnummer")).fill("075 123 4567")
    snapshot(page, "signal-form-account")
    page.get_by_role("button", name="Signaal versturen").click()

    expect(page).to_have_url(OWN_SIGNAL_URL)
    reference = OWN_SIGNAL_URL.search(page.url).group(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Signaal {reference}")
    expect(page.locator(".messages")).to_contain_text(f"Uw signaal {reference} is ontvangen")
    expect(page.get_by_test_id("signal-status")).to_have_text("Ontvangen")
    check_accessibility(page)
    log_out(page)

    # --- The coordinator of Noord-Holland triages it and turns it into a case. ---
    log_in(page, "coordinator.nh")
    menu(page, "Signalen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signalen")
    check_accessibility(page)
    row = queue_row(page, reference)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ontvangen")
    row.get_by_role("link", name=reference).click()

    expect(page).to_have_url(SIGNAL_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Signaal {reference}")
    expect(page.get_by_test_id("signal-status")).to_have_text("Ontvangen")
    main = page.locator("main")
    for text in (
        "Tekenen van geweld",
        "Wordt na school opgewacht",
        description,
        "075 123 4567",
        "Basisschool De Regenboog, Zaandam (demo)",
        "12–15 jaar",
        "Eenheid Noord-Holland",
    ):
        expect(main).to_contain_text(text)
    check_accessibility(page)

    page.get_by_role("link", name="Status wijzigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Status wijzigen")
    check_accessibility(page)
    page.get_by_role("radio", name="In triage").check()
    page.get_by_role("button", name="Status opslaan").click()
    expect(page).to_have_url(SIGNAL_URL)
    expect(page.locator(".messages")).to_contain_text("De status van het signaal is bijgewerkt.")
    expect(page.get_by_test_id("signal-status")).to_have_text("In triage")

    page.get_by_role("link", name="Omzetten in casus").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Omzetten in een casus")
    check_accessibility(page)
    forms = page.get_by_role("group", name=label("Uitbuitingsvormen"))
    # Preselected from the indicators: a sexual and a criminal one.
    expect(forms.get_by_label("Seksuele uitbuiting")).to_be_checked()
    expect(forms.get_by_label("Criminele uitbuiting")).to_be_checked()
    expect(forms.get_by_label("Arbeidsuitbuiting")).not_to_be_checked()
    page.get_by_label(label("Nationaliteit")).select_option(label="Nederlands")
    page.get_by_role("button", name="Casus aanmaken").click()

    expect(page).to_have_url(CASE_URL)
    code = CASE_URL.search(page.url).group(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Casus {code}")
    expect(page.locator(".messages")).to_contain_text(
        f"Signaal {reference} is omgezet in casus {code}."
    )
    facts = page.get_by_test_id("case-facts")
    for text in ("Eenheid Noord-Holland", "12–15 jaar", "vrouw", "Nederlands"):
        expect(facts).to_contain_text(text)
    timeline = page.get_by_test_id("timeline-event")
    expect(timeline).to_have_count(1)
    expect(timeline.first).to_contain_text(SIGNAL_RECEIVED_EVENT)
    check_accessibility(page)
    snapshot(page, "case-from-signal")
    log_out(page)

    # --- The school sees that the signal was taken up, never the case. ---
    log_in(page, "school.zaandam")
    menu(page, "Mijn signalen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn signalen")
    check_accessibility(page)
    row = page.locator("tbody tr").filter(has_text=reference)
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("own-status")).to_have_text("Omgezet in casus")
    expect(page.locator("body")).not_to_contain_text(code)
    expect(page.locator("body")).not_to_contain_text("IB-")
    row.get_by_role("link", name=reference).click()
    expect(page).to_have_url(OWN_SIGNAL_URL)
    expect(page.get_by_test_id("signal-status")).to_have_text("Omgezet in casus")
    expect(page.locator("body")).not_to_contain_text(code)
    expect(page.locator("body")).not_to_contain_text("IB-")
    check_accessibility(page)
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"


@pytest.fixture
def older_school_signal(demo_users):
    """A normal (not acute) signal received before the anonymous one, made by the real service:
    the acute signal must still come first in the queue."""
    from inbeeld.intake import services
    from inbeeld.intake.models import Channel, SignallerType, Urgency
    from inbeeld.reference.models import PoliceUnit

    version = services.current_catalogue_version()
    signal, _ = services.signal_submit(
        actor=demo_users["school.zaandam"],
        channel=Channel.ACCOUNT,
        signaller_type=SignallerType.SCHOOL,
        police_unit=PoliceUnit.objects.get(code="noord-holland"),
        indicators=[],
        age_band="12-15",
        gender="male",
        urgency=Urgency.NORMAL,
        description="Leerling heeft plotseling dure spullen.",
        catalogue_version=version,
    )
    return signal


def test_anonymous_acute_signal_and_follow_up_question(
    page: Page, demo_users, older_school_signal, broken_assets: list[str]
) -> None:
    # --- Someone without an account reports acute danger. ---
    page.goto("/account/inloggen/")
    page.get_by_role("link", name="Signaal melden", exact=True).click()
    expect(page).to_have_url(re.compile(r"/melden/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Signaal melden: mogelijke uitbuiting"
    )
    check_accessibility(page)
    acute_notice = page.locator(".acute-now")
    expect(acute_notice).to_be_hidden()
    page.get_by_role("radio", name="Ja, er is nu acuut gevaar").check()
    expect(acute_notice).to_be_visible()  # CSS :has() on the checked radio
    expect(acute_notice).to_contain_text("Bel nu 112")
    page.get_by_role("radio", name="Nee, geen acuut gevaar").check()
    expect(acute_notice).to_be_hidden()
    page.get_by_role("radio", name="Ja, er is nu acuut gevaar").check()
    expect(acute_notice).to_be_visible()

    page.get_by_role("radio", name="Sportvereniging").check()
    open_indicator_group(page, "De jongere zelf")
    page.get_by_label("Loopt weg", exact=True).check()
    page.get_by_label(label("Leeftijd (schatting is goed)")).select_option(label="16–17 jaar")
    page.get_by_label(label("Gender")).select_option(label="man")
    page.get_by_label(label("In welke regio speelt het?")).select_option(
        label="Eenheid Noord-Holland (Noord-Holland-Noord, Zaanstreek-Waterland, Kennemerland)"
    )
    snapshot(page, "signal-form-public-acute")
    page.get_by_role("button", name="Signaal versturen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dank u wel: uw signaal is ontvangen")
    expect(page.get_by_role("complementary", name="Acuut gevaar? Bel direct 112.")).to_be_visible()
    expect(page.locator(".emergency-now")).to_contain_text("Acuut gevaar? Bel direct 112.")
    receipt = page.get_by_test_id("receipt-code").inner_text().strip()
    assert RECEIPT_CODE.match(receipt), receipt
    expect(page.locator("main")).to_contain_text("Eenheid Noord-Holland")
    check_accessibility(page)

    # --- The coordinator: acute on top, asks a question. ---
    log_in(page, "coordinator.nh")
    menu(page, "Signalen")
    rows = page.get_by_test_id("signal-queue").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Acuut gevaar")
    expect(rows.nth(0)).to_have_class(re.compile(r"\brow-acute\b"))
    expect(rows.nth(1)).to_contain_text(older_school_signal.reference)
    rows.nth(0).get_by_role("link").click()
    expect(page).to_have_url(SIGNAL_URL)
    reference = SIGNAL_URL.search(page.url).group(1)
    expect(page.get_by_role("alert")).to_contain_text("Acuut gevaar gemeld")
    expect(page.locator("main")).to_contain_text("Loopt weg")
    expect(page.locator("main")).to_contain_text("Sportvereniging")

    page.get_by_role("link", name="Vraag stellen aan signaalgever").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vraag stellen aan de signaalgever")
    check_accessibility(page)
    question = "Weet u bij welke sportvereniging de jongen traint?"
    page.get_by_label(label("Vraag aan de signaalgever")).fill(question)
    page.get_by_role("button", name="Vraag versturen").click()
    expect(page).to_have_url(SIGNAL_URL)
    expect(page.locator(".messages")).to_contain_text("Uw vraag staat klaar voor de signaalgever.")
    expect(page.locator(".status-now")).to_contain_text("vraag uitstaand")
    log_out(page)

    # --- Anonymous again: the receipt code shows the question; answer it. ---
    page.goto("/melden/status/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Status van uw signaal")
    check_accessibility(page)
    page.get_by_label(label("Uw ontvangstcode")).fill(receipt)
    page.get_by_role("button", name="Status bekijken").click()
    expect(page.get_by_test_id("signal-status")).to_have_text("Ontvangen")
    expect(page.get_by_role("heading", name="De coördinator heeft een vraag")).to_be_visible()
    expect(page.get_by_test_id("signal-history")).to_contain_text(question)
    expect(page.locator("main")).not_to_contain_text(reference)  # the anonymous side never sees it
    check_accessibility(page)
    answer = "Bij voetbalclub Zaandam-Noord, op dinsdag en donderdag."
    page.get_by_label(label("Uw antwoord")).fill(answer)
    page.get_by_role("button", name="Antwoord versturen").click()
    expect(page.get_by_role("status")).to_have_text("Uw antwoord is verstuurd.")
    expect(page.get_by_role("heading", name="De coördinator heeft een vraag")).to_have_count(0)
    expect(page.get_by_test_id("signal-history")).to_contain_text(answer)
    check_accessibility(page)

    # --- The coordinator reads the answer in the history. ---
    log_in(page, "coordinator.nh")
    page.goto(f"/signalen/{reference}/")
    history = page.get_by_test_id("signal-history")
    expect(history).to_contain_text(question)
    expect(history).to_contain_text(f"Antwoord: {answer}")
    expect(page.locator(".status-now")).not_to_contain_text("vraag uitstaand")
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"


def test_empty_public_form_is_refused(page: Page, demo_users, broken_assets: list[str]) -> None:
    from inbeeld.intake.models import Signal

    before = Signal.objects.count()
    page.goto("/melden/")
    page.get_by_role("button", name="Signaal versturen").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Controleer het formulier:")
    for message in (
        "Geef aan of er nu acuut gevaar is.",
        "Kies of u als privépersoon meldt of vanuit welke organisatie.",
        "Kies ten minste één signaal of beschrijf in eigen woorden wat u opviel.",
        "Kies een leeftijd, of 'onbekend'.",
        "Kies een gender, of 'onbekend'.",
        "Kies de regio (politie-eenheid) waar het speelt.",
    ):
        expect(summary).to_contain_text(message)
    # Each summary entry links to its field.
    summary.get_by_role("link", name=re.compile("Is er nu acuut gevaar")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Signaal melden: mogelijke uitbuiting"
    )
    expect(page.get_by_test_id("receipt-code")).to_have_count(0)
    check_accessibility(page)
    snapshot(page, "signal-form-errors")
    assert Signal.objects.count() == before
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"


def fill_private_signal(page: Page, description: str) -> None:
    """The public form as a parent fills it in: no organisation is asked."""
    page.goto("/melden/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Signaal melden: mogelijke uitbuiting"
    )
    organisation = page.get_by_label(label("Uw organisatie"))
    expect(organisation).to_be_visible()
    page.get_by_role("radio", name="Nee, geen acuut gevaar").check()
    page.get_by_role(
        "radio", name="Als privépersoon (bijvoorbeeld ouder, familielid, buur of vriend)"
    ).check()
    expect(organisation).to_be_hidden()  # CSS :has() on the checked radio
    page.get_by_label(label("In uw eigen woorden (niet verplicht)")).fill(description)
    page.get_by_label(label("Leeftijd (schatting is goed)")).select_option(label="16–17 jaar")
    page.get_by_label(label("Gender")).select_option(label="vrouw")
    page.get_by_label(label("In welke regio speelt het?")).select_option(
        label="Eenheid Noord-Holland (Noord-Holland-Noord, Zaanstreek-Waterland, Kennemerland)"
    )
    page.get_by_label(label("Uw naam")).fill("Een ouder")


def test_reloading_the_receipt_does_not_send_the_signal_again(
    page: Page, demo_users, broken_assets: list[str]
) -> None:
    from inbeeld.intake.models import Signal, SignallerType

    description = "Mijn dochter wordt steeds opgehaald door een oudere man met een dure auto."
    fill_private_signal(page, description)
    check_accessibility(page)
    page.get_by_role("button", name="Signaal versturen").click()

    # Post/redirect/get: the receipt page has its own address, and shows the code once.
    expect(page).to_have_url(re.compile(r"/melden/ontvangen/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dank u wel: uw signaal is ontvangen")
    receipt = page.get_by_test_id("receipt-code").inner_text().strip()
    assert RECEIPT_CODE.match(receipt), receipt
    assert receipt not in page.url
    check_accessibility(page)
    assert Signal.objects.count() == 1
    signal = Signal.objects.get()
    assert signal.signaller_type == SignallerType.PRIVATE

    # Reloading sends nothing: "al verzonden", no new code.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw signaal is al verzonden")
    expect(page.get_by_test_id("already-sent")).to_contain_text("niet nog een keer verzonden")
    expect(page.get_by_test_id("receipt-code")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(receipt)
    check_accessibility(page)
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    snapshot(page, "receipt-reloaded")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert Signal.objects.count() == 1
    # No dead end: the status page and a new form are one click away.
    page.get_by_role("link", name="Met uw ontvangstcode de status van uw signaal bekijken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Status van uw signaal")

    # The same report sent again through a new form is a new signal, flagged for the coordinator.
    fill_private_signal(page, description)
    page.get_by_role("button", name="Signaal versturen").click()
    expect(page.get_by_test_id("receipt-code")).to_be_visible()
    assert Signal.objects.count() == 2

    log_in(page, "coordinator.nh")
    menu(page, "Signalen")
    rows = page.get_by_test_id("signal-queue").locator("tbody tr")
    expect(rows).to_have_count(2)
    for n in range(2):
        expect(rows.nth(n).get_by_test_id("likely-duplicate")).to_have_text("mogelijk dubbel")
    first, second = Signal.objects.order_by("received_at", "pk")
    expect(rows.nth(0)).to_contain_text(f"zelfde inhoud als {second.reference}")
    expect(rows.nth(1)).to_contain_text(f"zelfde inhoud als {first.reference}")
    check_accessibility(page)
    snapshot(page, "queue-likely-duplicates")
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"

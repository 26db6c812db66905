"""End to end, in Chromium: a police officer follows one case through the chain (Dutch UI).

Locators go by role and label on purpose: when a label or accessible name disappears, the test
fails. Each page visited also gets a small accessibility smoke check without external tools.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from inbeeld.accounts.models import User
from inbeeld.demo.accounts import DEMO_PASSWORD, current_code

from .conftest import RESULTS_DIR

pytestmark = pytest.mark.e2e

CASE_URL = re.compile(r"/casussen/(IB-[2-9A-Z]{4}-[2-9A-Z]{4})/$")

UNLOADED_STYLESHEETS_JS = """
() => Array.from(document.querySelectorAll('link[rel="stylesheet"]'))
  .filter(link => !link.sheet || link.sheet.cssRules.length === 0).map(link => link.href)
"""

# Form controls without an accessible label (hidden inputs and buttons excepted).
UNLABELLED_CONTROLS_JS = """
() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
  .filter(el => {
    const byLabel = Array.from(el.labels || []).some(l => l.textContent.trim() !== '');
    const byAria = (el.getAttribute('aria-label') || '').trim() !== ''
      || (el.getAttribute('aria-labelledby') || '').split(/\\s+/).some(
        id => id && document.getElementById(id)
          && document.getElementById(id).textContent.trim() !== '');
    return !byLabel && !byAria;
  })
  .map(el => el.outerHTML)
"""


def label(text: str) -> re.Pattern[str]:
    """The exact label text, with or without Django's label suffix ':'."""
    return re.compile(rf"^\s*{re.escape(text)}\s*:?\s*$")


def check_accessibility(page: Page) -> None:
    """Smoke check: the stylesheet applies, Dutch page language, a skip link to main#inhoud,
    every form control labelled."""
    page.wait_for_load_state("load")
    unstyled = page.evaluate(UNLOADED_STYLESHEETS_JS)
    assert unstyled == [], f"stylesheets that did not load on {page.url}: {unstyled}"
    assert page.evaluate("document.documentElement.lang") == "nl"
    skip = page.get_by_role("link", name="Direct naar de inhoud")
    expect(skip).to_have_count(1)
    expect(skip).to_have_attribute("href", "#inhoud")
    expect(page.locator("main#inhoud")).to_have_count(1)
    unlabelled = page.evaluate(UNLABELLED_CONTROLS_JS)
    assert unlabelled == [], f"form controls without a label on {page.url}: {unlabelled}"


def check_skip_link_moves_focus(page: Page) -> None:
    page.reload()
    skip = page.get_by_role("link", name="Direct naar de inhoud")
    box = skip.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0, (
        f"the skip link should sit off-screen until focused (is the stylesheet loaded?): {box}"
    )
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # off-screen until focused
    page.keyboard.press("Enter")
    expect(page.locator("main#inhoud")).to_be_focused()


def snapshot(page: Page, name: str) -> None:
    """A full-page screenshot in test-results/ (gitignored), for a human look at the UI."""
    RESULTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=RESULTS_DIR / f"{name}.png", full_page=True)


def log_in(page: Page, username: str) -> None:
    page.goto("/account/inloggen/")
    check_accessibility(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen bij InBeeld")
    page.get_by_label(label("Gebruikersnaam")).fill(username)
    page.get_by_label(label("Wachtwoord")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    # Second factor: the demo accounts are pre-enrolled; type the code the app would show.
    expect(page.get_by_role("heading", level=1)).to_have_text("Controle met uw authenticator-app")
    check_accessibility(page)
    user = User.objects.get(username=username)
    page.get_by_label(label("Code uit uw authenticator-app")).fill(current_code(user))
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def record_event(page: Page, event: str, date: str, note: str = "") -> None:
    page.get_by_role("link", name="Gebeurtenis vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gebeurtenis vastleggen")
    check_accessibility(page)
    page.get_by_label(label("Gebeurtenis")).select_option(label=event)
    page.get_by_label(label("Datum")).fill(date)
    if note:
        page.get_by_label(label("Notitie (versleuteld opgeslagen)")).fill(note)
    page.get_by_role("button", name="Vastleggen", exact=True).click()
    expect(page).to_have_url(CASE_URL)
    expect(page.locator(".messages")).to_contain_text(f"'{event}' is vastgelegd.")


def test_police_officer_follows_a_case_through_the_chain(
    page: Page, demo_users, broken_assets: list[str]
) -> None:
    log_in(page, "politie.amsterdam")
    check_accessibility(page)

    # The case list, from the main menu.
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Casussen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Casussen")
    expect(page.get_by_text("0 casussen gevonden")).to_be_visible()
    check_accessibility(page)
    snapshot(page, "case-list")

    # Register a new case: a minor (16-17), sexual exploitation, Eenheid Amsterdam.
    page.get_by_role("link", name="Nieuwe casus registreren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe casus registreren")
    check_accessibility(page)
    page.get_by_label(label("Eenheid")).select_option(label="Eenheid Amsterdam")
    page.get_by_role("group", name=label("Uitbuitingsvorm(en)")).get_by_label(
        "Seksuele uitbuiting"
    ).check()
    page.get_by_label(label("Leeftijdscategorie")).select_option(label="16–17 jaar")
    page.get_by_label(label("Minderjarig bij instroom")).check()
    page.get_by_label(label("Gender")).select_option(label="vrouw")
    page.get_by_label(label("Nationaliteit")).select_option(label="EU (niet Nederlands)")
    page.get_by_label(label("Datum instroom")).fill("2025-03-03")
    snapshot(page, "case-form")
    page.get_by_role("button", name="Registreren", exact=True).click()

    # The case page.
    expect(page).to_have_url(CASE_URL)
    code = CASE_URL.search(page.url).group(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Casus {code}")
    expect(page.locator(".messages")).to_contain_text(f"Casus {code} is geregistreerd.")
    status = page.get_by_test_id("case-status")
    expect(status).to_have_text("Instroom")
    facts = page.locator("dl[data-testid=case-facts]")
    for text in (
        "Eenheid Amsterdam",
        "3 maart 2025",
        "Seksuele uitbuiting",
        "16–17 jaar",
        "vrouw",
        "EU (niet Nederlands)",
    ):
        expect(facts).to_contain_text(text)
    expect(facts.locator("div", has_text="Minderjarig bij instroom").locator("dd")).to_have_text(
        "ja"
    )
    expect(page.get_by_text("Nog geen gebeurtenissen vastgelegd.")).to_be_visible()
    check_accessibility(page)

    # Two chain events: first police contact, then a complaint with a note.
    record_event(page, "Eerste politiecontact", "2025-03-05")
    expect(status).to_have_text("Contact met politie")
    note = "Aangifte opgenomen door de AVIM; slachtoffer wil meewerken."
    record_event(page, "Aangifte gedaan", "2025-03-12", note=note)

    timeline = page.get_by_test_id("timeline-event")
    expect(timeline).to_have_count(2)
    expect(timeline.nth(0)).to_contain_text("5 maart 2025")
    expect(timeline.nth(0)).to_contain_text("Eerste politiecontact")
    expect(timeline.nth(1)).to_contain_text("12 maart 2025")
    expect(timeline.nth(1)).to_contain_text("Aangifte gedaan")
    expect(timeline.nth(1)).to_contain_text(note)  # the officer reads the police family's note
    expect(status).to_have_text("Opsporing")

    # A move the workflow does not allow. The form only offers what the phase allows ...
    page.get_by_role("link", name="Gebeurtenis vastleggen").click()
    event_select = page.get_by_label(label("Gebeurtenis"))
    offered = event_select.locator("option").all_inner_texts()
    assert "Zitting" not in offered and "Eerste politiecontact" not in offered, offered
    assert "Verdachte aangehouden" in offered, offered
    # ... so a form loaded before the phase changed (or a tampered one) still posts it: the
    # server refuses with the workflow's Dutch message and nothing is recorded.
    event_select.evaluate("select => select.add(new Option('Zitting', 'trial_hearing'))")
    event_select.select_option(label="Zitting")
    page.get_by_label(label("Datum")).fill("2025-04-01")
    page.get_by_role("button", name="Vastleggen", exact=True).click()
    refused = "'Zitting' kan niet worden vastgelegd terwijl de casus in de fase 'Opsporing' is."
    expect(page.get_by_role("alert")).to_have_text(refused)
    expect(page.get_by_text(refused, exact=True)).to_have_count(1)  # said once, not twice
    check_accessibility(page)
    snapshot(page, "event-form-refused")
    page.get_by_role("link", name=f"Terug naar casus {code}").click()
    expect(timeline).to_have_count(2)
    expect(status).to_have_text("Opsporing")

    # Correct the first event. A correction that makes the timeline impossible is refused ...
    page.get_by_role("link", name="Corrigeren Eerste politiecontact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gebeurtenis corrigeren")
    check_accessibility(page)
    page.get_by_label(label("Gebeurtenis")).select_option(label="Zitting")
    page.get_by_role("button", name="Correctie vastleggen").click()
    expect(page.get_by_role("alert")).to_have_text(
        "'Zitting' kan niet worden vastgelegd terwijl de casus in de fase 'Instroom' is."
    )
    # ... a date correction is accepted; the original stays visible, marked as corrected.
    page.get_by_label(label("Gebeurtenis")).select_option(label="Eerste politiecontact")
    page.get_by_label(label("Datum")).fill("2025-03-04")
    page.get_by_role("button", name="Correctie vastleggen").click()
    expect(page).to_have_url(CASE_URL)
    expect(page.locator(".messages")).to_contain_text("De correctie is vastgelegd")

    expect(timeline).to_have_count(3)
    superseded = timeline.filter(has_text="Gecorrigeerd")
    expect(superseded).to_have_count(1)
    expect(superseded).to_contain_text("Eerste politiecontact")
    expect(superseded).to_contain_text("5 maart 2025")
    expect(superseded).to_contain_text("Gecorrigeerd – niet meer geldig")
    expect(superseded.get_by_role("link", name=re.compile("Corrigeren"))).to_have_count(0)
    correction = timeline.filter(has_text="Correctie van:")
    expect(correction).to_have_count(1)
    expect(correction).to_contain_text("4 maart 2025")
    expect(correction).to_contain_text("Correctie van: Eerste politiecontact (5 maart 2025)")
    expect(status).to_have_text("Opsporing")

    check_accessibility(page)
    snapshot(page, "case-detail")
    check_skip_link_moves_focus(page)
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"


def test_other_police_unit_cannot_open_the_case(
    page: Page, demo_users, broken_assets: list[str]
) -> None:
    from inbeeld.audit.models import AuditAction, AuditEvent
    from inbeeld.cases import services
    from inbeeld.reference.models import ExploitationForm, PoliceUnit

    case = services.case_register(
        actor=demo_users["politie.amsterdam"],
        police_unit=PoliceUnit.objects.get(code="amsterdam"),
        exploitation_forms=ExploitationForm.objects.filter(code="sexual"),
        minor_at_intake=False,
        age_band="18-22",
        gender="female",
        nationality_group="nl",
        intake_date=dt.date(2025, 3, 3),
    )

    log_in(page, "politie.limburg")
    for path in (f"/casussen/{case.code}/", f"/casussen/{case.code}/gebeurtenis/"):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Niet gevonden")
        expect(page.locator("main")).not_to_contain_text(case.code)
        check_accessibility(page)
    snapshot(page, "not-found")

    # Same answer as for a case that does not exist: no existence leak.
    response = page.goto("/casussen/IB-ZZZZ-ZZZZ/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Niet gevonden")

    # Not in the Limburg officer's list either; the refused attempt is in the audit trail.
    page.goto("/casussen/")
    expect(page.get_by_text("0 casussen gevonden")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(case.code)
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_ACCESS_DENIED,
        case_code=case.code,
        actor=demo_users["politie.limburg"],
    ).exists()

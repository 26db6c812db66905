"""In Chromium, at phone width: an account without a second factor meets a Dutch explanation and a
way out (never an enrolment with the password alone), and Mijn account → Wachtwoord wijzigen
shows its errors in a summary that takes focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from inbeeld.accounts.models import AuthenticatorDevice, User
from inbeeld.demo.accounts import DEMO_PASSWORD

from .test_case_flow import check_accessibility, label, log_in, snapshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}


def _fits(page: Page) -> None:
    """Nothing in the page's content (main) reaches past the phone's width."""
    wide = page.evaluate(
        "() => Array.from(document.querySelectorAll('main, main *'))"
        ".filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        ".map(e => e.outerHTML.slice(0, 80))"
    )
    assert wide == [], f"{page.url}: content wider than the phone: {wide}"


def test_no_second_factor_means_ask_for_a_link_and_log_out(page: Page, demo_users):
    AuthenticatorDevice.objects.filter(user__username="politie.nh").delete()
    page.set_viewport_size(PHONE)
    page.goto("/account/inloggen/")
    page.get_by_label(label("Gebruikersnaam")).fill("politie.nh")
    page.get_by_label(label("Wachtwoord")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tweede factor nog niet ingesteld")
    expect(page.get_by_test_id("second-factor-missing")).to_have_text(
        "Uw tweede factor is nog niet ingesteld; vraag de beheerder om een inschrijflink."
    )
    expect(page.locator("img.qr")).to_have_count(0)
    check_accessibility(page)
    _fits(page)
    snapshot(page, "tweede-factor-ontbreekt-telefoon")
    page.locator("main").get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen bij InBeeld")


def test_changing_the_password_at_phone_width(page: Page, demo_users):
    log_in(page, "onderzoeker")
    page.set_viewport_size(PHONE)
    page.goto("/account/")
    page.get_by_role("link", name="Wachtwoord wijzigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wachtwoord wijzigen")
    check_accessibility(page)
    _fits(page)
    page.get_by_label(label("Huidig wachtwoord")).fill(DEMO_PASSWORD)
    page.get_by_label(label("Nieuw wachtwoord")).fill("te kort")
    page.get_by_label(label("Herhaal het nieuwe wachtwoord")).fill("te kort")
    page.get_by_role("button", name="Wachtwoord wijzigen").click()
    summary = page.locator("#fouten")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Dit wachtwoord is te kort")
    check_accessibility(page)
    _fits(page)
    snapshot(page, "wachtwoord-wijzigen-fout-telefoon")
    page.get_by_label(label("Huidig wachtwoord")).fill(DEMO_PASSWORD)
    page.get_by_label(label("Nieuw wachtwoord")).fill("zeven paarden op de dijk")
    page.get_by_label(label("Herhaal het nieuwe wachtwoord")).fill("zeven paarden op de dijk")
    page.get_by_role("button", name="Wachtwoord wijzigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn account")
    expect(page.get_by_role("status")).to_contain_text("Uw wachtwoord is gewijzigd")
    assert User.objects.get(username="onderzoeker").check_password("zeven paarden op de dijk")

"""End to end, in Chromium: the examining judge reaches its cases (issue 14 item 2).

The examining judge of Rechtbank Amsterdam first has no case and is told why; the prosecutor of
Amsterdam records a summons, which gives the case the Amsterdam court; the examining judge then
sees the case and records the hearing, the only event offered to that role.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from .test_case_flow import check_accessibility, label, snapshot
from .test_signal_intake import log_in, log_out, menu

pytestmark = pytest.mark.e2e

CASE_URL = re.compile(r"/casussen/(IB-[2-9A-Z]{4}-[2-9A-Z]{4})/$")
SUMMONS = "Vervolgingsbeslissing"  # reference.json: prosecution_decision, outcome summons
RC_HEARING = "Verhoor bij de rechter-commissaris"
PHONE = {"width": 390, "height": 800}


@pytest.fixture
def amsterdam_case(demo_users):
    """An Amsterdam case in investigation (first police contact and a complaint, recorded by the
    police through the real service), without a court."""
    from tests.factories import CaseFactory

    case = CaseFactory(with_complaint=True, intake_date=dt.date(2025, 2, 3))
    assert case.court is None
    return case


def offered_events(page: Page) -> list[str]:
    options = page.get_by_label(label("Gebeurtenis")).locator("option").all_inner_texts()
    return [o for o in options if o != "Kies een gebeurtenis"]


def test_prosecutor_records_a_summons_and_the_examining_judge_then_records_the_hearing(
    page: Page, amsterdam_case, broken_assets: list[str]
) -> None:
    code = amsterdam_case.code

    # --- The examining judge: no case yet, and an explanation instead of an empty list. ---
    log_in(page, "rc.amsterdam")
    menu(page, "Casussen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Casussen")
    expect(page.get_by_text("0 casussen gevonden")).to_be_visible()
    help_text = page.get_by_test_id("court-list-help")
    expect(help_text).to_contain_text("Rechtbank Amsterdam")
    expect(help_text).to_contain_text("dagvaarding of een verhoor bij de rechter-commissaris")
    expect(page.locator("main")).not_to_contain_text(code)
    check_accessibility(page)
    snapshot(page, "rc-empty-list")
    log_out(page)

    # --- The prosecutor records the summons; the court follows from the district. ---
    log_in(page, "ovj.amsterdam")
    menu(page, "Casussen")
    page.get_by_role("link", name=code).click()
    expect(page).to_have_url(CASE_URL)
    court = page.get_by_test_id("case-court")
    expect(court).to_contain_text("nog niet ingesteld")
    expect(court.get_by_role("link", name="Rechtbank instellen")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Gebeurtenis vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gebeurtenis vastleggen")
    offered = offered_events(page)
    assert RC_HEARING in offered and SUMMONS in offered, offered
    assert "Aangifte gedaan" not in offered, offered  # a police event, not the prosecutor's
    check_accessibility(page)
    page.get_by_label(label("Gebeurtenis")).select_option(label=SUMMONS)
    page.get_by_label(label("Uitkomst of reden")).select_option(label="Dagvaarding")
    page.get_by_label(label("Datum")).fill("2025-05-06")
    page.get_by_role("button", name="Vastleggen", exact=True).click()
    expect(page).to_have_url(CASE_URL)
    expect(page.locator(".messages")).to_contain_text(f"'{SUMMONS}' is vastgelegd.")
    expect(page.get_by_test_id("case-status")).to_have_text("Vervolging")
    expect(court).to_contain_text("Rechtbank Amsterdam")
    expect(court.get_by_role("link", name="Rechtbank wijzigen")).to_be_visible()

    # The court page: the district's court, saved already; saving it again is refused politely.
    court.get_by_role("link", name="Rechtbank wijzigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Rechtbank van casus {code}")
    check_accessibility(page)
    page.get_by_role("button", name="Rechtbank opslaan").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Deze casus staat al bij Rechtbank Amsterdam.")
    expect(summary).to_be_focused()
    check_accessibility(page)
    # The court page works on a phone (390 px) without scrolling sideways.
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    snapshot(page, "court-form-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Annuleren").click()
    expect(page).to_have_url(CASE_URL)
    log_out(page)

    # --- The examining judge now sees the case and records the hearing. ---
    log_in(page, "rc.amsterdam")
    menu(page, "Casussen")
    expect(page.get_by_test_id("court-list-help")).to_have_count(0)
    page.get_by_role("link", name=code).click()
    expect(page).to_have_url(CASE_URL)
    expect(page.get_by_test_id("case-court")).to_have_text("Rechtbank Amsterdam")
    check_accessibility(page)
    page.get_by_role("link", name="Gebeurtenis vastleggen").click()
    assert offered_events(page) == [RC_HEARING]
    page.get_by_label(label("Gebeurtenis")).select_option(label=RC_HEARING)
    page.get_by_label(label("Datum")).fill("2025-06-10")
    page.get_by_role("button", name="Vastleggen", exact=True).click()
    expect(page).to_have_url(CASE_URL)
    expect(page.locator(".messages")).to_contain_text(f"'{RC_HEARING}' is vastgelegd.")
    expect(page.get_by_test_id("timeline-event").last).to_contain_text(RC_HEARING)
    check_accessibility(page)
    snapshot(page, "rc-records-hearing")
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"


def test_the_police_are_offered_the_rc_hearing_and_the_prosecution_decision(
    page: Page, amsterdam_case, broken_assets: list[str]
) -> None:
    log_in(page, "politie.amsterdam")
    page.goto(f"/casussen/{amsterdam_case.code}/")
    expect(page.get_by_test_id("case-court").get_by_role("link")).to_have_count(0)
    page.get_by_role("link", name="Gebeurtenis vastleggen").click()
    offered = offered_events(page)
    assert RC_HEARING in offered and SUMMONS in offered, offered
    check_accessibility(page)
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"

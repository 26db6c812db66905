"""End to end, in Chromium (issue 17): a police officer links two suspects to a case, the
prosecutor records the summons, the verdict and a sentence for one of them; axe-clean pages, an
error summary that takes focus, and the pages at phone width."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from .test_case_flow import check_accessibility, label, snapshot
from .test_signal_intake import log_in, log_out

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 800}
SUSPECT_URL = re.compile(r"/verdachten/(VD-[2-9A-Z]{4}-[2-9A-Z]{4})/$")


@pytest.fixture
def amsterdam_case(demo_users):
    from tests.factories import CaseFactory

    # First police contact on 3 February 2025 (the factory records it on the intake date).
    return CaseFactory(forms=["criminal"], with_complaint=True, intake_date=dt.date(2025, 2, 3))


def at_phone_width(page: Page, name: str) -> None:
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    snapshot(page, name)
    page.set_viewport_size({"width": 1280, "height": 900})


def link_suspect(page: Page, code: str, role: str, relationship: str) -> None:
    page.goto(f"/casussen/{code}/")
    page.get_by_role("link", name="Verdachte koppelen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verdachte koppelen")
    page.get_by_label(role, exact=True).check()
    page.get_by_label(label("Relatie tot het slachtoffer")).select_option(label=relationship)
    page.get_by_role("button", name="Verdachte koppelen").click()
    expect(page.locator(".messages")).to_contain_text("is aan de casus gekoppeld")


def test_police_link_two_suspects_and_the_prosecutor_sentences_one(
    page: Page, amsterdam_case, axe, broken_assets: list[str]
) -> None:
    code = amsterdam_case.code

    # --- The police officer links two suspects; a mistake first shows the error summary. ---
    log_in(page, "politie.amsterdam")
    page.goto(f"/casussen/{code}/")
    expect(page.get_by_test_id("suspect-count")).to_contain_text("nog geen verdachte")
    page.get_by_role("link", name="Verdachte koppelen").click()
    check_accessibility(page)
    assert axe(page) == []
    page.get_by_role("button", name="Verdachte koppelen").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Kies de rol van de verdachte.")
    assert axe(page) == []
    at_phone_width(page, "suspect-link-form-phone")

    link_suspect(page, code, "uitbuiter", "partner (loverboy)")
    link_suspect(page, code, "ronselaar of tussenpersoon", "netwerk")
    rows = page.get_by_test_id("suspect-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("partner (loverboy)")
    expect(rows.nth(1)).to_contain_text("netwerk")
    assert axe(page) == []
    at_phone_width(page, "case-suspects-phone")
    first = rows.first.get_attribute("data-code")
    second = rows.nth(1).get_attribute("data-code")
    log_out(page)

    # --- The prosecutor: summons and a conviction with a sentence for the first suspect. ---
    log_in(page, "ovj.amsterdam")
    page.goto(f"/casussen/{code}/")
    page.get_by_role("link", name=first, exact=True).click()
    expect(page).to_have_url(SUSPECT_URL)
    expect(page.get_by_test_id("suspect-status")).to_have_text("geregistreerd, geen beslissing")
    assert axe(page) == []
    page.get_by_role("link", name="Beslissing, zitting of uitspraak vastleggen").click()
    check_accessibility(page)
    page.get_by_label("Vervolgingsbeslissing", exact=True).check()
    page.get_by_label(label("Datum")).fill("2025-05-06")
    page.get_by_label(label("Beslissing (bij een vervolgingsbeslissing)")).select_option(
        label="dagvaarding"
    )
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_test_id("suspect-status")).to_have_text("gedagvaard")

    page.get_by_role("link", name="Beslissing, zitting of uitspraak vastleggen").click()
    page.get_by_label("Uitspraak", exact=True).check()
    page.get_by_label(label("Datum")).fill("2025-10-01")
    page.get_by_label(label("Uitspraak (bij een uitspraak)")).select_option(label="veroordeling")
    # Forgetting the sentence: refused, the error summary takes focus, nothing stored.
    page.get_by_role("button", name="Opslaan").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Kies de soort straf bij een veroordeling.")
    assert axe(page) == []
    at_phone_width(page, "suspect-verdict-form-phone")
    page.get_by_label(label("Soort straf (bij een veroordeling)")).select_option(
        label="gevangenisstraf"
    )
    page.get_by_label(label("Onvoorwaardelijk (maanden)")).fill("30")
    page.get_by_label(label("Voorwaardelijk (maanden)")).fill("6")
    page.get_by_label("contactverbod").check()
    page.get_by_role("button", name="Opslaan").click()

    expect(page.get_by_test_id("suspect-status")).to_have_text("uitspraak gedaan")
    sentence = page.get_by_test_id("sentence")
    expect(sentence).to_contain_text("gevangenisstraf")
    expect(sentence).to_contain_text("30 maanden")
    expect(sentence).to_contain_text("contactverbod")
    # First police contact 3 February 2025: → 6 May = 92 days, → 1 October = 240 days.
    expect(page.get_by_test_id("lead-decision")).to_have_text("92 dagen")
    expect(page.get_by_test_id("lead-verdict")).to_have_text("240 dagen")
    # Nothing more to record: no button leading to an empty form.
    expect(
        page.get_by_role("link", name="Beslissing, zitting of uitspraak vastleggen")
    ).to_have_count(0)
    assert axe(page) == []
    at_phone_width(page, "suspect-page-phone")

    # The second suspect is untouched; the case page shows both outcomes.
    page.get_by_role("link", name=re.compile("Terug naar casus")).click()
    # Wait for the case page before reading its rows: .all() does not wait for them.
    expect(page.get_by_test_id("suspect-row")).to_have_count(2)
    statuses = {
        row.get_attribute("data-code"): row.get_by_test_id("suspect-status").inner_text()
        for row in page.get_by_test_id("suspect-row").all()
    }
    assert statuses == {first: "uitspraak gedaan", second: "geregistreerd, geen beslissing"}
    assert broken_assets == []


def test_researcher_reads_the_perpetrator_tables(
    page: Page, amsterdam_case, axe, broken_assets: list[str]
) -> None:
    """The perpetrator and non-punishment tables: reached from the reports page, axe-clean and
    usable at phone width (the counts themselves: tests/suspects/test_perpetrator_tables.py)."""
    from inbeeld.accounts.models import User
    from inbeeld.suspects import services

    services.suspect_register(
        actor=User.objects.get(username="politie.amsterdam"),
        case=amsterdam_case,
        role="exploiter",
        relationship="parent",
    )
    log_in(page, "onderzoeker")
    page.goto("/rapporten/")
    page.get_by_role("link", name="Daders en non-punishment (tabellen)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daders en non-punishment")
    # Seven tables and the recruitment-channel table (item 4).
    expect(page.get_by_test_id("perpetrator-table")).to_have_count(8)
    check_accessibility(page)
    assert axe(page) == []
    at_phone_width(page, "perpetrator-tables-phone")
    assert broken_assets == []


def test_police_record_the_modus_operandi(
    page: Page, amsterdam_case, axe, broken_assets: list[str]
) -> None:
    """Item 4: the modus-operandi form on the case page: error summary that takes focus, axe-clean,
    phone width, and the recorded values (a platform category, never a name) on the case page."""
    code = amsterdam_case.code
    log_in(page, "politie.amsterdam")
    page.goto(f"/casussen/{code}/")
    expect(page.get_by_test_id("modus-operandi-section")).to_contain_text("nog geen modus")
    page.get_by_role("link", name="Modus operandi vastleggen").click()
    check_accessibility(page)
    assert axe(page) == []
    page.get_by_role("button", name="Vastleggen").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Kies waar de uitbuiting plaatsvond.")
    assert axe(page) == []
    at_phone_width(page, "modus-operandi-form-phone")
    page.get_by_label(label("Waar vond de uitbuiting plaats?")).select_option(label="In Nederland")
    page.get_by_label(label("Vorm van criminele uitbuiting")).select_option(
        label="Geldezel of bankpas uitlenen"
    )
    page.get_by_label(label("Wervingskanaal")).select_option(label="Sociale media")
    page.get_by_label(label("Soort platform")).select_option(label="Sociale media")
    page.get_by_label(label("Is het platform ingelicht?")).select_option(label="Ja")
    page.get_by_role("button", name="Vastleggen").click()
    section = page.get_by_test_id("modus-operandi-section")
    expect(section).to_contain_text("Geldezel of bankpas uitlenen")
    expect(section).to_contain_text("Sociale media")
    assert axe(page) == []
    at_phone_width(page, "case-modus-operandi-phone")
    assert broken_assets == []


def test_police_record_a_safety_fact(
    page: Page, amsterdam_case, axe, broken_assets: list[str]
) -> None:
    """Item 5: the safety form (error summary that takes focus, axe-clean, phone width) and the
    case page's section with the fact and the times the victim told the story."""
    code = amsterdam_case.code
    log_in(page, "politie.amsterdam")
    page.goto(f"/casussen/{code}/")
    section = page.get_by_test_id("safety-section")
    expect(section.get_by_test_id("story-count")).to_contain_text("0 keer")
    section.get_by_role("link", name="Veiligheidsfeit vastleggen").click()
    check_accessibility(page)
    assert axe(page) == []
    page.get_by_role("button", name="Vastleggen").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Kies wat er is gebeurd.")
    assert axe(page) == []
    at_phone_width(page, "safety-form-phone")
    page.get_by_label("verhaal verteld: studioverhoor").check()
    page.get_by_label(label("Datum")).fill("2025-02-10")
    page.get_by_role("button", name="Vastleggen").click()
    expect(page.locator(".messages")).to_contain_text("Het veiligheidsfeit is vastgelegd.")
    section = page.get_by_test_id("safety-section")
    expect(section.get_by_test_id("story-count")).to_contain_text("1 keer")
    expect(section.get_by_test_id("story-telling")).to_contain_text("10 februari 2025")
    assert axe(page) == []
    at_phone_width(page, "case-safety-phone")
    assert broken_assets == []

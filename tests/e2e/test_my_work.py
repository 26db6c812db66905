"""End to end, in Chromium: finding and owning work (issue 14 items 7-9).

The Amsterdam police officer searches a case code in the header, takes the case ("Aan mij
toewijzen"), sees it counted under "Mijn casussen" on the start page, and the count leads to the
case list filtered on "mijn werk", which shows that case and not the other; at phone width too.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from .test_case_flow import check_accessibility, snapshot
from .test_signal_intake import log_in, log_out

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 800}


@pytest.fixture
def two_cases(demo_users):
    from tests.factories import CaseFactory

    return (
        CaseFactory(intake_date=dt.date(2025, 2, 3)),
        CaseFactory(intake_date=dt.date(2025, 2, 4)),
    )


def test_search_take_a_case_and_find_it_under_mijn_werk(
    page: Page, two_cases, broken_assets: list[str]
) -> None:
    mine, other = two_cases
    log_in(page, "politie.amsterdam")
    expect(page.get_by_test_id("count-my-cases")).to_contain_text("0")

    # Search from the header of any page: an unknown code answers in Dutch, with a way on.
    search = page.get_by_role("search").first
    search.get_by_label("Zoek op casuscode of kenmerk").fill("IB-ZZZZ-ZZZZ")
    search.get_by_role("button", name="Zoeken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zoeken op casuscode of kenmerk")
    expect(page.get_by_role("alert")).to_contain_text("Niets gevonden")
    check_accessibility(page)
    page.get_by_role("search").first.get_by_label("Zoek op casuscode of kenmerk").fill(
        mine.code.lower()
    )
    page.get_by_role("search").first.get_by_role("button", name="Zoeken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Casus {mine.code}")
    expect(page.get_by_test_id("case-owner")).to_have_text("Niet toegewezen")

    # Take the case.
    page.get_by_role("button", name="Aan mij toewijzen").click()
    expect(page.get_by_test_id("case-owner")).to_have_text("U")
    check_accessibility(page)

    # The start page counts it and links to the filtered list.
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Start").click()
    tile = page.get_by_test_id("count-my-cases")
    expect(tile).to_contain_text("1")
    tile.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Casussen")
    expect(page.get_by_label("Behandelaar")).to_have_value("mine")
    table = page.locator("main table")
    expect(table).to_contain_text(mine.code)
    expect(table).not_to_contain_text(other.code)
    check_accessibility(page)

    # "Niet toegewezen" shows the other case only; at phone width nothing is cut off.
    page.set_viewport_size(PHONE)
    page.get_by_label("Behandelaar").select_option("unassigned")
    page.get_by_role("button", name="Filteren").click()
    expect(table).to_contain_text(other.code)
    expect(table).not_to_contain_text(mine.code)
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the case list scrolls sideways at 390 px"
    snapshot(page, "my-work-phone")
    log_out(page)
    assert broken_assets == []

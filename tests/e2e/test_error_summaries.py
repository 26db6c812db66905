"""End to end, in Chromium (issue 14 item 11): a form with errors opens with the error summary
focused; its links lead to the fields; the keyboard focus ring is the high-contrast one; the page
fits a 390 px phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .test_case_flow import check_accessibility, log_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 800}


def test_the_break_glass_form_focuses_its_error_summary_and_links_to_the_fields(
    page: Page, demo_users
):
    log_in(page, "politie.amsterdam")
    page.set_viewport_size(PHONE)
    page.goto("/casussen/noodtoegang/")
    page.get_by_role("button", name="Noodtoegang openen").click()

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # a screen reader and a keyboard user start here
    expect(summary).to_contain_text("Vul de code in van de casus die u nodig heeft.")
    expect(summary).to_contain_text("Schrijf op waarom u deze casus nu nodig heeft.")
    check_accessibility(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    summary.get_by_role("link", name="Reden voor noodtoegang", exact=False).click()
    expect(page.locator("#id_reason")).to_be_focused()

    # The ring a keyboard user sees: near-black, 3 px (3:1 and more on the white page).
    page.keyboard.press("Shift+Tab")
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
    )
    assert ring == ["solid", "3px", "rgb(27, 27, 27)"], ring

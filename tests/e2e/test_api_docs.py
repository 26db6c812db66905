"""The API's documentation page (/api/v1/docs): Swagger UI from the sidecar, served by InBeeld
itself in its own page (templates/api/swagger_ui.html), with Swagger UI's own words in Dutch
(static/inbeeld/swagger-nl.js) and its contrast, landmarks, headings and touch targets mended
(swagger-nl.css, swagger-nl.js): axe clean at phone and desktop width with an operation opened
for trying out, nothing broken, nothing from elsewhere (ADR 0021)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# INBEELD_API_DOCS_SHOTS=dir: keep a screenshot of each width there (for a look by a person).
SHOTS = os.environ.get("INBEELD_API_DOCS_SHOTS")
ENGLISH = ("Try it out", "Execute", "Authorize", "Cancel", "Responses", "Example Value",
           "Request body", "Description", "Send email to", "Controls")  # fmt: skip


def _open(page: Page, viewport: dict) -> None:
    page.set_viewport_size(viewport)
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    # The first operation opened, and its form for trying it out (more buttons, a table).
    page.locator(".opblock-summary-control").first.click()
    page.get_by_role("button", name="Uitproberen").first.click()
    expect(page.get_by_role("button", name="Uitvoeren").first).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["telefoon", "desktop"])
def test_the_docs_page_is_dutch_accessible_and_fits(page: Page, db, axe, broken_assets, viewport):
    _open(page, viewport)
    if SHOTS:
        page.screenshot(path=Path(SHOTS) / f"api-docs-{viewport['width']}.png", full_page=True)
    assert page.locator("html").get_attribute("lang") == "nl"
    expect(page.get_by_role("button", name="Aanmelden").first).to_be_visible()
    expect(page.get_by_role("button", name="Annuleren").first).to_be_visible()
    text = page.locator("body").inner_text()
    assert "Antwoorden" in text and "Casussen in uw werkgebied" in text
    left = [word for word in ENGLISH if word in text]
    assert not left, f"English left on the page: {left}"
    violations = axe(page)
    assert not violations, "\n".join(violations)
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "() => Array.from(document.querySelectorAll('#swagger-ui *'))"
        ".filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        ".slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert width <= viewport["width"], f"the page scrolls sideways ({width} px): {wide}"
    assert not broken_assets


def test_signing_in_is_dutch_too(page: Page, db, broken_assets):
    page.goto("/api/v1/docs")
    page.get_by_role("button", name="Aanmelden").first.click()
    dialog = page.locator(".modal-ux")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("Beschikbare aanmeldingen")).to_be_visible()
    expect(dialog.get_by_role("button", name="Sluiten").first).to_be_visible()
    assert "Available authorizations" not in dialog.inner_text()
    assert not broken_assets


def test_the_sign_in_dialog_passes_axe(page: Page, db, axe, broken_assets):
    page.set_viewport_size(PHONE)
    page.goto("/api/v1/docs")
    page.get_by_role("button", name="Aanmelden").first.click()
    expect(page.locator(".modal-ux")).to_be_visible()
    violations = axe(page)
    assert not violations, "\n".join(violations)
    assert not broken_assets

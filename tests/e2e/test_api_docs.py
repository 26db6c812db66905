"""The API's documentation page (/api/v1/docs): Swagger UI from the sidecar, served by InBeeld
itself, in Dutch (its own buttons too, by static/api/swagger-nl.js), at phone and desktop width,
axe clean, nothing from elsewhere and nothing broken."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = os.environ.get("INBEELD_API_DOCS_SHOTS")


def _open(page: Page, viewport: dict) -> None:
    page.set_viewport_size(viewport)
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    # Open the first operation and its form, so its buttons and tables are on the page too.
    page.locator(".opblock-summary").first.click()
    page.locator(".try-out__btn").first.click()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["telefoon", "desktop"])
def test_the_docs_page(page: Page, db, axe, broken_assets, viewport):
    _open(page, viewport)
    if SHOTS:
        page.screenshot(path=Path(SHOTS) / f"docs-{viewport['width']}.png", full_page=True)
    violations = axe(page)
    assert not violations, "\n".join(violations)
    assert not broken_assets

"""The research pages with their stored figures in a real browser (issue 15 item 3), as in
production (INBEELD_RESULTS_AT_ONCE off): the first view says the figures are being computed,
with a way to reload and a way back (no dead end); once the worker has computed them the page
says how fresh they are. axe-core finds nothing on either, also at phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from inbeeld.demo.generator import DemoConfig, generate
from inbeeld.jobs.results import results_recompute

from .test_case_flow import log_in

pytestmark = pytest.mark.e2e

PAGES = ["/evaluatie/", "/rapporten/monitor/", "/proeftuin/"]


def test_pending_then_fresh_research_pages_pass_axe(page: Page, demo_users, axe, settings):
    settings.INBEELD_RESULTS_AT_ONCE = False
    generate(DemoConfig(cases=120, seed=2021))
    log_in(page, "onderzoeker")
    for path in PAGES:
        page.goto(path)
        expect(page.get_by_test_id("results-pending")).to_contain_text("worden berekend")
        assert axe(page) == [], path
        expect(page.locator("main").get_by_role("link", name="Terug")).to_be_visible()
        page.get_by_role("link", name="Pagina opnieuw laden").click()
        expect(page.get_by_test_id("results-pending")).to_be_visible()
        page.set_viewport_size({"width": 390, "height": 844})
        assert axe(page) == [], f"{path} at 390 px"
        page.set_viewport_size({"width": 1280, "height": 900})

    assert results_recompute() == 3  # what the worker does
    for path in PAGES:
        page.goto(path)
        expect(page.get_by_test_id("results-freshness")).to_contain_text("Cijfers van ")
        assert axe(page) == [], path

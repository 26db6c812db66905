"""End to end, in Chromium (issue 17 item 6): the researcher reads the stored perpetrator tables
with their freshness line, downloads them as CSV and the report as PDF from the page; the page
axe-clean and at phone width (the figures themselves: tests/publication/test_perpetrator_report.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from .test_case_flow import check_accessibility
from .test_signal_intake import log_in
from .test_suspects import at_phone_width

pytestmark = pytest.mark.e2e


@pytest.fixture
def linked_case(demo_users):
    from inbeeld.accounts.models import User
    from inbeeld.suspects import services
    from tests.factories import CaseFactory

    case = CaseFactory(
        forms=["sexual"], minor=True, with_complaint=True, intake_date=dt.date(2025, 2, 3)
    )
    services.suspect_register(
        actor=User.objects.get(username="politie.amsterdam"),
        case=case,
        role="client",
        relationship="stranger",
    )
    return case


def test_researcher_downloads_the_perpetrator_report(
    page: Page, linked_case, axe, broken_assets: list[str]
) -> None:
    log_in(page, "onderzoeker")
    page.goto("/rapporten/monitor/")
    page.get_by_role("link", name="Daders en non-punishment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daders en non-punishment")
    expect(page.get_by_test_id("results-freshness")).to_contain_text("Cijfers van")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tabellen als CSV").click()
    assert download.value.suggested_filename.startswith("inbeeld-dadertabellen-")
    assert download.value.suggested_filename.endswith(".csv")
    response = page.request.get("/rapporten/daders.pdf")
    assert response.ok and response.body().startswith(b"%PDF-")
    check_accessibility(page)
    assert axe(page) == []
    at_phone_width(page, "perpetrator-report-phone")
    assert broken_assets == []

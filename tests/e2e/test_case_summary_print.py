"""End to end, in Chromium: the printable case summary and the print stylesheet (issue 14 item 14).

A police officer opens the summary from the case page, sees the facts, the timeline with the
withdrawn event struck through and the case's lead times; printed (print media, and a real PDF
from Chromium) the page has no navigation, no forms or buttons, and a header line with the page's
title, "Gepseudonimiseerd — vertrouwelijk" and the date. A case outside the officer's scope answers
with the Dutch "not found" page. axe-core finds nothing on the summary.
"""

from __future__ import annotations

import datetime as dt

import pypdfium2
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import WithdrawalReason
from inbeeld.cases.services import event_withdraw

from .test_case_flow import check_accessibility, log_in, snapshot

pytestmark = pytest.mark.e2e

NOTICE = "Gepseudonimiseerd — vertrouwelijk"


@pytest.fixture
def amsterdam_case(demo_users):
    from tests.factories import CaseFactory, chain_recorder, record_events

    case = CaseFactory(intake_date=dt.date(2025, 2, 3))
    recorder = chain_recorder(case.police_unit)
    _contact, mistaken = record_events(
        case, [("first_police_contact", ""), ("complaint_filed", "")], actor=recorder
    )
    event_withdraw(actor=recorder, event=mistaken, reason=WithdrawalReason.MISTAKE)
    record_events(case, [("complaint_filed", "")], actor=recorder, start=dt.date(2025, 3, 1))
    case.refresh_from_db()
    return case


def _visible(page: Page, selector: str) -> list[str]:
    return page.evaluate(
        """s => Array.from(document.querySelectorAll(s))
          .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
          .map(el => el.tagName.toLowerCase())""",
        selector,
    )


def _pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_police_print_the_summary_of_a_case_in_scope(page: Page, demo_users, amsterdam_case, axe):
    code = amsterdam_case.code
    log_in(page, "politie.amsterdam")
    page.goto(f"/casussen/{code}/")
    page.get_by_role("link", name="Samenvatting voor het casusoverleg (om af te drukken)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Samenvatting casus {code}")
    check_accessibility(page)
    assert axe(page) == []
    # The facts, the struck-through withdrawal, the lead time 1 March - 3 February = 26 days.
    summary = page.get_by_test_id("summary")
    expect(summary.get_by_test_id("case-status")).to_have_text("Opsporing")
    expect(summary.get_by_test_id("withdrawn-event")).to_have_count(1)
    expect(page.get_by_test_id("summary-lead-times")).to_contain_text("26")
    # The print button works through the static script (CSP: no inline script).
    expect(page.get_by_role("button", name="Afdrukken")).to_be_visible()
    expect(page.get_by_role("link", name=f"Terug naar casus {code}").first).to_be_visible()
    assert AuditEvent.objects.filter(action=AuditAction.CASE_SUMMARY_READ, case_code=code).exists()

    # On screen the navigation is there; printed it is gone, and so are forms and buttons.
    assert _visible(page, ".site-header nav") == ["nav"]
    expect(page.locator(".print-header")).to_be_hidden()
    page.emulate_media(media="print")
    assert _visible(page, "nav, form, button, .skip-link, .site-header, .site-footer") == []
    header = page.locator(".print-header")
    expect(header).to_be_visible()
    expect(header).to_contain_text(f"Samenvatting casus {code}")
    expect(header).to_contain_text(NOTICE)
    expect(header).to_contain_text(str(timezone.localdate().year))
    # Black on white, links as plain text.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") in (
        "rgb(255, 255, 255)",
        "rgba(0, 0, 0, 0)",
    )
    assert (
        page.evaluate("getComputedStyle(document.querySelector('main a')).color") == "rgb(0, 0, 0)"
    )
    # Table headers repeat on each printed page; a row never breaks across pages.
    assert page.evaluate("getComputedStyle(document.querySelector('thead')).display") == (
        "table-header-group"
    )
    assert page.evaluate("getComputedStyle(document.querySelector('tbody tr')).breakInside") == (
        "avoid"
    )
    snapshot(page, "samenvatting-afdruk")

    # A real PDF from Chromium (print media): the content and the notice, no menu, no buttons.
    text = _pdf_text(page.pdf(format="A4"))
    assert f"Samenvatting casus {code}" in text
    assert NOTICE in text
    for absent in ("Uitloggen", "Hoofdmenu", "Afdrukken", "Direct naar de inhoud", "Zoeken"):
        assert absent not in text, absent


def test_a_case_outside_the_scope_has_no_summary(page: Page, demo_users):
    from tests.factories import CaseFactory, unit

    far = CaseFactory(police_unit=unit("limburg"))
    log_in(page, "politie.amsterdam")
    response = page.goto(f"/casussen/{far.code}/samenvatting/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Niet gevonden")
    check_accessibility(page)
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_ACCESS_DENIED, case_code=far.code
    ).exists()

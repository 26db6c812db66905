"""End to end, in Chromium (issue 17 item 5, ADR 0023 decisions 6 and 16): the police officer
withdraws a safety fact recorded by mistake (confirmation page, an error summary that takes
focus, the fact struck through and no longer counted), corrects another, and sees the notice
that the case's decision has no suspect; axe-clean pages at phone width."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from .test_case_flow import check_accessibility
from .test_signal_intake import log_in
from .test_suspects import at_phone_width

pytestmark = pytest.mark.e2e


@pytest.fixture
def case_with_tellings(demo_users):
    """A case (first police contact 3 February 2025) whose officer recorded three tellings of
    the story, the studio interview twice by mistake, and a prosecution decision on the case's
    own timeline without any suspect linked."""
    from inbeeld.accounts.models import User
    from inbeeld.cases.services import event_record
    from inbeeld.suspects.modus_operandi import safety_fact_record
    from tests.factories import CaseFactory, chain_recorder, event_type

    case = CaseFactory(forms=["criminal"], with_complaint=True, intake_date=dt.date(2025, 2, 3))
    police = User.objects.get(username="politie.amsterdam")
    for kind, day in (("complaint", 4), ("studio_interview", 10), ("studio_interview", 11)):
        safety_fact_record(actor=police, case=case, kind=kind, date=dt.date(2025, 2, day))
    safety_fact_record(actor=police, case=case, kind="threat", date=dt.date(2025, 2, 20))
    event_record(
        actor=chain_recorder(case.police_unit),
        case=case,
        event_type=event_type("prosecution_decision"),
        event_date=dt.date(2025, 3, 1),
        outcome="dismissal_policy",
    )
    return case


def test_police_withdraw_a_wrongly_recorded_safety_fact(
    page: Page, case_with_tellings, axe, broken_assets: list[str]
) -> None:
    code = case_with_tellings.code
    log_in(page, "politie.amsterdam")
    page.goto(f"/casussen/{code}/")

    # The case's decision without a suspect: a notice with the way to correct it.
    notice = page.get_by_test_id("outcome-mismatches")
    expect(notice).to_contain_text("Let op:")
    expect(notice).to_contain_text("er is geen verdachte aan gekoppeld")
    expect(notice.get_by_role("link", name="Verdachte koppelen")).to_have_count(1)
    assert axe(page) == []

    section = page.get_by_test_id("safety-section")
    expect(section.get_by_test_id("story-count")).to_contain_text("3 keer")
    section.get_by_role(
        "link", name="Intrekken verhaal verteld: studioverhoor 11 februari 2025"
    ).click()

    # The confirmation page: what is withdrawn, the consequence, a reason from the list.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Veiligheidsfeit van 11 februari 2025 intrekken"
    )
    expect(page.get_by_test_id("withdraw-subject")).to_contain_text("studioverhoor")
    check_accessibility(page)
    assert axe(page) == []
    page.get_by_role("button", name="Intrekken").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Kies waarom u dit intrekt.")
    assert axe(page) == []
    at_phone_width(page, "safety-withdraw-phone")
    page.get_by_label("Dubbel vastgelegd").check()
    page.get_by_role("button", name="Intrekken").click()

    expect(page.locator(".messages")).to_contain_text("Het veiligheidsfeit is ingetrokken.")
    section = page.get_by_test_id("safety-section")
    expect(section.get_by_test_id("story-count")).to_contain_text("2 keer")
    withdrawn = section.locator("[data-standing=no]")
    expect(withdrawn).to_have_count(1)
    expect(withdrawn).to_contain_text("11 februari 2025")
    expect(withdrawn.get_by_test_id("safety-withdrawal")).to_contain_text("Dubbel vastgelegd")
    expect(withdrawn.locator("s")).to_have_count(1)
    assert axe(page) == []

    # The threat had the wrong date: corrected, the old one marked.
    section.get_by_role(
        "link", name="Corrigeren bedreiging gemeld na de aangifte 20 februari 2025"
    ).click()
    check_accessibility(page)
    page.get_by_label("Datum").fill("2025-02-21")
    page.get_by_role("button", name="Correctie opslaan").click()
    expect(page.locator(".messages")).to_contain_text("Het veiligheidsfeit is gecorrigeerd.")
    facts = page.get_by_test_id("safety-fact")
    expect(facts).to_have_count(2)
    expect(facts.first).to_contain_text("Gecorrigeerd – niet meer geldig")
    expect(facts.nth(1)).to_contain_text("21 februari 2025")
    assert axe(page) == []
    at_phone_width(page, "case-safety-undone-phone")
    assert broken_assets == []

"""At phone width (375 px) the header menu wraps instead of pushing the page sideways, for the
roles with the longest menus, and the four-eyes page (Goedkeuringen) fits with a pending request."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from inbeeld.accounts.models import Membership, Organisation, Role, User
from inbeeld.approvals import services as approvals
from inbeeld.approvals.admin_guard import MEMBERSHIP_FIELDS
from inbeeld.reference.models import PoliceUnit

from .test_case_flow import check_accessibility, log_in, snapshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}


def _page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("username", ["onderzoeker", "coordinator.nh", "fg", "beheerder"])
def test_the_menu_wraps_at_phone_width(page: Page, demo_users, username):
    log_in(page, username)
    page.set_viewport_size(PHONE)
    page.goto("/")
    check_accessibility(page)
    assert _page_width(page) <= PHONE["width"], f"{username}: the page scrolls sideways"
    # Every menu item stays inside the screen.
    outside = page.evaluate(
        "() => Array.from(document.querySelectorAll('.site-header nav a'))"
        ".filter(a => a.getBoundingClientRect().right > innerWidth + 1).map(a => a.textContent)"
    )
    assert outside == []


def test_a_pending_grant_can_be_decided_at_phone_width(page: Page, demo_users):
    administrator = User.objects.get(username="beheerder")
    grantee = User.objects.get(username="politie.limburg")
    organisation = Organisation.objects.get(memberships__user=grantee)
    membership = Membership(
        user=grantee,
        organisation=organisation,
        role=Role.POLICE_OFFICER,
        police_unit=PoliceUnit.objects.get(code="amsterdam"),
    )
    approvals.change_request_create(
        actor=administrator,
        model=Membership,
        obj=None,
        before={},
        changes=approvals.values_of(membership, MEMBERSHIP_FIELDS),
        subject_user=grantee,
    )
    log_in(page, "fg")
    page.set_viewport_size(PHONE)
    page.goto("/goedkeuringen/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Goedkeuringen")
    check_accessibility(page)
    assert _page_width(page) <= PHONE["width"]
    snapshot(page, "goedkeuringen-telefoon")


@pytest.mark.parametrize(
    "path",
    ["/evaluatie/", "/evaluatie/psychologist/", "/evaluatie/doorlooptijden/"],
)
def test_the_evaluation_fits_at_phone_width(page: Page, demo_users, path):
    """The verdicts, the sensitivity tables and the charts scroll inside their own boxes; the page
    itself never scrolls sideways."""
    from inbeeld.demo.generator import DemoConfig, generate

    generate(DemoConfig(cases=600, seed=2021))
    log_in(page, "onderzoeker")
    page.set_viewport_size(PHONE)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page)
    assert _page_width(page) <= PHONE["width"], f"{path} scrolls sideways at phone width"
    snapshot(page, "evaluatie-telefoon-" + (path.strip("/").replace("/", "-") or "start"))

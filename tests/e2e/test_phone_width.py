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
from .test_signaller_feedback import school_signal  # noqa: F401 (a fixture used below)

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


# --- Tables at 390 px and the printable case summary (issue 14 item 14) -------------------------

PHONE_390 = {"width": 390, "height": 844}
# Elements that overflow the screen, outside the boxes that scroll on purpose (a wide statistical
# table or chart scrolls inside its own focusable region); none may stick out past the right edge.
OVERFLOWING_JS = """() => {
  const w = document.documentElement.clientWidth;
  return Array.from(document.body.querySelectorAll('*'))
    .filter(el => !el.closest('.table-wrap, .pilot-chart-wrap'))
    .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right > w + 1; })
    .slice(0, 5)
    .map(el => `${el.tagName.toLowerCase()}.${el.className}: ${(el.textContent || '').trim().slice(0, 40)}`);
}"""
# The stacked work lists: their region must not scroll at all (every column is in view).
SCROLLING_STACKS_JS = """() => Array.from(document.querySelectorAll('.table-wrap'))
  .filter(w => w.querySelector('table.table-stack') && w.scrollWidth > w.clientWidth + 1)
  .map(w => w.getAttribute('aria-label') || w.getAttribute('aria-labelledby'))"""


def _fits_phone(page: Page) -> None:
    width = _page_width(page)
    assert width <= PHONE_390["width"], f"{page.url} scrolls sideways at 390 px ({width}px)"
    assert page.evaluate(OVERFLOWING_JS) == [], f"{page.url}: elements past the right edge"


def _cells_in_view(page: Page, column: str) -> list[str]:
    """The texts of the cells of ``column`` (by data-label), each asserted inside the screen."""
    cells = page.locator(f'table.table-stack td[data-label="{column}"]')
    assert cells.count() > 0, f"no '{column}' cells on {page.url}"
    texts = []
    for index in range(cells.count()):
        cell = cells.nth(index)
        box = cell.bounding_box()
        assert box is not None, f"'{column}' cell {index} is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_390["width"] + 1, (column, box)
        texts.append(" ".join(cell.inner_text().split()))
    return texts


@pytest.fixture
def asked_signal(demo_users, request):
    """The demo school's signal (test_signaller_feedback) with the coordinator's open question."""
    from inbeeld.intake import services

    signal = request.getfixturevalue("school_signal")
    services.signal_ask(
        actor=demo_users["coordinator.nh"], signal=signal, question="Sinds wanneer?"
    )
    return signal


def test_the_teachers_own_signals_fit_a_phone(page: Page, asked_signal):
    """'Vraag voor u' was cut off at 390 px: now each signal is a card with every column."""
    signal = asked_signal
    log_in(page, "school.zaandam")
    page.set_viewport_size(PHONE_390)
    page.goto("/signalen/mijn/")
    check_accessibility(page)
    _fits_phone(page)
    assert page.evaluate(SCROLLING_STACKS_JS) == []
    assert _cells_in_view(page, "Vraag") == ["Vraag voor u"]
    assert _cells_in_view(page, "Status") == [signal.get_status_display()]
    expect(page.get_by_text("Vraag voor u")).to_be_in_viewport()
    # The cards are still a table for assistive technology: the header row (visually hidden)
    # names each cell, which is why the drawn labels carry empty alternative text.
    expect(page.get_by_role("columnheader", name="Vraag", exact=True)).to_have_count(1)
    expect(page.get_by_role("cell", name="Vraag voor u")).to_be_visible()
    snapshot(page, "telefoon-mijn-signalen")


def test_the_coordinators_queue_fits_a_phone(page: Page, asked_signal):
    """'Termijn' was cut off at 390 px: status and deadline are in view on every card."""
    log_in(page, "coordinator.nh")
    page.set_viewport_size(PHONE_390)
    page.goto("/signalen/")
    check_accessibility(page)
    _fits_phone(page)
    assert page.evaluate(SCROLLING_STACKS_JS) == []
    assert all(_cells_in_view(page, "Termijn"))
    assert all(_cells_in_view(page, "Status"))
    snapshot(page, "telefoon-wachtrij")


@pytest.fixture
def demo_data(demo_users):
    from inbeeld.demo.generator import DemoConfig, generate

    generate(DemoConfig(cases=80, seed=2021))
    return demo_users


@pytest.mark.parametrize(
    "username",
    ["coordinator.nh", "politie.amsterdam", "ovj.amsterdam", "onderzoeker", "fg", "school.zaandam"],
)
def test_each_roles_main_pages_fit_a_phone(page: Page, demo_data, username):
    """Every page of the role's menu, and the first case it lists with its summary, at 390 px:
    nothing sticks out past the right edge; wide tables scroll inside their own region."""
    log_in(page, username)
    # The monitor and the evaluation compute on first open: slower than a click on a busy machine.
    page.set_default_navigation_timeout(60_000)
    page.set_viewport_size(PHONE_390)
    page.goto("/")
    paths = page.evaluate(
        "() => Array.from(document.querySelectorAll('.site-header nav a'))"
        ".map(a => a.getAttribute('href'))"
    )
    visited = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        _fits_phone(page)
        assert page.evaluate(SCROLLING_STACKS_JS) == [], path
        visited.append(path)
        snapshot(page, f"telefoon-{username}-" + (path.strip("/").replace("/", "-") or "start"))
        if path == "/casussen/":
            first = page.locator("table.table-stack td[data-label='Casuscode'] a").first
            code = first.inner_text()
            assert _cells_in_view(page, "Fase")
            for case_path in (f"/casussen/{code}/", f"/casussen/{code}/samenvatting/"):
                page.goto(case_path)
                _fits_phone(page)
                visited.append(case_path)
                snapshot(page, f"telefoon-{username}-" + case_path.strip("/").replace("/", "-"))
    assert visited, f"{username} has no pages in the menu"

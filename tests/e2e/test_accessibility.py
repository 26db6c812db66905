"""Accessibility as a test (issue 14, item 12): axe-core runs on every page a role reaches.

Each demo role logs in, then axe-core (npm package, injected by the ``axe`` fixture of
conftest.py) checks the pages of its menu, its account pages, one case page (or signal page) it
may see with the case's printable summary, and forms submitted empty so that they show their
errors. Any violation fails the test,
reported as rule id, impact and the CSS targets of the offending elements.
No page is exempt.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from inbeeld.demo.generator import DemoConfig, generate

from .conftest import store_research_results
from .test_case_flow import log_in

pytestmark = pytest.mark.e2e

ROLES = [
    "coordinator.nh",
    "politie.amsterdam",
    "ovj.amsterdam",
    "rc.amsterdam",
    "psycholoog.amsterdam",
    "ervaringsdeskundige.limburg",
    "onderzoeker",
    "fg",
    "beheerder",
    "school.zaandam",
]

CASE_LINK = re.compile(r"^/casussen/IB-[2-9A-Z]{4}-[2-9A-Z]{4}/$")
SIGNAL_LINK = re.compile(r"^/signalen/(mijn/)?[A-Z0-9-]{6,}/$")

# Forms each role can reach, sent empty (browser validation off) so that they show their errors.
FORMS_WITH_ERRORS = {
    "politie.amsterdam": ["/casussen/nieuw/", "/casussen/noodtoegang/"],
    "school.zaandam": ["/signalen/nieuw/"],
    "beheerder": ["/beheer/accounts/user/add/"],
}
EVERY_ROLE_FORMS = ["/account/wachtwoord/"]
# Pages whose search form shows an error straight from the address.
PAGES_WITH_ERRORS = {"fg": ["/privacy/auditlog/?date_from=2024-02-01&date_to=2024-01-01"]}


def _menu_paths(page: Page) -> list[str]:
    hrefs = page.evaluate(
        "() => Array.from(document.querySelectorAll('.site-header a[href^=\"/\"]'))"
        ".map(a => a.getAttribute('href'))"
    )
    seen: list[str] = []
    for href in hrefs:
        path = href.split("#", 1)[0]
        if path and path not in seen and "uitloggen" not in path:
            seen.append(path)
    return seen


def _first_link(page: Page, pattern: re.Pattern[str]) -> str | None:
    hrefs = page.evaluate(
        "() => Array.from(document.querySelectorAll('main a[href]')).map(a => a.getAttribute('href'))"
    )
    return next((h for h in hrefs if pattern.match(h)), None)


def _submit_empty(page: Page) -> bool:
    """Submit the page's main form with browser validation off, so the server answers; False
    when the page has no form to send (the page itself was checked already)."""
    page.evaluate("() => document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    submit = page.locator(
        "main form[method=post] button:not([type=button]):not([type=reset]),"
        " #content form[method=post] [type=submit]"
    )
    if not submit.count():
        return False
    submit.last.click()
    page.wait_for_load_state("load")
    return True


def _admin_paths(page: Page) -> list[str]:
    """The administrator's pages: every list of the admin, its add forms and one change form
    per list (the user form first of all)."""
    page.goto("/beheer/")
    lists = page.evaluate(
        "() => Array.from(document.querySelectorAll('#content-main a[href^=\"/beheer/\"]'))"
        ".map(a => a.getAttribute('href'))"
    )
    paths: list[str] = []
    for path in lists:
        if path not in paths:
            paths.append(path)
    for path in [p for p in paths if not p.endswith("/add/")]:
        page.goto(path)
        change = page.evaluate(
            "() => { const a = document.querySelector('#result_list tbody a[href]');"
            " return a ? a.getAttribute('href') : null; }"
        )
        if change and change not in paths:
            paths.append(change)
    return paths


def _check(page: Page, axe, path: str, found: dict[str, list[str]], *, label: str = "") -> None:
    violations = axe(page)
    if violations:
        found[f"{path}{label}"] = violations


@pytest.fixture
def demo_data(demo_users):
    generate(DemoConfig(cases=120, seed=2021))
    return demo_users


def _report(username: str, found: dict[str, list[str]]) -> str:
    lines = [f"axe-core violations for {username}:"]
    for where, violations in found.items():
        lines.append(f"  {where}")
        lines.extend(f"    - {v}" for v in violations)
    return "\n".join(lines)


@pytest.mark.parametrize("username", ROLES)
def test_every_page_a_role_reaches_passes_axe(page: Page, demo_data, axe, username):
    if username == "onderzoeker":
        store_research_results(username)
    log_in(page, username)
    found: dict[str, list[str]] = {}
    _check(page, axe, "/", found)
    paths = _menu_paths(page)
    detail_paths: list[str] = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status < 400, f"{path}: {response.status}"
        _check(page, axe, path, found)
        for pattern in (CASE_LINK, SIGNAL_LINK):
            link = _first_link(page, pattern)
            if link and link not in detail_paths and len(detail_paths) < 3:
                detail_paths.append(link)
    if username == "beheerder":
        detail_paths += _admin_paths(page)
    form_paths = FORMS_WITH_ERRORS.get(username, []) + EVERY_ROLE_FORMS
    for path in list(detail_paths):
        page.goto(path)
        _check(page, axe, path, found)
        # The printable summary of every case page the role reaches (issue 14 item 14).
        summary = f"{path}samenvatting/"
        if CASE_LINK.match(path) and page.locator(f'main a[href="{summary}"]').count():
            page.goto(summary)
            _check(page, axe, summary, found)
            page.goto(path)
        event_form = f"{path}gebeurtenis/"
        if CASE_LINK.match(path) and page.locator(f'main a[href="{event_form}"]').count():
            form_paths.insert(0, event_form)
    for path in PAGES_WITH_ERRORS.get(username, []):
        page.goto(path)
        _check(page, axe, path, found, label=" (met foutmeldingen)")
    for path in form_paths:
        page.goto(path)
        _check(page, axe, path, found)
        # Every path here is a form (listed, or a case's event form): one that cannot be sent
        # would skip the error check silently, so it fails the test — unless the page says in
        # Dutch that there is nothing to record in this phase (issue 14 item 2).
        if page.get_by_test_id("nothing-to-record").count():
            continue
        assert _submit_empty(page), f"{path}: no form to send with errors"
        expect(page.locator(".errorlist, .error-summary, .errornote").first).to_be_visible()
        _check(page, axe, path, found, label=" (met foutmeldingen)")
    assert found == {}, _report(username, found)

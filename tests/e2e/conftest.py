"""Browser-test harness: Playwright (sync API) driving Debian's Chromium against `live_server`.

- The browser is Debian's Chromium (/usr/bin/chromium, or INBEELD_CHROMIUM); Playwright's own
  browser download is never used. A missing browser makes the tests FAIL (never skip).
- `live_server` (pytest-django) implies transactional_db: the database is flushed after each test
  and the reference data comes back through the post_migrate hook (checked in `demo_users`).
- Playwright's sync API keeps an asyncio loop running in this thread, so Django would refuse
  database access from the test thread (SynchronousOnlyOperation). DJANGO_ALLOW_ASYNC_UNSAFE is
  set for exactly as long as Playwright runs (the `browser` fixture), not for the whole session,
  so the guard stays active for every other test.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = os.environ.get("INBEELD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
DEFAULT_TIMEOUT_MS = 10_000

_reports_key = pytest.StashKey[dict]()


def _chromium_path() -> str | None:
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which(CHROMIUM)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = _chromium_path()
    if path is None:
        pytest.fail(
            f"Chromium ontbreekt / Chromium is missing: {CHROMIUM}\n"
            "The end-to-end tests need Debian's chromium package: `apt-get install -y chromium` "
            "(or point INBEELD_CHROMIUM at a Chromium binary). They are never skipped.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="module")
def browser(chromium_executable: str) -> Iterator[Browser]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_executable, args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield browser
            finally:
                browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_reports_key, {})[report.when] = report
    return report


@pytest.fixture
def broken_assets() -> list[str]:
    """Sub-resources (stylesheets, scripts, images) of the pages visited that did not load.

    Filled by `page`; a test asserts it is empty (an unstyled page is a broken page)."""
    return []


@pytest.fixture
def page(browser: Browser, live_server, broken_assets: list[str], request) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test, pointed at the live server.

    On failure a full-page screenshot lands in test-results/ (gitignored)."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        viewport={"width": 1280, "height": 900},
        # Only for tests that use `axe`: the app's CSP (script-src 'self') would refuse the
        # injected axe-core. The app's own scripts stay as they are; every other test keeps
        # the CSP in force.
        bypass_csp="axe" in request.fixturenames,
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    page = context.new_page()

    def note(problem: str) -> None:
        if problem not in broken_assets:
            broken_assets.append(problem)

    def on_response(response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            note(f"{response.status} {response.url}")

    def on_request_failed(request) -> None:
        if request.resource_type != "document":
            note(f"{request.failure} {request.url}")

    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    try:
        yield page
    finally:
        reports = request.node.stash.get(_reports_key, {})
        if any(r.failed for r in reports.values()):
            RESULTS_DIR.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            try:
                page.screenshot(path=RESULTS_DIR / f"FAILED-{name}.png", full_page=True)
            except Exception:  # noqa: S110 (best effort: never mask the real failure)
                pass
        context.close()


@pytest.fixture
def demo_users(transactional_db, browser):
    """The demo organisations, users and memberships (password DEMO_PASSWORD).

    Requests `browser` first so DJANGO_ALLOW_ASYNC_UNSAFE is in place before this touches the
    database from a thread where Playwright's loop may already run."""
    from inbeeld.demo.accounts import ensure_demo_accounts
    from inbeeld.reference.models import ChainEventType, ExploitationForm, PoliceUnit

    # live_server means TransactionTestCase semantics: the previous test's flush emptied every
    # table; the post_migrate hook (reference.sync) must have put the reference rows back.
    assert PoliceUnit.objects.filter(code="amsterdam").exists(), "reference data missing"
    assert ExploitationForm.objects.filter(code="sexual").exists(), "reference data missing"
    assert ChainEventType.objects.filter(code="complaint_filed").exists(), "reference data missing"
    return ensure_demo_accounts()


# --- axe-core ---------------------------------------------------------------------------------
# axe-core comes from npm (package.json), installed into node_modules/ by `make install-test`;
# it is never committed and never served by the application: the test injects it into the page.
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A/AA plus axe's best practices; the rules that need a human stay out of it.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core ontbreekt / axe-core is missing: {AXE_JS}\n"
            "Run `make install-test` (it runs `npm install` for package.json). "
            "The accessibility tests are never skipped.",
            pytrace=False,
        )
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source: str):
    """``axe(page)``: the axe-core violations on the page as it is now, as readable lines
    ("rule-id (impact): help -> target, target ..."); an empty list means none."""

    def run(page: Page) -> list[str]:
        page.wait_for_load_state("load")
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(content=axe_source)
        result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        lines = []
        for violation in result["violations"]:
            targets = ", ".join(
                " ".join(map(str, node["target"])) for node in violation["nodes"][:10]
            )
            more = len(violation["nodes"]) - 10
            lines.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}"
                + (f" (+{more} more)" if more > 0 else "")
            )
        return lines

    return run


def store_research_results(username: str) -> None:
    """What the worker has done before a researcher looks (jobs.results): the research pages
    then serve their stored figures, as in production, instead of computing them on the first
    view (the test settings' INBEELD_RESULTS_AT_ONCE) past the browser's time-out."""
    from inbeeld.accounts.models import User
    from inbeeld.analysis.evaluation import stored_evaluation
    from inbeeld.pilot.dashboard import stored_dashboard
    from inbeeld.publication.stored_results import stored_monitor

    user = User.objects.get(username=username)
    for stored in (stored_evaluation, stored_monitor, stored_dashboard):
        assert stored(user).ready

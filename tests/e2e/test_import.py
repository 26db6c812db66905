"""End to end, in Chromium (issue 16 "done when"): a coordinator imports a file with errors, reads
the dry-run report (error summary that takes focus, the problems table, the report file), uploads
the corrected file, commits it per row (the real worker runs the job), and imports the same file
again: "niets gewijzigd". axe-core on every page; the pages fit a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.imports.helpers import case_row, csv_bytes
from tests.jobs.helpers import run_worker

from .test_case_flow import check_accessibility, log_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 800}


def _rows(gender="vrouw"):
    rows = []
    for d in ("NH-1", "NH-2"):
        rows.append(case_row(d, "E1", "signal_received", "2024-03-02", eenheid="noord-holland"))
        rows.append(
            case_row(d, "E2", "Veiligheidsinschatting", "2024-03-05", eenheid="noord-holland")
        )
    rows.append(case_row("NH-3", eenheid="noord-holland", geslacht=gender))
    return rows


def _upload(page: Page, data: bytes, name="dossiers.csv") -> None:
    page.goto("/importeren/")
    check_accessibility(page)
    page.get_by_label("casussen met gebeurtenissen").check()
    page.get_by_label("Bestand (CSV of Excel)").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Controleren (proefimport)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import")


def _fits(page: Page) -> None:
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    page.set_viewport_size({"width": 1280, "height": 900})


def _commit(page: Page) -> None:
    page.get_by_label("Per rij: goede rijen invoeren, rijen met een fout overslaan").check()
    page.get_by_test_id("commit").click()
    expect(page.get_by_test_id("import-status")).to_have_text("wordt ingevoerd")
    expect(page.get_by_test_id("job")).to_be_visible()
    run_worker()  # the real database worker, as `inbeeld worker` runs it
    # imports.js sees the job finish and reloads the page.
    expect(page.get_by_test_id("import-status")).to_have_text("ingevoerd", timeout=15_000)


def test_upload_with_errors_fix_commit_and_import_again(page: Page, demo_users, axe):
    from inbeeld.cases.models import Case

    log_in(page, "coordinator.nh")
    page.get_by_role("link", name="Importeren uit een bestand").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importeren")
    assert axe(page) == []
    _fits(page)

    # 1. A file with an error: the dry run reports it, focused, with row, column and code.
    _upload(page, csv_bytes(_rows(gender="onzijdig")))
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("1 rij heeft een fout")
    problems = page.get_by_test_id("problems")
    expect(problems).to_contain_text("geslacht")
    expect(problems).to_contain_text("onzijdig")
    expect(problems).to_contain_text("waarde_onbekend")
    expect(page.get_by_test_id("count-create")).to_have_text("4")
    assert axe(page) == []
    _fits(page)
    with page.expect_download() as download:
        page.get_by_test_id("report-download").click()
    report = download.value.path().read_bytes().decode("utf-8-sig")
    assert report.splitlines()[0].endswith(";resultaat;melding")
    assert "wordt aangemaakt" in report and "Onbekende waarde" in report
    assert not Case.objects.exists()  # a dry run writes nothing

    # 2. The corrected file replaces the open import: no errors, then commit per row.
    page.get_by_role("link", name="Een verbeterd bestand uploaden").click()
    _upload(page, csv_bytes(_rows()))
    expect(page.get_by_test_id("count-create")).to_have_text("5")
    expect(page.get_by_test_id("count-error")).to_have_text("0")
    expect(page.get_by_test_id("error-summary")).to_have_count(0)
    _commit(page)
    expect(page.get_by_test_id("count-create")).to_have_text("5")
    assert Case.objects.count() == 3
    assert axe(page) == []

    # 3. The same file again: nothing changes.
    _upload(page, csv_bytes(_rows()))
    expect(page.get_by_test_id("count-unchanged")).to_have_text("5")
    _commit(page)
    expect(page.get_by_test_id("nothing-changed")).to_contain_text("Niets gewijzigd")
    assert Case.objects.count() == 3
    assert axe(page) == []


def test_a_large_file_is_checked_in_the_background_with_progress(
    page: Page, demo_users, axe, settings
):
    """A file above INBEELD_IMPORT_CHECK_IN_REQUEST_ROWS gets its dry run from the worker: the
    page shows the progress (no commit yet), then reloads itself with the dry run's result."""
    from inbeeld.cases.models import Case

    settings.INBEELD_IMPORT_CHECK_IN_REQUEST_ROWS = 2
    log_in(page, "coordinator.nh")
    _upload(page, csv_bytes(_rows()))
    expect(page.get_by_test_id("job")).to_be_visible()
    expect(page.get_by_test_id("commit")).to_have_count(0)
    expect(page.get_by_test_id("cancel")).to_be_visible()  # no dead end while it runs
    assert axe(page) == []
    _fits(page)
    run_worker()
    # imports.js sees the job finish and reloads the page with the result.
    expect(page.get_by_test_id("count-create")).to_have_text("5", timeout=15_000)
    expect(page.get_by_test_id("job")).to_have_count(0)
    assert axe(page) == []
    _commit(page)
    expect(page.get_by_test_id("count-create")).to_have_text("5")
    assert Case.objects.count() == 3

"""The web commit runs as a background job (issue 16 item 9): the import moves to "wordt
ingevoerd" at once (no cancel, no second commit), the real database worker commits it with
progress per batch, and the job's own file is a summary without case data."""

from __future__ import annotations

import pytest

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditEvent
from inbeeld.cases.models import Case
from inbeeld.imports.models import ImportRun, ImportStatus
from inbeeld.imports.services import (
    ImportRefused,
    import_cancel,
    import_check,
    import_queue,
    import_upload,
)
from inbeeld.jobs.models import Job, JobStatus
from tests.factories import make_user
from tests.imports.helpers import csv_bytes, good_rows
from tests.jobs.helpers import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_commits_a_queued_import_with_progress(settings):
    settings.INBEELD_IMPORT_BATCH_ROWS = 2  # two dossiers: two batches, two progress steps
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    run = import_check(
        actor=coordinator, kind="cases", file_name="dossiers.csv", data=csv_bytes(good_rows())
    )
    run, job = import_queue(actor=coordinator, run=run, mode="row")
    assert run.status == ImportStatus.COMMITTING and run.job_id == job.pk
    with pytest.raises(ImportRefused):
        import_cancel(actor=coordinator, run=run)
    with pytest.raises(ImportRefused):
        import_queue(actor=coordinator, run=run, mode="row")
    assert not Case.objects.exists()

    run_worker()

    run = ImportRun.objects.get(pk=run.pk)
    job = Job.objects.get(pk=job.pk)
    assert run.status == ImportStatus.DONE and run.counts["create"] == 4
    assert Case.objects.count() == 2
    assert job.status == JobStatus.DONE and job.steps_done == job.steps_total == 3
    summary = bytes(job.result).decode()
    assert "nieuw 4" in summary
    assert "notitie" not in summary and "D-1" not in summary


def test_a_large_upload_is_checked_by_the_worker_with_progress(settings):
    settings.INBEELD_IMPORT_CHECK_IN_REQUEST_ROWS = 3  # good_rows() has 4 rows
    settings.INBEELD_IMPORT_BATCH_ROWS = 2
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    run = import_upload(
        actor=coordinator, kind="cases", file_name="dossiers.csv", data=csv_bytes(good_rows())
    )
    assert run.status == ImportStatus.CHECKED and not run.is_checked and run.job_id
    # Nothing to commit before the dry run's result is there.
    with pytest.raises(ImportRefused) as refused:
        import_queue(actor=coordinator, run=run, mode="row")
    assert refused.value.code == "proefimport"

    run_worker()

    run = ImportRun.objects.get(pk=run.pk)
    job = Job.objects.get(pk=run.job_id)
    assert job.kind == "import_check_cases" and job.status == JobStatus.DONE
    assert job.steps_done == job.steps_total == 3
    assert run.is_checked and run.counts["create"] == 4 and run.report_ciphertext
    assert not Case.objects.exists()  # a dry run writes nothing
    assert AuditEvent.objects.filter(action="import.checked", subject_ref=str(run.pk)).exists()
    summary = bytes(job.result).decode()
    assert "aangemaakt 4" in summary and "D-1" not in summary

    run, job = import_queue(actor=coordinator, run=run, mode="row")
    run_worker()
    assert ImportRun.objects.get(pk=run.pk).status == ImportStatus.DONE
    assert Case.objects.count() == 2


def test_a_small_upload_is_checked_at_once(settings):
    settings.INBEELD_IMPORT_CHECK_IN_REQUEST_ROWS = 4
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    run = import_upload(
        actor=coordinator, kind="cases", file_name="dossiers.csv", data=csv_bytes(good_rows())
    )
    assert run.is_checked and run.job_id is None and run.counts["create"] == 4


def test_a_cancelled_upload_keeps_no_result_of_its_queued_dry_run(settings):
    settings.INBEELD_IMPORT_CHECK_IN_REQUEST_ROWS = 1
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    run = import_upload(
        actor=coordinator, kind="cases", file_name="dossiers.csv", data=csv_bytes(good_rows())
    )
    import_cancel(actor=coordinator, run=run)
    run_worker()
    run = ImportRun.objects.get(pk=run.pk)
    assert run.status == ImportStatus.CANCELLED and not run.is_checked
    assert not AuditEvent.objects.filter(action="import.checked").exists()

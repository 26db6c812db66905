"""The web commit runs as a background job (issue 16 item 9): the import moves to "wordt
ingevoerd" at once (no cancel, no second commit), the real database worker commits it with
progress per batch, and the job's own file is a summary without case data."""

from __future__ import annotations

import pytest

from inbeeld.accounts.models import Role
from inbeeld.cases.models import Case
from inbeeld.imports.models import ImportRun, ImportStatus
from inbeeld.imports.services import ImportRefused, import_cancel, import_check, import_queue
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

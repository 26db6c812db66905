"""The one task the worker runs: a queued job (jobs.services.job_run does the work)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: str) -> None:
    from inbeeld.jobs.services import job_run

    job_run(job_id)

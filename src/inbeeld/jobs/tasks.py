"""The tasks the worker runs: a queued job (jobs.services.job_run does the work) and the
recomputation of the stored research results (jobs.results)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: str) -> None:
    from inbeeld.jobs.services import job_run

    job_run(job_id)


@task()
def recompute_results() -> int:
    from inbeeld.jobs.results import results_recompute

    return results_recompute()

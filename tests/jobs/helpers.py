"""Fetch a file that a background job makes, the way a user does: press the button (POST), let
the real database worker run the queue (`inbeeld worker --batch`), then fetch the file."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.db import connection


def run_worker() -> str:
    """The worker reads committed rows and opens its own transactions (as in production): a test
    that runs it must be transactional (``@pytest.mark.django_db(transaction=True)``)."""
    assert not connection.in_atomic_block, "run the worker in a transactional test"
    out = io.StringIO()
    call_command("worker", batch=True, startup_delay=False, interval=0, stdout=out, stderr=out)
    return out.getvalue()


def fetch_via_job(client, url: str):
    """POST ``url`` (the job's start page), run the worker, GET the file. Returns the response
    of the download (a redirect to the job's page when the job did not finish)."""
    started = client.post(url)
    assert started.status_code == 302, (url, started.status_code)
    job_page = started["Location"]
    assert job_page.startswith("/taken/"), job_page
    run_worker()
    return client.get(job_page + "bestand/")

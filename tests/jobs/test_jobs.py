"""Background jobs (issue 14 item 16, issue 15 item 2): a PDF report is made by the database worker
while the page shows its progress; the file goes only to the one who asked, while the policy allows
it, with the release's audit row; a failed job says why in Dutch and can be retried."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from inbeeld import policy
from inbeeld.accounts.models import Membership, Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.jobs import registry, services
from inbeeld.jobs.models import Job, JobStatus
from inbeeld.jobs.registry import JobKind
from tests.conftest import session_for
from tests.factories import make_user
from tests.jobs.helpers import fetch_via_job, run_worker
from tests.publication.test_reports import _pdf_text, build_world

# The worker commits as in production: these tests are transactional (tests/jobs/helpers.py).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(db):
    return build_world()


def _reports():
    return AuditEvent.objects.filter(action=AuditAction.REPORT_CREATED)


def test_the_start_page_explains_and_a_press_queues_one_job(world):
    client = session_for(world.researcher)
    url = reverse("reports:evaluation", args=["pdf"])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Evaluatierapport (PDF)" in html and "Bestand laten maken" in html
    assert Job.objects.count() == 0  # looking is not asking
    response = client.post(url)
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.status, job.requested_by) == (
        "evaluation_pdf",
        JobStatus.QUEUED,
        world.researcher,
    )
    # The queue row of django-tasks is written with the job, in one transaction.
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["args"] == [str(job.pk)]
    detail = client.get(response["Location"]).content.decode()
    assert "Wacht op zijn beurt" in detail and 'value="0"' in detail
    assert "Stand bijwerken" in detail and "Bestand ophalen" in detail  # the link is hidden


def test_the_worker_makes_the_pdf_with_progress_and_the_download_is_audited(world):
    client = session_for(world.researcher)
    client.post(reverse("reports:monitor", args=["pdf"]))
    job = Job.objects.get()
    assert not _reports().exists()
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.steps_done == job.steps_total >= 3 and job.percent == 100
    assert job.started_at <= job.finished_at
    state = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert state["status"] == "done" and state["label"] == "Klaar" and state["finished"]
    assert state["download"] == reverse("jobs:download", args=[job.pk])
    assert not _reports().exists()  # made, not yet handed over
    response = client.get(state["download"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "Monitor" in _pdf_text(response.content)
    row = _reports().get()
    assert (row.actor, row.subject_ref) == (world.researcher, "monitor")
    assert row.extra == {"format": "pdf", "bytes": len(response.content), "job": str(job.pk)}


def test_the_file_goes_only_to_the_one_who_asked(world):
    client = session_for(world.researcher)
    fetch_via_job(client, reverse("reports:evaluation", args=["pdf"]))
    job = Job.objects.get()
    colleague = session_for(make_user(Role.RESEARCHER, username="onderzoeker.twee"))
    for name in ("jobs:detail", "jobs:status", "jobs:download"):
        assert colleague.get(reverse(name, args=[job.pk])).status_code == 404, name
    assert colleague.post(reverse("jobs:retry", args=[job.pk])).status_code == 404
    assert _reports().count() == 1


def test_rights_taken_away_before_the_run_fail_the_job_in_dutch(world):
    client = session_for(world.researcher)
    client.post(reverse("reports:evaluation", args=["pdf"]))
    Membership.objects.filter(user=world.researcher).delete()
    assert not policy.can(world.researcher, policy.Action.EVALUATION_READ)
    run_worker()
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert job.error == "U heeft geen toegang meer tot dit bestand; de taak is niet uitgevoerd."
    assert job.result is None and not _reports().exists()
    # ... and the page is gone for them as well: without any role they reach nothing.
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert page.status_code == 403 and "nog geen toegang" in page.content.decode()


@pytest.fixture
def broken_kind():
    def run(user, params, step):
        step("eerste stap")
        if params.get("mode") == "invalid":
            raise ValidationError("De gegevens tot en met-datum ligt in de toekomst.")
        raise RuntimeError("disk full")

    kind = JobKind(
        code="test_broken",
        label="Testbestand",
        action=policy.Action.EVALUATION_READ,
        run=run,
        released=lambda user, job: None,
        steps=lambda params: 2,
        back_url="reports:index",
    )
    registry.register(kind)
    yield kind
    registry._KINDS.pop(kind.code)


def test_a_failed_job_says_why_in_dutch_and_can_be_retried(world, broken_kind):
    client = session_for(world.researcher)
    job = services.job_request(actor=world.researcher, kind="test_broken", params={"mode": "x"})
    invalid = services.job_request(
        actor=world.researcher, kind="test_broken", params={"mode": "invalid"}
    )
    run_worker()
    job.refresh_from_db()
    invalid.refresh_from_db()
    assert job.status == invalid.status == JobStatus.FAILED
    assert job.error.startswith("Er ging iets mis bij het maken van het bestand.")
    assert str(job.pk)[:8] in job.error and "disk full" not in job.error
    assert invalid.error == "De gegevens tot en met-datum ligt in de toekomst."
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Mislukt" in page and "Opnieuw laten maken" in page
    # The file of a failed job is not there: its page, not a 500.
    assert client.get(reverse("jobs:download", args=[job.pk]))["Location"] == reverse(
        "jobs:detail", args=[job.pk]
    )
    response = client.post(reverse("jobs:retry", args=[job.pk]))
    again = Job.objects.get(retry_of=job)
    assert response["Location"] == reverse("jobs:detail", args=[again.pk])
    assert (again.status, again.params) == (JobStatus.QUEUED, {"mode": "x"})


def test_only_a_failed_or_expired_job_is_retried(world):
    job = services.job_request(actor=world.researcher, kind="evaluation_pdf")
    with pytest.raises(ValidationError):
        services.job_retry(actor=world.researcher, job=job)
    assert Job.objects.count() == 1


def test_the_status_changes_follow_the_table(world):
    job = services.job_request(actor=world.researcher, kind="evaluation_pdf")
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    with pytest.raises(ValidationError, match="van 'klaar' naar 'wordt gemaakt'"):
        services._move(job, JobStatus.RUNNING)
    # A task that runs twice (a worker restarted mid-way) does not run the job again.
    finished = job.finished_at
    services.job_run(str(job.pk))
    job.refresh_from_db()
    assert job.finished_at == finished


def test_files_expire_after_a_day_and_can_be_made_again(world):
    client = session_for(world.researcher)
    response = fetch_via_job(client, reverse("reports:evaluation", args=["pdf"]))
    assert response.status_code == 200
    job = Job.objects.get()
    assert services.jobs_expire(now=timezone.now() + dt.timedelta(hours=23)) == 0
    assert services.jobs_expire(now=timezone.now() + dt.timedelta(hours=25)) == 1
    job.refresh_from_db()
    assert (job.status, job.result) == (JobStatus.EXPIRED, None)
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download["Location"] == reverse("jobs:detail", args=[job.pk])
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Verlopen" in page and "Opnieuw laten maken" in page


def test_roles_without_the_reports_cannot_ask(world):
    client = session_for(make_user(Role.POLICE_OFFICER, username="agent.taak"))
    for fmt_url in (
        reverse("reports:evaluation", args=["pdf"]),
        reverse("reports:monitor", args=["pdf"]),
    ):
        assert client.post(fmt_url).status_code == 403
    assert not Job.objects.exists() and not DBTaskResult.objects.exists()


def test_microdata_is_made_on_the_background_and_released_only_with_the_agreement(
    world, monkeypatch
):
    from inbeeld.publication import agreement
    from inbeeld.publication.services import data_use_agreement_accept

    data_use_agreement_accept(actor=world.researcher, version=agreement.VERSION)
    client = session_for(world.researcher)
    url = reverse("reports:microdata", args=["xlsx"])
    assert "Microdata (Excel, XLSX)" in client.get(url).content.decode()
    client.post(url)
    run_worker()
    job = Job.objects.get()
    assert job.status == JobStatus.DONE, job.error
    assert job.result_meta["rows"] > 0 and job.result_meta["format"] == "xlsx"
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT_CREATED)
    assert not exports.exists()  # built, not handed over
    # A new version of the agreement before the fetch: not released until it is accepted.
    monkeypatch.setattr(agreement, "VERSION", agreement.VERSION + "-nieuw")
    refused = client.get(reverse("jobs:download", args=[job.pk]))
    assert refused.status_code == 403 and not exports.exists()
    monkeypatch.undo()
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200 and response.content.startswith(b"PK")
    row = exports.get()
    assert row.extra["sha256"] == job.result_meta["sha256"]
    assert row.extra["bytes"] == len(response.content)


# --- cancelling (no dead end: a job asked for by mistake can be stopped) ---------------------------


@pytest.fixture
def slow_kind(world):
    """A job of three steps whose user presses "Annuleren" while it runs (after step one)."""
    from inbeeld.jobs.registry import JobOutput

    def run(user, params, step):
        step("Stap 1")
        if params.get("cancel_while_running"):
            services.job_cancel(actor=user, job=Job.objects.get(status=JobStatus.RUNNING))
        step("Stap 2")
        step("Stap 3")
        return JobOutput(data=b"klaar", filename="test.txt", content_type="text/plain")

    kind = JobKind(
        code="test_slow",
        label="Testbestand",
        action=policy.Action.EVALUATION_READ,
        run=run,
        released=lambda user, job: None,
        steps=lambda params: 3,
        back_url="reports:index",
    )
    registry.register(kind)
    yield kind
    registry._KINDS.pop(kind.code)


def test_a_waiting_job_is_cancelled_at_once_and_can_be_asked_for_again(world, slow_kind):
    client = session_for(world.researcher)
    job = services.job_request(actor=world.researcher, kind="test_slow", params={})
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Annuleren" in page
    response = client.post(reverse("jobs:cancel", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.finished_at is not None
    html = response.content.decode()
    assert "De taak is geannuleerd." in html and "Opnieuw laten maken" in html
    assert "Annuleren</button>" not in html
    run_worker()  # the queue still holds its task: the worker leaves a cancelled job alone
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.result is None
    state = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert state["finished"] and state["label"] == "Geannuleerd"
    again = client.post(reverse("jobs:retry", args=[job.pk]))
    new = Job.objects.exclude(pk=job.pk).get()
    assert again["Location"] == reverse("jobs:detail", args=[new.pk])
    assert new.status == JobStatus.QUEUED and new.retry_of_id == job.pk


def test_a_running_job_stops_at_its_next_step_and_keeps_nothing(world, slow_kind):
    job = services.job_request(
        actor=world.researcher, kind="test_slow", params={"cancel_while_running": True}
    )
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.steps_done == 2 and job.result is None  # stopped after step 2 of 3
    client = session_for(world.researcher)
    assert client.get(reverse("jobs:download", args=[job.pk]))["Location"] == reverse(
        "jobs:detail", args=[job.pk]
    )


def test_only_the_one_who_asked_cancels_and_a_finished_job_stays(world, slow_kind):
    job = services.job_request(actor=world.researcher, kind="test_slow", params={})
    other = make_user(Role.RESEARCHER, username="andere.onderzoeker")
    with pytest.raises(PermissionDenied):
        services.job_cancel(actor=other, job=job)
    assert session_for(other).post(reverse("jobs:cancel", args=[job.pk])).status_code == 404
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    response = session_for(world.researcher).post(
        reverse("jobs:cancel", args=[job.pk]), follow=True
    )
    assert "kan niet meer worden geannuleerd" in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and bytes(job.result) == b"klaar"


def test_the_progress_poll_does_not_extend_the_idle_timeout(world, slow_kind):
    """The job page's script asks for the progress every two seconds: that is not the user
    doing something, so it neither moves the session's expiry nor writes the session row."""
    from django.contrib.sessions.models import Session

    client = session_for(world.researcher)
    job = services.job_request(actor=world.researcher, kind="test_slow", params={})
    key = client.cookies["sessionid"].value
    soon = timezone.now() + dt.timedelta(minutes=1)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    assert client.get(reverse("jobs:status", args=[job.pk])).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == soon
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 200  # the user
    assert Session.objects.get(session_key=key).expire_date > soon + dt.timedelta(minutes=5)

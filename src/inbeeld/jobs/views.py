"""Pages of background jobs: asking for one (jobs.views.start, used by the apps that offer a
kind), following its progress (/taken/<id>/, with a small script that refreshes the status and a
link that does the same without script), fetching the file, and retrying a failed job."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.jobs import registry, selectors, services
from inbeeld.jobs.models import Job, JobStatus
from inbeeld.web import mark_background_poll


def start(request: HttpRequest, kind_code: str, params: dict | None = None) -> HttpResponse:
    """GET: what the job makes and a button to start it; POST: queue it and go to its page."""
    kind = registry.get(kind_code)
    if kind is None:
        raise Http404
    policy.require(request.user, kind.action, _("U mag dit bestand niet laten maken."))
    error = ""
    if request.method == "POST":
        try:
            job = services.job_request(actor=request.user, kind=kind_code, params=params)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("jobs:detail", pk=job.pk)
    return render(
        request,
        "jobs/start.html",
        {
            "kind": kind,
            "error": error,
            "back_url": reverse(kind.back_url) if kind.back_url else reverse("home"),
            "recent": [j for j in selectors.recent_jobs(request.user) if j.kind == kind_code],
        },
        status=400 if error else 200,
    )


def _job_or_404(request, pk) -> Job:
    job = selectors.job_for(request.user, pk)
    if job is None:
        raise Http404
    return job


def _state(job: Job) -> dict:
    done = job.status == JobStatus.DONE
    return {
        "status": job.status,
        "label": capfirst(str(JobStatus(job.status).label)),
        "percent": job.percent,
        "step": job.step_label,
        "error": job.error,
        "download": reverse("jobs:download", args=[job.pk]) if done else "",
        "finished": job.status
        in (JobStatus.DONE, JobStatus.FAILED, JobStatus.EXPIRED, JobStatus.CANCELLED),
        "cancelling": job.cancel_requested and job.status == JobStatus.RUNNING,
    }


@require_http_methods(["GET"])
def detail(request: HttpRequest, pk) -> HttpResponse:
    job = _job_or_404(request, pk)
    kind = registry.get(job.kind)
    return render(
        request,
        "jobs/detail.html",
        {
            "job": job,
            "kind": kind,
            "state": _state(job),
            "back_url": reverse(kind.back_url) if kind.back_url else reverse("home"),
            "hours": services.RESULT_HOURS,
        },
    )


@require_http_methods(["GET"])
def status(request: HttpRequest, pk) -> JsonResponse:
    """The job's progress for the page's script (the same words the page shows). The script's
    polling is not activity: it neither extends the idle timeout nor writes the session."""
    mark_background_poll(request)
    return JsonResponse(_state(_job_or_404(request, pk)))


@require_http_methods(["GET"])
def download(request: HttpRequest, pk) -> HttpResponse:
    job = _job_or_404(request, pk)
    if job.status != JobStatus.DONE:
        return redirect("jobs:detail", pk=job.pk)
    kind = registry.get(job.kind)
    with transaction.atomic():
        data = Job.objects.values_list("result", flat=True).get(pk=job.pk)
        if data is None:
            raise Http404
        data = bytes(data)
        # The release's audit row and the hand-over in one transaction (publication.release).
        kind.released(request.user, job)
        response = HttpResponse(data, content_type=job.result_type)
    response["Content-Disposition"] = f'attachment; filename="{job.result_name}"'
    return response


@require_http_methods(["POST"])
def retry(request: HttpRequest, pk) -> HttpResponse:
    job = _job_or_404(request, pk)
    try:
        again = services.job_retry(actor=request.user, job=job)
    except ValidationError:
        return redirect("jobs:detail", pk=job.pk)
    return redirect("jobs:detail", pk=again.pk)


@require_http_methods(["POST"])
def cancel(request: HttpRequest, pk) -> HttpResponse:
    job = _job_or_404(request, pk)
    try:
        job = services.job_cancel(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if job.status == JobStatus.CANCELLED:
            messages.success(request, _("De taak is geannuleerd."))
        else:
            messages.success(
                request, _("De taak wordt geannuleerd zodra de huidige stap klaar is.")
            )
    return redirect("jobs:detail", pk=job.pk)


def results_pending(request: HttpRequest, served, *, title: str, back_url: str) -> HttpResponse:
    """The page of a stored result (jobs.results) that is not computed yet: it says so in Dutch
    and offers a reload and a way back; nothing is computed in the request."""
    return render(
        request,
        "results/pending.html",
        {"served": served, "title": title, "back_url": back_url},
    )

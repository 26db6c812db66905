"""The import pages (issue 16 item 6): upload → dry-run report → choose how → commit (a background
job with progress) → result with the report file. Thin: every write is a service in
imports.services; the policy is asked there and here (which page a user sees)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from inbeeld import policy
from inbeeld.imports import services
from inbeeld.imports.columns import TEMPLATES
from inbeeld.imports.forms import CommitForm, UploadForm
from inbeeld.imports.models import ImportKind, ImportRun, ImportStatus
from inbeeld.imports.reading import ImportFileError
from inbeeld.imports.report import CONTENT_TYPES, empty_template
from inbeeld.jobs.models import Job

MAX_PROBLEMS_SHOWN = 200


def _kinds(user) -> list[str]:
    kinds = [k for k, action in services.ACTIONS.items() if policy.can(user, action)]
    if not kinds:
        raise PermissionDenied(_("U mag geen bestanden importeren."))
    return kinds


def _run_or_404(request, pk) -> ImportRun:
    run = services.runs_visible_to(request.user).filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    kinds = _kinds(request.user)
    runs = list(services.runs_visible_to(request.user)[:20])
    open_run = next((r for r in runs if r.is_active), None)
    error = ""
    form = UploadForm(kinds=kinds)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, kinds=kinds)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                replace = request.POST.get("vervang")
                if replace and open_run and str(open_run.pk) == replace:
                    if open_run.status == ImportStatus.CHECKED:
                        services.import_cancel(actor=request.user, run=open_run)
                run = services.import_upload(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    file_name=upload.name,
                    data=upload.read(),
                )
            except (ImportFileError, services.ImportRefused) as exc:
                error = exc.message
            else:
                return redirect("imports:detail", pk=run.pk)
    return render(
        request,
        "imports/index.html",
        {
            "form": form,
            "error": error,
            "runs": runs,
            "open_run": open_run,
            "templates": [(k, ImportKind(k).label) for k in kinds],
            "columns": {k: TEMPLATES[k] for k in kinds},
        },
        status=400 if (error or form.errors) else 200,
    )


def template_file(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if kind not in _kinds(request.user) or fmt not in CONTENT_TYPES:
        raise Http404
    response = HttpResponse(empty_template(TEMPLATES[kind], fmt), content_type=CONTENT_TYPES[fmt])
    name = {"cases": "sjabloon-casussen", "signals": "sjabloon-signalen"}[kind]
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_http_methods(["GET"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    _kinds(request.user)
    run = _run_or_404(request, pk)
    job = Job.objects.filter(pk=run.job_id).first() if run.job_id else None
    return _detail(request, run, job, CommitForm(initial={"mode": "row"}))


def _detail(request, run, job, form, error: str = "", status: int = 200) -> HttpResponse:
    every_problem = run.problems
    problems = every_problem[:MAX_PROBLEMS_SHOWN]
    return render(
        request,
        "imports/detail.html",
        {
            "run": run,
            "job": job,
            "form": form,
            "error": error,
            "problems": problems,
            "more_problems": max(0, len(every_problem) - len(problems)),
            "counts": run.counts,
            "own": run.created_by_id == request.user.pk,
            # A large file's dry run runs in the worker: progress instead of a result.
            "checking": run.status == ImportStatus.CHECKED and not run.is_checked,
            "nothing_changed": run.status == ImportStatus.DONE
            and not run.counts.get("create")
            and not run.counts.get("update")
            and not run.counts.get("error"),
        },
        status=status,
    )


@require_POST
def commit(request: HttpRequest, pk: int) -> HttpResponse:
    _kinds(request.user)
    run = _run_or_404(request, pk)
    form = CommitForm(request.POST)
    if not form.is_valid():
        return _detail(request, run, None, form, status=400)
    try:
        services.import_queue(actor=request.user, run=run, mode=form.cleaned_data["mode"])
    except services.ImportRefused as exc:
        return _detail(request, run, None, form, error=exc.message, status=400)
    return redirect("imports:detail", pk=run.pk)


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    _kinds(request.user)
    run = _run_or_404(request, pk)
    try:
        services.import_cancel(actor=request.user, run=run)
    except services.ImportRefused as exc:
        return _detail(request, run, None, CommitForm(), error=exc.message, status=400)
    return redirect("imports:index")


def report(request: HttpRequest, pk: int) -> HttpResponse:
    _kinds(request.user)
    run = _run_or_404(request, pk)
    try:
        data, name, content_type = services.import_report(actor=request.user, run=run)
    except services.ImportRefused as exc:
        return _detail(request, run, None, CommitForm(), error=exc.message, status=410)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

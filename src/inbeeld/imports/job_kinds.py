"""The import's background jobs: the dry run of a large upload (imports.services.
import_check_queued) and committing an import (imports.services.import_commit) in the worker, each
with its progress per batch. The job's own file is a short summary without case data;
the report file stays encrypted with the import and is fetched from the import page."""

from __future__ import annotations

import math

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.jobs.registry import JobKind, JobOutput, register


def _steps(params: dict) -> int:
    return math.ceil(params.get("rows", 1) / max(1, settings.INBEELD_IMPORT_BATCH_ROWS)) + 1


def _run(user, params: dict, step) -> JobOutput:
    from inbeeld.imports.models import ImportRun
    from inbeeld.imports.services import import_commit

    run = ImportRun.objects.get(pk=params["run"])

    def progress(done: int, total: int) -> None:
        step(_("%(done)d van %(total)d rijen verwerkt") % {"done": done, "total": total})

    run = import_commit(actor=user, run=run, mode=params["mode"], progress=progress)
    c = run.counts
    text = _(
        "Import %(id)d: nieuw %(create)d, bijgewerkt %(update)d, ongewijzigd %(unchanged)d, "
        "fout %(error)d, niet ingevoerd %(rolled)d. Het verslag staat op de importpagina."
    ) % {
        "id": run.pk,
        "create": c.get("create", 0),
        "update": c.get("update", 0),
        "unchanged": c.get("unchanged", 0),
        "error": c.get("error", 0),
        "rolled": c.get("rolled_back", 0),
    }
    return JobOutput(
        text.encode("utf-8"),
        f"import-{run.pk}-samenvatting.txt",
        "text/plain; charset=utf-8",
        {"import": run.pk},
    )


def _run_check(user, params: dict, step) -> JobOutput:
    from inbeeld.imports.models import ImportRun
    from inbeeld.imports.services import import_check_queued

    run = ImportRun.objects.get(pk=params["run"])

    def progress(done: int, total: int) -> None:
        step(_("%(done)d van %(total)d rijen gecontroleerd") % {"done": done, "total": total})

    run = import_check_queued(actor=user, run=run, progress=progress)
    c = run.counts
    text = _(
        "Proefimport %(id)d: wordt aangemaakt %(create)d, bijgewerkt %(update)d, ongewijzigd "
        "%(unchanged)d, fout %(error)d. Het resultaat staat op de importpagina."
    ) % {
        "id": run.pk,
        "create": c.get("create", 0),
        "update": c.get("update", 0),
        "unchanged": c.get("unchanged", 0),
        "error": c.get("error", 0),
    }
    return JobOutput(
        text.encode("utf-8"),
        f"proefimport-{run.pk}-samenvatting.txt",
        "text/plain; charset=utf-8",
        {"import": run.pk},
    )


def _released(user, job) -> None:
    audit_record(
        actor=user,
        action=AuditAction.IMPORT_REPORT_READ,
        subject_type="import",
        subject_ref=str(job.params.get("run", "")),
        extra={"summary": True, "job": str(job.pk)},
    )


IMPORT_CASES = JobKind(
    code="import_cases",
    label=gettext_lazy("Import van casussen"),
    action=policy.Action.IMPORT_CASES,
    run=_run,
    released=_released,
    steps=_steps,
    back_url="imports:index",
)
IMPORT_SIGNALS = JobKind(
    code="import_signals",
    label=gettext_lazy("Import van signalen"),
    action=policy.Action.IMPORT_SIGNALS,
    run=_run,
    released=_released,
    steps=_steps,
    back_url="imports:index",
)

CHECK_CASES = JobKind(
    code="import_check_cases",
    label=gettext_lazy("Proefimport van casussen"),
    action=policy.Action.IMPORT_CASES,
    run=_run_check,
    released=_released,
    steps=_steps,
    back_url="imports:index",
)
CHECK_SIGNALS = JobKind(
    code="import_check_signals",
    label=gettext_lazy("Proefimport van signalen"),
    action=policy.Action.IMPORT_SIGNALS,
    run=_run_check,
    released=_released,
    steps=_steps,
    back_url="imports:index",
)


def register_all() -> None:
    for kind in (IMPORT_CASES, IMPORT_SIGNALS, CHECK_CASES, CHECK_SIGNALS):
        register(kind)

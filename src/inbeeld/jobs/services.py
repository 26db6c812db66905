"""Writes of background jobs: ask for one, run it (in the worker), retry a failed one, expire old
files. Every status change follows models.TRANSITIONS; policy is checked when a job is asked for
and again when the worker runs it."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.jobs import registry
from inbeeld.jobs.models import TRANSITIONS, Job, JobStatus

logger = logging.getLogger(__name__)

# A finished file stays this long; then it is removed and the user makes it again.
RESULT_HOURS = 24


def _move(job: Job, status: str) -> None:
    if status not in TRANSITIONS[job.status]:
        raise ValidationError(
            _("Deze taak kan niet van '%(old)s' naar '%(new)s'.")
            % {"old": JobStatus(job.status).label, "new": JobStatus(status).label}
        )
    job.status = status


def job_request(
    *, actor, kind: str, params: dict | None = None, retry_of: Job | None = None
) -> Job:
    """Queue a job of ``kind`` for ``actor`` (who must be allowed its action now)."""
    job_kind = registry.get(kind)
    if job_kind is None:
        raise ValidationError(_("Deze soort taak bestaat niet."))
    policy.require(actor, job_kind.action, _("U mag dit bestand niet laten maken."))
    params = dict(params or {})
    from inbeeld.jobs.tasks import run_job

    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            params=params,
            requested_by=actor,
            steps_total=max(job_kind.steps(params), 1),
            retry_of=retry_of,
        )
        # The queue row is written in the same transaction: no job without its task.
        run_job.enqueue(str(job.pk))
    return job


def job_retry(*, actor, job: Job) -> Job:
    """A failed, expired or cancelled job asked for again, by the same user, with the same
    settings."""
    if job.requested_by_id != actor.pk:
        raise PermissionDenied(_("U kunt alleen uw eigen taken opnieuw laten uitvoeren."))
    if job.status not in (JobStatus.FAILED, JobStatus.EXPIRED, JobStatus.CANCELLED):
        raise ValidationError(_("Alleen een mislukte, verlopen of geannuleerde taak kan opnieuw."))
    return job_request(actor=actor, kind=job.kind, params=job.params, retry_of=job)


def job_cancel(*, actor, job: Job) -> Job:
    """Cancel one's own job: a waiting job at once, a running one at its next step (the worker
    stops there and keeps nothing of what it made). A finished job cannot be cancelled."""
    if job.requested_by_id != actor.pk:
        raise PermissionDenied(_("U kunt alleen uw eigen taken annuleren."))
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status == JobStatus.QUEUED:
            _move(job, JobStatus.CANCELLED)
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "finished_at"])
        elif job.status == JobStatus.RUNNING:
            job.cancel_requested = True
            job.save(update_fields=["cancel_requested"])
        else:
            raise ValidationError(
                _("Deze taak is al afgelopen en kan niet meer worden geannuleerd.")
            )
    return job


class _Cancelled(Exception):
    """The user cancelled the running job (raised by its step callback)."""


def _cancel_if_asked(job_id) -> bool:
    """Mark a running job whose user asked to cancel it as cancelled; True if so."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if not job.cancel_requested or job.status != JobStatus.RUNNING:
            return False
        _move(job, JobStatus.CANCELLED)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        return True


def _fail(job_id, message: str) -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        _move(job, JobStatus.FAILED)
        job.error = message[:500]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])


def job_run(job_id: str) -> None:
    """Run one queued job (called by the worker through jobs.tasks.run_job)."""
    with transaction.atomic():
        job = (
            Job.objects.select_for_update().select_related("requested_by").filter(pk=job_id).first()
        )
        if job is None or job.status != JobStatus.QUEUED:
            return  # removed, or already run by an earlier attempt of the same task
        _move(job, JobStatus.RUNNING)
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
    kind, user = registry.get(job.kind), job.requested_by
    if kind is None:
        _fail(job.pk, _("Deze soort taak bestaat niet meer."))
        return
    if not user.is_active or not policy.can(user, kind.action):
        _fail(job.pk, _("U heeft geen toegang meer tot dit bestand; de taak is niet uitgevoerd."))
        return

    def step(label) -> None:
        Job.objects.filter(pk=job.pk).update(
            steps_done=F("steps_done") + 1, step_label=str(label)[:200]
        )
        if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
            raise _Cancelled

    try:
        output = kind.run(user, job.params, step)
    except _Cancelled:
        _cancel_if_asked(job.pk)
        return
    except ValidationError as exc:
        _fail(job.pk, " ".join(str(m) for m in exc.messages))
        return
    except PermissionDenied as exc:  # e.g. the data-use agreement is no longer accepted
        _fail(job.pk, str(exc) or _("U heeft geen toegang tot dit bestand."))
        return
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _fail(
            job.pk,
            _(
                "Er ging iets mis bij het maken van het bestand. Probeer het opnieuw; lukt het "
                "dan nog niet, meld dan taak %(id)s bij de beheerder."
            )
            % {"id": str(job.pk)[:8]},
        )
        return
    if _cancel_if_asked(job.pk):  # cancelled after its last step: the file is not kept
        return
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        _move(job, JobStatus.DONE)
        job.result = output.data
        job.result_name = output.filename[:200]
        job.result_type = output.content_type[:120]
        job.result_bytes = len(output.data)
        job.result_meta = output.meta
        job.steps_done = max(job.steps_done, job.steps_total)
        job.finished_at = timezone.now()
        job.save()


def expired_before(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(hours=RESULT_HOURS)


def jobs_expire(*, now: dt.datetime | None = None) -> int:
    """Remove the files of jobs finished more than RESULT_HOURS ago; returns how many."""
    cutoff = expired_before(now)
    expired = 0
    for pk in Job.objects.filter(status=JobStatus.DONE, finished_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            job = Job.objects.select_for_update().get(pk=pk)
            if job.status != JobStatus.DONE:
                continue
            _move(job, JobStatus.EXPIRED)
            job.result = None
            job.save(update_fields=["status", "result"])
            expired += 1
    return expired

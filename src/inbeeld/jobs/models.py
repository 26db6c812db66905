"""A background job a user asked for (a PDF report, later exports and imports): its status, its
progress and, when it is done, the file — kept until it is fetched or expires (jobs.services)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("wacht op zijn beurt")
    RUNNING = "running", _("wordt gemaakt")
    DONE = "done", _("klaar")
    FAILED = "failed", _("mislukt")
    EXPIRED = "expired", _("verlopen")
    CANCELLED = "cancelled", _("geannuleerd")


# The only status changes a job makes (jobs.services checks every change against it).
TRANSITIONS: dict[str, frozenset[str]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.FAILED, JobStatus.CANCELLED}),
    # A running job is cancelled by the worker itself, at its next step (Job.cancel_requested).
    JobStatus.RUNNING: frozenset({JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED}),
    JobStatus.DONE: frozenset({JobStatus.EXPIRED}),
    JobStatus.FAILED: frozenset(),
    JobStatus.EXPIRED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
}


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("soort"), max_length=40)
    params = models.JSONField(_("instellingen"), default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="jobs",
        verbose_name=_("aangevraagd door"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    steps_done = models.PositiveIntegerField(_("stappen klaar"), default=0)
    steps_total = models.PositiveIntegerField(_("stappen in totaal"), default=1)
    step_label = models.CharField(_("huidige stap"), max_length=200, blank=True)
    error = models.CharField(_("reden van mislukken"), max_length=500, blank=True)
    # Set when the user cancels a running job; the worker stops at its next step.
    cancel_requested = models.BooleanField(_("annuleren gevraagd"), default=False)
    result = models.BinaryField(_("bestand"), null=True, editable=False)
    result_name = models.CharField(_("bestandsnaam"), max_length=200, blank=True)
    result_type = models.CharField(_("bestandssoort"), max_length=120, blank=True)
    result_bytes = models.PositiveBigIntegerField(_("grootte"), default=0)
    result_meta = models.JSONField(_("gegevens over het bestand"), default=dict, blank=True)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    created_at = models.DateTimeField(_("aangevraagd op"), auto_now_add=True)
    started_at = models.DateTimeField(_("begonnen op"), null=True, blank=True)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)

    class Meta:
        verbose_name = _("taak")
        verbose_name_plural = _("taken")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="job_user_recent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(99, round(100 * self.steps_done / max(self.steps_total, 1)))


class StoredResult(models.Model):
    """The figures of one research page (evaluation, monitor, pilot dashboard) for one data scope,
    computed by the worker and served from here (jobs.results, ADR 0020): keyed on the kind, the
    data scope (policy.ResearchScope.key) and the page's parameters, never on a user. A change of
    the data marks it stale (``stale``, ``version`` + 1) and queues one recomputation; the page
    keeps showing the stored figures with their time until the new ones are in."""

    kind = models.CharField(_("soort"), max_length=40)
    scope_key = models.CharField(_("gegevensbereik"), max_length=500)
    params_key = models.CharField(_("instellingen"), max_length=100, blank=True)
    fingerprint = models.CharField(_("vingerafdruk van de gegevens"), max_length=64, blank=True)
    cutoff = models.DateField(_("peildatum"), null=True, blank=True)
    computed_at = models.DateTimeField(_("berekend op"), null=True, blank=True)
    seconds = models.FloatField(_("rekentijd (s)"), default=0)
    stale = models.BooleanField(_("verouderd"), default=True)
    # Raised with every change of the data; a recomputation clears ``stale`` only when the
    # version it started from is still the current one.
    version = models.PositiveBigIntegerField(_("versie"), default=0)
    error = models.CharField(_("reden van mislukken"), max_length=500, blank=True)
    payload = models.BinaryField(_("cijfers"), null=True, editable=False)
    requested_at = models.DateTimeField(_("voor het eerst gevraagd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("opgeslagen uitkomst")
        verbose_name_plural = _("opgeslagen uitkomsten")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "scope_key", "params_key"], name="stored_result_one_per_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope_key} {self.params_key}".strip()

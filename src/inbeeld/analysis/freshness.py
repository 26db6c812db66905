"""Which writes make the stored research results stale (jobs.results): every model the
evaluation, the monitor, the pilot dashboard or the perpetrator tables read. A save, delete or change of a many-to-many
set of one of them marks every stored result stale once its transaction commits (one cheap
UPDATE per transaction) and queues one recomputation; nothing is computed in the request.

Bulk loads that bypass the model signals (``inbeeld demo``, imports with bulk_create) are caught
by the fingerprint check of the scheduled ``inbeeld results --all`` (docs/deployment.md) and by
the next ordinary write."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from inbeeld.cases.models import (
    Case,
    CaseAssignment,
    ChainEvent,
    ConsentRecord,
    EventWithdrawal,
    LinkageKey,
)
from inbeeld.intake.models import Signal
from inbeeld.jobs.results import mark_stale_on_commit
from inbeeld.pilot.models import (
    Delivery,
    DeliveryWithdrawal,
    Deployment,
    FidelityItem,
    Intervention,
    Measure,
    Phase,
)
from inbeeld.reference.models import PoliceUnit
from inbeeld.suspects import models as suspects

WATCHED = (
    Case,
    CaseAssignment,
    ChainEvent,
    EventWithdrawal,
    ConsentRecord,
    LinkageKey,
    Signal,
    Delivery,
    DeliveryWithdrawal,
    Deployment,
    Intervention,
    FidelityItem,
    Measure,
    Phase,
    PoliceUnit,
    suspects.SafetyFact,  # the evaluation's tellings outcome and safety description
    suspects.SafetyFactWithdrawal,
)
# What the perpetrator and non-punishment tables read (publication.stored_results.PERPETRATORS).
SUSPECTS_WATCHED = (
    suspects.SuspectCaseLink,
    suspects.LinkWithdrawal,
    suspects.ProceedingEntry,
    suspects.ProceedingWithdrawal,
    suspects.NonPunishmentEntry,
    suspects.NonPunishmentWithdrawal,
    suspects.ModusOperandiRecord,
)
WATCHED_SETS = (Case.exploitation_forms.through, Deployment.police_units.through)


def _changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # loaddata: no recomputation per fixture row
        return
    mark_stale_on_commit()


def _set_changed(sender, action: str, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        mark_stale_on_commit()


def connect() -> None:
    for model in (*WATCHED, *SUSPECTS_WATCHED):
        post_save.connect(_changed, sender=model, dispatch_uid=f"freshness-save-{model.__name__}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"freshness-delete-{model.__name__}"
        )
    for through in WATCHED_SETS:
        m2m_changed.connect(
            _set_changed, sender=through, dispatch_uid=f"freshness-set-{through.__name__}"
        )

"""Who works on a signal (issue 14 item 8): assign it to oneself or to a colleague in scope."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.intake.models import Signal
from inbeeld.intake.services.triage import _lock


def signal_assign(
    *, actor, signal: Signal, assignee, expected_version: int | None = None
) -> Signal:
    """Make ``assignee`` (None: nobody) the owner of ``signal``. Who may triage the signal may
    assign it; the assignee must be able to triage it too. Audited as signal.assigned."""
    if not policy.may_assign_signal(actor, signal):
        raise PermissionDenied(_("U mag dit signaal niet toewijzen."))
    if assignee is not None and not policy.may_own_signal(assignee, signal):
        raise ValidationError(
            {
                "assignee": _(
                    "Deze collega kan dit signaal niet zien en kan het dus niet behandelen."
                )
            }
        )
    with transaction.atomic():
        locked = _lock(signal, expected_version)
        old_owner_id = locked.owner_id
        new_owner_id = assignee.pk if assignee is not None else None
        if old_owner_id == new_owner_id:
            return locked
        Signal.objects.filter(pk=locked.pk).update(
            owner_id=new_owner_id, version=locked.version + 1
        )
        audit_record(
            actor=actor,
            action=AuditAction.SIGNAL_ASSIGNED,
            subject_type="signal",
            subject_ref=locked.reference,
            case_code=locked.case.code if locked.case_id else "",
            extra={"old": {"owner": old_owner_id}, "new": {"owner": new_owner_id}},
        )
    locked.refresh_from_db()
    signal.owner_id, signal.version = locked.owner_id, locked.version
    return locked

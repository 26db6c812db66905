"""Who works on a case (issue 14 item 8): assign it to oneself or to a colleague in scope."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import Case
from inbeeld.cases.services.base import _lock_case


def case_assign(*, actor, case: Case, assignee, expected_version: int | None = None) -> Case:
    """Make ``assignee`` (None: nobody) the owner of ``case``. Who may record on the case may
    assign it; the assignee must reach the case in their own scope. Audited as case.assigned."""
    if not policy.may_assign_case(actor, case):
        raise PermissionDenied(_("U mag deze casus niet toewijzen."))
    if assignee is not None and not policy.may_own_case(assignee, case):
        raise ValidationError(
            {"assignee": _("Deze collega kan deze casus niet zien en kan hem dus niet behandelen.")}
        )
    with transaction.atomic():
        locked = _lock_case(case, expected_version)
        old_owner_id = locked.owner_id
        new_owner_id = assignee.pk if assignee is not None else None
        if old_owner_id == new_owner_id:
            return locked
        Case.objects.filter(pk=locked.pk).update(owner_id=new_owner_id, version=locked.version + 1)
        audit_record(
            actor=actor,
            action=AuditAction.CASE_ASSIGNED,
            subject_type="case",
            subject_ref=locked.code,
            case_code=locked.code,
            extra={"old": {"owner": old_owner_id}, "new": {"owner": new_owner_id}},
        )
    locked.refresh_from_db()
    case.owner_id, case.version = locked.owner_id, locked.version
    return locked

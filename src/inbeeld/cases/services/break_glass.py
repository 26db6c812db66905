"""Break-glass access: time-limited reading outside one's scope, reviewed afterwards."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import (
    BreakGlassGrant,
    Case,
)
from inbeeld.crypto import encrypt_text

# --- break-glass ---------------------------------------------------------------------------------

MIN_BREAK_GLASS_REASON = 20


class CaseNotFound(Exception):
    message = gettext_lazy("Er is geen casus met deze code.")


def break_glass_open(*, actor, code: str, reason: str) -> tuple[Case, BreakGlassGrant | None]:
    """Give ``actor`` time-limited read access to the case ``code`` outside their scope.

    Only roles with the BREAK_GLASS action may; the reason is required and lands with the grant
    in the privacy officer's review queue. A case already in the actor's scope needs no grant
    (returns None as grant). Every attempt is audited, including one for an unknown code.
    """
    from django.conf import settings

    reason = reason.strip()
    if not policy.can(actor, policy.Action.BREAK_GLASS):
        raise PermissionDenied(_("Uw rol kan geen noodtoegang gebruiken."))
    if len(reason) < MIN_BREAK_GLASS_REASON:
        raise ValidationError(
            {
                "reason": _(
                    "Geef een concrete reden van ten minste %(n)d tekens: waarom heeft u deze casus nu nodig?"
                )
                % {"n": MIN_BREAK_GLASS_REASON}
            }
        )
    case = Case.objects.select_related("police_unit").filter(code=code.strip().upper()).first()
    if case is None:
        # Audited too: probing for codes is exactly what the privacy officer must see.
        audit_record(
            actor=actor,
            action=AuditAction.BREAK_GLASS_OPENED,
            subject_type="case",
            subject_ref=code[:80],
            # No grant row holds this reason, and free text never goes into the audit log
            # (retention cannot reach it there): the attempt and the code tried are the evidence.
            extra={"found": False},
        )
        raise CaseNotFound(CaseNotFound.message)
    with transaction.atomic():
        if policy.in_regular_scope(actor, case):
            return case, None
        now = timezone.now()
        grant = BreakGlassGrant.objects.create(
            case=case,
            user=actor,
            reason_ciphertext=encrypt_text(reason),
            granted_at=now,
            expires_at=now + dt.timedelta(minutes=settings.INBEELD_BREAK_GLASS_MINUTES),
        )
        audit_record(
            actor=actor,
            action=AuditAction.BREAK_GLASS_OPENED,
            subject_type="case",
            subject_ref=case.code,
            case_code=case.code,
            # The reason stays in the (encrypted) grant row; the audit row names the grant.
            extra={
                "found": True,
                "grant": grant.pk,
                "expires_at": grant.expires_at.isoformat(),
            },
        )
    return case, grant


def break_glass_review(*, actor, grant: BreakGlassGrant, verdict: str, note: str = "") -> None:
    """The privacy officer marks a break-glass access justified or unjustified (once)."""
    if not policy.can(actor, policy.Action.BREAK_GLASS_REVIEW):
        raise PermissionDenied(
            _("Alleen de functionaris gegevensbescherming beoordeelt noodtoegang.")
        )
    if verdict not in {BreakGlassGrant.Review.JUSTIFIED, BreakGlassGrant.Review.UNJUSTIFIED}:
        raise ValidationError({"verdict": _("Kies gerechtvaardigd of niet gerechtvaardigd.")})
    if verdict == BreakGlassGrant.Review.UNJUSTIFIED and not note.strip():
        raise ValidationError(
            {"note": _("Licht toe waarom deze toegang niet gerechtvaardigd was.")}
        )
    with transaction.atomic():
        locked = BreakGlassGrant.objects.select_for_update().get(pk=grant.pk)
        if locked.review != BreakGlassGrant.Review.PENDING:
            raise ValidationError(_("Deze noodtoegang is al beoordeeld."))
        locked.review = verdict
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.review_note_ciphertext = encrypt_text(note.strip())
        locked.save(
            update_fields=["review", "reviewed_by", "reviewed_at", "review_note_ciphertext"]
        )
        audit_record(
            actor=actor,
            action=AuditAction.BREAK_GLASS_REVIEWED,
            subject_type="break_glass",
            subject_ref=str(locked.pk),
            case_code=locked.case.code,
            extra={
                "old": {"review": "pending"},
                # The note itself stays encrypted in the grant row (this row's subject).
                "new": {"review": verdict, "has_note": bool(note.strip())},
                "user": locked.user.get_username(),
            },
        )
    grant.refresh_from_db()

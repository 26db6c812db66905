"""The two read markers of the feedback loop between coordinator and signaller: the coordinator
read the signaller's answer ("antwoord ontvangen" leaves the queue), and the signaller opened their
signal (its news is no longer "new" on their home page)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.intake.models import Signal
from inbeeld.intake.services.base import _audit


def signal_answer_seen(*, actor, signal: Signal) -> Signal:
    """A coordinator of the signal's unit read the signaller's answer. Needed where no next step
    follows that clears the flag by itself (a signal already converted or closed). Audited; the
    signal's version does not move (nothing the coordinators decide on changed)."""
    with transaction.atomic():
        locked = (
            Signal.objects.select_for_update(of=("self",)).select_related("case").get(pk=signal.pk)
        )
        if not policy.can_on_signal(actor, policy.Action.SIGNAL_TRIAGE, locked):
            raise PermissionDenied(_("U mag dit signaal niet behandelen."))
        if locked.answer_pending:
            locked.answer_pending = False
            locked.save(update_fields=["answer_pending"])
            _audit(actor, AuditAction.SIGNAL_ANSWER_SEEN, locked, {})
    return locked


def signal_seen_by_signaller(*, actor, signal: Signal) -> None:
    """The signaller who submitted ``signal`` opened it: its news is no longer new. A read marker
    only (like the signaller's own reads, which are not audited); refused for anyone else."""
    if not policy.can_on_signal(actor, policy.Action.SIGNAL_OWN_READ, signal):
        raise PermissionDenied(_("U kunt alleen uw eigen signalen bekijken."))
    now = timezone.now()
    Signal.objects.filter(pk=signal.pk).update(signaller_seen_at=now)
    signal.signaller_seen_at = now

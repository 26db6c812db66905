"""Taking signals in (account, public form, one-time link) and making one-time intake links."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.crypto import encrypt_text
from inbeeld.intake import deadlines, notifications
from inbeeld.intake.models import (
    Channel,
    IntakeLink,
    Signal,
    SignalEvent,
    Urgency,
    new_receipt_code,
)
from inbeeld.intake.services.base import (
    Contact,
    _audit,
    _check_length,
    _event,
    _validate_submission,
    current_catalogue_version,
    receipt_hash,
    token_hash,
)
from inbeeld.intake.workflow import SignalStatus
from inbeeld.reference.models import (
    Indicator,
    IndicatorCatalogueVersion,
    PoliceUnit,
)


def signal_submit(
    *,
    actor,
    channel: str,
    signaller_type: str,
    police_unit: PoliceUnit,
    indicators: Iterable[Indicator],
    age_band: str,
    gender: str,
    urgency: str,
    description: str = "",
    subject_name: str = "",
    municipality: str = "",
    contact: Contact | None = None,
    intake_link: IntakeLink | None = None,
    catalogue_version: IndicatorCatalogueVersion | None = None,
    recovery_question: str = "",
    recovery_answer: str = "",
) -> tuple[Signal, str]:
    """Take in a signal and route it to the safety coordinators of ``police_unit``.

    Returns the signal and, for the anonymous channels (public form, one-time link), the receipt
    code the submitter needs to follow it (shown once; only its hash is stored). A signal through a
    one-time link goes to the link's unit and uses the link up. An anonymous submitter may add a
    recovery answer to a question they pick (intake/receipts.py); only its slow keyed hash is kept.
    """
    from inbeeld.intake import receipts

    contact = contact or Contact()
    indicators = list(indicators)
    catalogue_version = catalogue_version or current_catalogue_version()
    organisation = None
    if channel == Channel.ACCOUNT:
        memberships = policy.memberships_for(actor, policy.Action.SIGNAL_SUBMIT)
        if not memberships:
            raise PermissionDenied(_("U mag geen signalen indienen."))
        organisation = memberships[0].organisation
    elif channel == Channel.IMPORT:
        # A partner's file (imports app): the importer's organisation, into a unit of its scope.
        memberships = [
            m
            for m in policy.memberships_for(actor, policy.Action.IMPORT_SIGNALS)
            if m.police_unit_id == police_unit.pk
        ]
        if not memberships:
            raise PermissionDenied(_("U mag geen signalen importeren voor deze eenheid."))
        organisation = memberships[0].organisation
    elif channel == Channel.LINK:
        if intake_link is None:
            raise PermissionDenied(_("Deze link is ongeldig."))
        police_unit = intake_link.police_unit
    elif channel != Channel.PUBLIC:
        raise ValidationError(_("Onbekend kanaal."))
    _validate_submission(
        catalogue_version=catalogue_version,
        indicators=indicators,
        signaller_type=signaller_type,
        age_band=age_band,
        gender=gender,
        urgency=urgency,
        subject_name=subject_name,
        description=description,
        municipality=municipality,
        contact=contact,
    )
    recovery_answer = (
        recovery_answer.strip() if channel not in (Channel.ACCOUNT, Channel.IMPORT) else ""
    )
    if recovery_answer and recovery_question not in receipts.RecoveryQuestion.values:
        raise ValidationError({"recovery_question": _("Kies bij welke vraag uw antwoord hoort.")})
    if recovery_answer and not (receipts.MIN_ANSWER <= len(recovery_answer) <= receipts.MAX_ANSWER):
        raise ValidationError({"recovery_answer": _("Gebruik voor uw antwoord 2 tot 100 tekens.")})
    receipt = "" if channel in (Channel.ACCOUNT, Channel.IMPORT) else new_receipt_code()
    now = timezone.now()
    acute = urgency == Urgency.ACUTE
    with transaction.atomic():
        if intake_link is not None:
            link = IntakeLink.objects.select_for_update().get(pk=intake_link.pk)
            if link.used_at is not None or link.expires_at <= now:
                raise PermissionDenied(_("Deze link is al gebruikt of verlopen."))
            link.used_at = now
            link.save(update_fields=["used_at"])
        signal = Signal(
            channel=channel,
            intake_link=intake_link,
            receipt_hash=receipt_hash(receipt) if receipt else "",
            recovery_question=recovery_question if recovery_answer else "",
            recovery_answer_hash=receipts.recovery_answer_hash(recovery_answer)
            if recovery_answer
            else "",
            signaller_type=signaller_type,
            organisation=organisation,
            submitted_by=actor if channel in (Channel.ACCOUNT, Channel.IMPORT) else None,
            catalogue_version=catalogue_version,
            age_band=age_band,
            gender=gender,
            subject_name_ciphertext=encrypt_text(subject_name.strip()),
            police_unit=police_unit,
            municipality=municipality.strip(),
            urgency=urgency,
            description_ciphertext=encrypt_text(description.strip()),
            contact_ciphertext="" if contact.is_empty() else encrypt_text(contact.to_json()),
            received_at=now,
            acknowledge_due_at=deadlines.acknowledge_due(now, acute=acute),
            decision_due_at=deadlines.decision_due(now, acute=acute),
        )
        while Signal.objects.filter(reference=signal.reference).exists():
            signal.reference = Signal._meta.get_field("reference").default()
        signal.full_clean(exclude=["indicators"])
        signal.save()
        signal.indicators.set(indicators)
        _event(signal, SignalEvent.Kind.RECEIVED, actor=actor, to_status=SignalStatus.RECEIVED)
        _audit(
            actor,
            AuditAction.SIGNAL_SUBMITTED,
            signal,
            {
                "new": {
                    "channel": channel,
                    "signaller_type": signaller_type,
                    "police_unit": police_unit.code,
                    "urgency": urgency,
                    "catalogue_version": catalogue_version.version,
                    "indicators": len(indicators),
                    "has_name": bool(subject_name.strip()),
                    "has_description": bool(description.strip()),
                }
            },
        )
        if acute:
            # The unit's coordinators get an e-mail at once (intake.notifications).
            notifications.on_commit(notifications.acute_signal, signal.pk)
    return signal, receipt


def intake_link_create(*, actor, police_unit: PoliceUnit, label: str) -> tuple[IntakeLink, str]:
    """A one-time intake link for ``police_unit``; returns the link and its token (shown once)."""
    if police_unit not in policy.intake_link_units(actor):
        raise PermissionDenied(_("U mag voor deze eenheid geen meldlinks maken."))
    if not label.strip():
        raise ValidationError(
            {"label": _("Geef aan voor wie de link is (alleen intern zichtbaar).")}
        )
    _check_length(label, 100, "label", _("De omschrijving"))
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    with transaction.atomic():
        link = IntakeLink.objects.create(
            token_hash=token_hash(token),
            police_unit=police_unit,
            label_ciphertext=encrypt_text(label.strip()),
            created_by=actor,
            created_at=now,
            expires_at=now + dt.timedelta(days=settings.INBEELD_INTAKE_LINK_DAYS),
        )
        audit_record(
            actor=actor,
            action=AuditAction.INTAKE_LINK_CREATED,
            subject_type="intake_link",
            subject_ref=str(link.pk),
            extra={"police_unit": police_unit.code, "expires_at": link.expires_at.isoformat()},
        )
    return link, token

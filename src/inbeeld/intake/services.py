"""Writes on signals. Each service: keyword-only arguments, one transaction, the policy asked again
(defence in depth), the history row and the audit row written in the same transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import MINOR_AGE_BANDS, AgeBand, Gender, NationalityGroup
from inbeeld.cases.services import case_register, event_record
from inbeeld.crypto import encrypt_text
from inbeeld.intake import deadlines
from inbeeld.intake.limits import client_hash, public_attempt_allowed  # noqa: F401 (re-exported)
from inbeeld.intake.models import (
    Channel,
    IntakeLink,
    Signal,
    SignalEvent,
    SignallerType,
    Urgency,
    new_receipt_code,
)
from inbeeld.intake.workflow import (
    CONVERSION_ONLY,
    OPEN_STATUSES,
    NoActionReason,
    SignalStatus,
    TransitionNotAllowed,
    check_transition,
)
from inbeeld.reference.models import (
    ChainEventType,
    ExploitationForm,
    Indicator,
    IndicatorCatalogueVersion,
    PoliceUnit,
)
from inbeeld.web import ConcurrentChange

MAX_DESCRIPTION = 4000
MAX_NAME = 150
MAX_CONTACT_FIELD = 200
MAX_MESSAGE = 1000
MAX_NOTE = 2000



@dataclass(frozen=True)
class Contact:
    """How the coordinator can reach the signaller (all optional for anonymous intake)."""

    name: str = ""
    organisation: str = ""
    phone: str = ""
    email: str = ""

    def is_empty(self) -> bool:
        return not (self.name or self.organisation or self.phone or self.email)

    def to_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "organisation": self.organisation,
                "phone": self.phone,
                "email": self.email,
            },
            ensure_ascii=False,
        )


def receipt_hash(code: str) -> str:
    """Keyed hash of a receipt code (normalised: no spaces or dashes, upper case)."""
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    message = f"receipt:{normal}".encode()
    return hmac.new(settings.INBEELD_LINKAGE_KEY.encode(), message, hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(f"intake-link:{token}".encode()).hexdigest()


def current_catalogue_version(today: dt.date | None = None) -> IndicatorCatalogueVersion:
    """The newest catalogue version in force today."""
    today = today or timezone.localdate()
    version = (
        IndicatorCatalogueVersion.objects.filter(valid_from__lte=today).order_by("-version").first()
    )
    if version is None:
        version = IndicatorCatalogueVersion.objects.order_by("version").first()
    if version is None:  # pragma: no cover (the catalogue is synced after every migrate)
        raise ValidationError(_("Er is nog geen signalenlijst ingericht."))
    return version


def _check_length(value: str, limit: int, field: str, label: str) -> None:
    if len(value) > limit:
        raise ValidationError(
            {
                field: _("%(label)s is te lang (maximaal %(max)d tekens).")
                % {"label": label, "max": limit}
            }
        )


def _validate_submission(
    *,
    catalogue_version: IndicatorCatalogueVersion,
    indicators: list[Indicator],
    signaller_type: str,
    age_band: str,
    gender: str,
    urgency: str,
    subject_name: str,
    description: str,
    municipality: str,
    contact: Contact,
) -> None:
    errors: dict[str, list[str]] = {}
    if signaller_type not in SignallerType.values:
        errors["signaller_type"] = [_("Kies wat voor organisatie u bent.")]
    if age_band not in AgeBand.values:
        errors["age_band"] = [_("Kies een leeftijd (of 'onbekend').")]
    if gender not in Gender.values:
        errors["gender"] = [_("Kies een gender (of 'onbekend').")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Geef aan of er acuut gevaar is.")]
    wrong = [i for i in indicators if i.category.catalogue_version_id != catalogue_version.pk]
    if wrong:
        errors["indicators"] = [_("Deze signalen horen niet bij de huidige signalenlijst.")]
    if not indicators and not description.strip():
        errors["indicators"] = [
            _("Kies ten minste één signaal of beschrijf in eigen woorden wat u opviel.")
        ]
    if errors:
        raise ValidationError(errors)
    _check_length(subject_name, MAX_NAME, "subject_name", _("De naam"))
    _check_length(description, MAX_DESCRIPTION, "description", _("De beschrijving"))
    _check_length(municipality, 80, "municipality", _("De gemeente"))
    for field in ("name", "organisation", "phone", "email"):
        _check_length(
            getattr(contact, field), MAX_CONTACT_FIELD, f"contact_{field}", _("Dit gegeven")
        )


def _event(signal: Signal, kind: str, *, actor=None, **fields) -> SignalEvent:
    text = fields.pop("text", "")
    message = fields.pop("message", "")
    return SignalEvent.objects.create(
        signal=signal,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        text_ciphertext=encrypt_text(text),
        message_ciphertext=encrypt_text(message),
        created_at=timezone.now(),
        **fields,
    )


def _audit(actor, action: AuditAction, signal: Signal, extra: dict) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject_type="signal",
        subject_ref=signal.reference,
        case_code=signal.case.code if signal.case_id else "",
        extra=extra,
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
    recovery_answer = recovery_answer.strip() if channel != Channel.ACCOUNT else ""
    if recovery_answer and recovery_question not in receipts.RecoveryQuestion.values:
        raise ValidationError({"recovery_question": _("Kies bij welke vraag uw antwoord hoort.")})
    if recovery_answer and not (
        receipts.MIN_ANSWER <= len(recovery_answer) <= receipts.MAX_ANSWER
    ):
        raise ValidationError(
            {"recovery_answer": _("Gebruik voor uw antwoord 2 tot 100 tekens.")}
        )
    receipt = "" if channel == Channel.ACCOUNT else new_receipt_code()
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
            submitted_by=actor if channel == Channel.ACCOUNT else None,
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
    return signal, receipt


def _lock(signal: Signal, expected_version: int | None) -> Signal:
    # Lock only the signal row: PostgreSQL refuses FOR UPDATE on the nullable side of the outer
    # join to the case.
    locked = Signal.objects.select_for_update(of=("self",)).select_related("case").get(pk=signal.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentChange(
            _(
                "Dit signaal is intussen door iemand anders gewijzigd. Laad de pagina opnieuw "
                "en bekijk de geschiedenis voordat u opnieuw opslaat."
            )
        )
    return locked


def _authorise_triage(actor, signal: Signal) -> None:
    if not policy.can_on_signal(actor, policy.Action.SIGNAL_TRIAGE, signal):
        raise PermissionDenied(_("U mag dit signaal niet behandelen."))


def _move(signal: Signal, target: str, now: dt.datetime) -> str:
    old = signal.status
    signal.status = target
    if old == SignalStatus.RECEIVED and signal.acknowledged_at is None:
        signal.acknowledged_at = now
    if target in OPEN_STATUSES:
        signal.decided_at = None
    elif signal.decided_at is None or old in OPEN_STATUSES:
        signal.decided_at = now
    signal.version += 1
    return old


def _transition_message(current: str, target: str) -> str:
    return _("Van '%(current)s' naar '%(target)s' kan niet.") % {
        "current": SignalStatus(current).label,
        "target": SignalStatus(target).label,
    }


def signal_triage(
    *,
    actor,
    signal: Signal,
    to_status: str,
    reason: str = "",
    note: str = "",
    message: str = "",
    expected_version: int | None = None,
) -> Signal:
    """Move ``signal`` to ``to_status`` along the transition table (not to 'converted': that is
    signal_convert). 'No action' needs a reason (and a note for 'other'). ``note`` stays with the
    coordinators; ``message`` is what the signaller sees with the new status."""
    if to_status not in SignalStatus.values:
        raise ValidationError({"to_status": _("Kies een geldige nieuwe status.")})
    if to_status in CONVERSION_ONLY:
        raise ValidationError(
            {"to_status": _("Omzetten in een casus gaat via 'Omzetten in casus'.")}
        )
    if to_status == SignalStatus.NO_ACTION:
        if reason not in NoActionReason.values:
            raise ValidationError({"reason": _("Kies waarom er geen actie volgt.")})
        if reason == NoActionReason.OTHER and not note.strip():
            raise ValidationError({"note": _("Licht de andere reden toe.")})
    elif reason:
        raise ValidationError({"reason": _("Een reden hoort alleen bij 'Geen actie'.")})
    _check_length(note, MAX_NOTE, "note", _("De toelichting"))
    _check_length(message, MAX_MESSAGE, "message", _("Het bericht"))
    with transaction.atomic():
        signal = _lock(signal, expected_version)
        _authorise_triage(actor, signal)
        try:
            check_transition(signal.status, to_status)
        except TransitionNotAllowed as exc:
            raise ValidationError(
                {"to_status": _transition_message(exc.current, exc.target)}
            ) from exc
        now = timezone.now()
        old = _move(signal, to_status, now)
        signal.no_action_reason = reason if to_status == SignalStatus.NO_ACTION else ""
        signal.save()
        _event(
            signal,
            SignalEvent.Kind.STATUS,
            actor=actor,
            from_status=old,
            to_status=to_status,
            reason=reason,
            text=note.strip(),
            message=message.strip(),
        )
        _audit(
            actor,
            AuditAction.SIGNAL_STATUS_CHANGED,
            signal,
            {
                "status": {"old": old, "new": to_status},
                "reason": reason,
                "has_note": bool(note.strip()),
                "has_message": bool(message.strip()),
            },
        )
    return signal


def signal_reroute(
    *,
    actor,
    signal: Signal,
    police_unit: PoliceUnit,
    reason: str,
    expected_version: int | None = None,
) -> Signal:
    """Route an open signal to the safety coordinators of another unit, with a reason. The time
    targets keep running from receipt: the person it is about waits all the same."""
    if not reason.strip():
        raise ValidationError(
            {"reason": _("Geef aan waarom het signaal naar een andere eenheid gaat.")}
        )
    _check_length(reason, MAX_NOTE, "reason", _("De reden"))
    with transaction.atomic():
        signal = _lock(signal, expected_version)
        _authorise_triage(actor, signal)
        if signal.status not in OPEN_STATUSES:
            raise ValidationError(
                {"police_unit": _("Alleen een signaal dat nog open staat kan worden doorgestuurd.")}
            )
        if police_unit.pk == signal.police_unit_id:
            raise ValidationError({"police_unit": _("Het signaal ligt al bij deze eenheid.")})
        old_unit = signal.police_unit
        signal.police_unit = police_unit
        signal.version += 1
        signal.save()
        _event(
            signal,
            SignalEvent.Kind.REROUTED,
            actor=actor,
            from_unit=old_unit,
            to_unit=police_unit,
            text=reason.strip(),
        )
        _audit(
            actor,
            AuditAction.SIGNAL_REROUTED,
            signal,
            {"police_unit": {"old": old_unit.code, "new": police_unit.code}},
        )
    return signal


def signal_ask(
    *, actor, signal: Signal, question: str, expected_version: int | None = None
) -> Signal:
    """Ask the signaller a follow-up question; they see it with the status and can answer once.

    With ``expected_version`` (the version the coordinator's page showed) a question asked from a
    stale page - another coordinator closed or converted the signal meanwhile - is refused."""
    if not question.strip():
        raise ValidationError({"question": _("Schrijf uw vraag op.")})
    _check_length(question, MAX_MESSAGE, "question", _("De vraag"))
    with transaction.atomic():
        signal = _lock(signal, expected_version)
        _authorise_triage(actor, signal)
        if signal.status == SignalStatus.CONVERTED:
            raise ValidationError(
                {"question": _("Dit signaal is omgezet in een casus; vragen gaan nu via de casus.")}
            )
        signal.question_open = True
        signal.version += 1
        signal.save()
        _event(signal, SignalEvent.Kind.QUESTION, actor=actor, message=question.strip())
        _audit(actor, AuditAction.SIGNAL_QUESTION, signal, {})
    return signal


def signal_answer(*, actor, signal: Signal, answer: str) -> Signal:
    """The signaller's answer to the open question. ``actor`` is the signaller who submitted it
    (checked), or None for an anonymous submitter who proved the receipt code (checked by the
    caller through selectors.signal_by_receipt)."""
    if not answer.strip():
        raise ValidationError({"answer": _("Schrijf uw antwoord op.")})
    _check_length(answer, MAX_MESSAGE, "answer", _("Het antwoord"))
    with transaction.atomic():
        signal = _lock(signal, None)
        if actor is not None and getattr(actor, "is_authenticated", False):
            if not policy.can_on_signal(actor, policy.Action.SIGNAL_OWN_READ, signal):
                raise PermissionDenied(
                    _("U kunt alleen vragen over uw eigen signalen beantwoorden.")
                )
        elif signal.channel == Channel.ACCOUNT:
            raise PermissionDenied(_("Log in om deze vraag te beantwoorden."))
        if not signal.question_open:
            raise ValidationError({"answer": _("Er staat geen vraag open bij dit signaal.")})
        signal.question_open = False
        signal.version += 1
        signal.save()
        _event(signal, SignalEvent.Kind.ANSWER, actor=actor, message=answer.strip())
        _audit(actor, AuditAction.SIGNAL_ANSWERED, signal, {})
    return signal


def signal_convert(
    *,
    actor,
    signal: Signal,
    exploitation_forms: Iterable[ExploitationForm],
    nationality_group: str,
    message: str = "",
    expected_version: int | None = None,
):
    """Turn a triaged signal into a case in the signal's unit, keeping the link signal → case.

    Only what the chain needs is copied: unit, age band (and so minor or adult), gender, the
    exploitation forms the coordinator confirms and the date the signal came in (the case's intake
    date and its first timeline event, 'signal received'). The name, the free text and the
    signaller's contact details stay with the signal.
    """
    forms = list(exploitation_forms)
    if nationality_group not in NationalityGroup.values:
        raise ValidationError({"nationality_group": _("Kies een nationaliteit (of 'onbekend').")})
    _check_length(message, MAX_MESSAGE, "message", _("Het bericht"))
    with transaction.atomic():
        signal = _lock(signal, expected_version)
        _authorise_triage(actor, signal)
        try:
            check_transition(signal.status, SignalStatus.CONVERTED)
        except TransitionNotAllowed as exc:
            raise ValidationError(
                {
                    "__all__": _(
                        "Neem het signaal eerst in triage voordat u het omzet in een casus."
                    )
                    if exc.current == SignalStatus.RECEIVED
                    else _transition_message(exc.current, exc.target)
                }
            ) from exc
        received = timezone.localtime(signal.received_at).date()
        case = case_register(
            actor=actor,
            police_unit=signal.police_unit,
            exploitation_forms=forms,
            minor_at_intake=signal.age_band in MINOR_AGE_BANDS,
            age_band=signal.age_band,
            gender=signal.gender,
            nationality_group=nationality_group,
            intake_date=received,
        )
        event_record(
            actor=actor,
            case=case,
            event_type=ChainEventType.objects.get(code="signal_received"),
            event_date=received,
        )
        now = timezone.now()
        old = _move(signal, SignalStatus.CONVERTED, now)
        signal.case = case
        signal.question_open = False
        signal.save()
        _event(
            signal,
            SignalEvent.Kind.CONVERTED,
            actor=actor,
            from_status=old,
            to_status=SignalStatus.CONVERTED,
            message=message.strip(),
        )
        _audit(
            actor,
            AuditAction.SIGNAL_CONVERTED,
            signal,
            {"status": {"old": old, "new": SignalStatus.CONVERTED}, "case": case.code},
        )
    return case


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

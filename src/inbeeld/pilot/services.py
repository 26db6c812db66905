"""Writes of the pilot: deliveries (record, correct, withdraw), measures, deployments. One
transaction each, audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import WithdrawalReason
from inbeeld.cases.services import check_date
from inbeeld.crypto import encrypt_text
from inbeeld.pilot.models import (
    Delivery,
    DeliveryWithdrawal,
    Deployment,
    Instrument,
    Intervention,
    Measure,
)
from inbeeld.web import ConcurrentChange

SCALE = range(1, 6)
MAX_REASON_LENGTH = 300
MAX_NOTE_LENGTH = 2000  # a deployment note (the form allows the same)


def _new_delivery(
    *,
    actor,
    case,
    intervention: Intervention,
    date: dt.date,
    delivered: bool,
    fidelity: dict[str, bool] | None,
    reason_not_delivered: str,
    supersedes: Delivery | None = None,
) -> Delivery:
    """A validated, unsaved delivery (refused unless the actor delivers ``intervention``)."""
    if intervention.code not in policy.deliverable_intervention_codes(actor, case):
        raise PermissionDenied(_("U mag de uitvoering van deze interventie niet vastleggen."))
    check_date(date, "date")
    items = list(intervention.fidelity_items.values_list("code", flat=True))
    fidelity = fidelity or {}
    unknown = set(fidelity) - set(items)
    if unknown:
        raise ValidationError(
            {
                "fidelity": _("Onbekend controlepunt: %(items)s.")
                % {"items": ", ".join(sorted(unknown))}
            }
        )
    reason = reason_not_delivered.strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {
                "reason_not_delivered": _("Gebruik ten hoogste %(n)d tekens.")
                % {"n": MAX_REASON_LENGTH}
            }
        )
    if delivered and reason:
        raise ValidationError(
            {
                "reason_not_delivered": _(
                    "Een reden hoort alleen bij een interventie die niet is uitgevoerd."
                )
            }
        )
    if not delivered and not reason:
        raise ValidationError(
            {"reason_not_delivered": _("Geef aan waarom de interventie niet is uitgevoerd.")}
        )
    if any(not isinstance(value, bool) for value in fidelity.values()):
        raise ValidationError({"fidelity": _("Een controlepunt is aangevinkt of niet (ja/nee).")})
    checklist = {code: fidelity.get(code, False) for code in items} if delivered else {}
    # The organisation of a membership through which the actor delivers this intervention (a
    # user with two roles records a psychologist delivery as police, not as prosecutor); the
    # reason carries that role's note family, so only that family reads it.
    memberships = policy.delivery_memberships(actor, case, intervention.code)
    family = policy.note_family_for_delivery(actor, case, intervention.code) if reason else None
    if reason and family is None:  # pragma: no cover (every delivering role has a family)
        raise PermissionDenied(_("U mag hier geen reden vastleggen."))
    delivery = Delivery(
        case=case,
        intervention=intervention,
        date=date,
        delivered=delivered,
        reason_ciphertext=encrypt_text(reason),
        reason_family=family or "",
        fidelity=checklist,
        recorded_by=actor,
        organisation=memberships[0].organisation if memberships else None,
        recorded_at=timezone.now(),
        supersedes=supersedes,
    )
    delivery.full_clean()
    return delivery


def _delivery_values(delivery: Delivery) -> dict:
    return {
        "intervention": delivery.intervention.code,
        "delivered": delivery.delivered,
        "date": delivery.date.isoformat(),
        "fidelity": delivery.fidelity,
    }


def delivery_record(
    *,
    actor,
    case,
    intervention: Intervention,
    date: dt.date,
    delivered: bool,
    fidelity: dict[str, bool] | None = None,
    reason_not_delivered: str = "",
) -> Delivery:
    """Record that ``intervention`` reached ``case`` (with its fidelity checklist), or did not
    (with a reason). Only the roles that deliver the intervention may."""
    delivery = _new_delivery(
        actor=actor,
        case=case,
        intervention=intervention,
        date=date,
        delivered=delivered,
        fidelity=fidelity,
        reason_not_delivered=reason_not_delivered,
    )
    with transaction.atomic():
        delivery.save()
        audit_record(
            actor=actor,
            action=AuditAction.DELIVERY_RECORDED,
            subject_type="delivery",
            subject_ref=str(delivery.pk),
            case_code=case.code,
            extra={"new": _delivery_values(delivery)},
        )
    return delivery


def _lock_effective_delivery(actor, delivery: Delivery) -> Delivery:
    """The delivery, locked, if it still counts and ``actor`` delivers its intervention."""
    original = (
        Delivery.objects.select_for_update()
        .select_related("intervention", "case")
        .get(pk=delivery.pk)
    )
    if original.intervention.code not in policy.deliverable_intervention_codes(
        actor, original.case
    ):
        raise PermissionDenied(_("U mag de uitvoering van deze interventie niet wijzigen."))
    if Delivery.objects.filter(supersedes=original).exists():
        raise ValidationError(
            _("Deze uitvoering is al gecorrigeerd; corrigeer de nieuwste versie.")
        )
    if DeliveryWithdrawal.objects.filter(delivery=original).exists():
        raise ValidationError(_("Deze uitvoering is ingetrokken en telt niet meer mee."))
    return original


def delivery_correct(
    *,
    actor,
    delivery: Delivery,
    intervention: Intervention,
    date: dt.date,
    delivered: bool,
    fidelity: dict[str, bool] | None = None,
    reason_not_delivered: str = "",
) -> Delivery:
    """Correct ``delivery`` by a new delivery that supersedes it (append-only: the original stays
    on the case page, marked corrected, and no longer counts). Who may correct is who delivers
    the original's intervention (and the new one's)."""
    with transaction.atomic():
        original = _lock_effective_delivery(actor, delivery)
        correction = _new_delivery(
            actor=actor,
            case=original.case,
            intervention=intervention,
            date=date,
            delivered=delivered,
            fidelity=fidelity,
            reason_not_delivered=reason_not_delivered,
            supersedes=original,
        )
        correction.save()
        audit_record(
            actor=actor,
            action=AuditAction.DELIVERY_CORRECTED,
            subject_type="delivery",
            subject_ref=str(correction.pk),
            case_code=original.case.code,
            extra={
                "old": {"delivery": original.pk, **_delivery_values(original)},
                "new": _delivery_values(correction),
            },
        )
    return correction


def delivery_withdraw(*, actor, delivery: Delivery, reason: str) -> DeliveryWithdrawal:
    """Withdraw ``delivery`` (entered by mistake) for ``reason`` (a WithdrawalReason): it stays
    on the case page, struck through with who, when and why, and counts nowhere."""
    if reason not in WithdrawalReason.values:
        raise ValidationError({"reason": _("Kies waarom u deze uitvoering intrekt.")})
    with transaction.atomic():
        original = _lock_effective_delivery(actor, delivery)
        memberships = policy.delivery_memberships(actor, original.case, original.intervention.code)
        withdrawal = DeliveryWithdrawal.append(
            actor=actor, reason=reason, memberships=memberships, delivery=original
        )
        audit_record(
            actor=actor,
            action=AuditAction.DELIVERY_WITHDRAWN,
            subject_type="delivery",
            subject_ref=str(original.pk),
            case_code=original.case.code,
            extra={
                "old": {"delivery": original.pk, **_delivery_values(original)},
                "new": {"withdrawn": True, "reason": reason},
            },
        )
    return withdrawal


def measure_record(
    *,
    actor,
    case,
    instrument: Instrument,
    moment: str,
    date: dt.date,
    answers: dict[str, int | None],
) -> Measure:
    """Record the victim's answers at ``moment``; unanswered items stay empty (None)."""
    if not policy.can(actor, policy.Action.MEASURE_RECORD, case):
        raise PermissionDenied(_("U mag bij deze casus geen metingen vastleggen."))
    check_date(date, "date")
    codes = [item["code"] for item in instrument.items]
    unknown = set(answers) - set(codes)
    if unknown:
        raise ValidationError(
            {"answers": _("Onbekende vraag: %(items)s.") % {"items": ", ".join(sorted(unknown))}}
        )
    clean = {}
    for code in codes:
        value = answers.get(code)
        # bool is an int in Python (True == 1): refuse it, and floats, explicitly.
        if value is not None and (type(value) is not int or value not in SCALE):
            raise ValidationError({code: _("Kies een antwoord van 1 tot en met 5, of laat leeg.")})
        clean[code] = value
    if all(v is None for v in clean.values()):
        raise ValidationError(_("Vul ten minste één vraag in."))
    with transaction.atomic():
        if Measure.objects.filter(case=case, instrument=instrument, moment=moment).exists():
            raise ValidationError({"moment": _("Voor dit moment is de vragenlijst al ingevuld.")})
        measure = Measure(
            case=case,
            instrument=instrument,
            moment=moment,
            date=date,
            answers=clean,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        measure.full_clean()
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin loses cleanly
                measure.save()
        except IntegrityError:
            raise ValidationError(
                {"moment": _("Voor dit moment is de vragenlijst al ingevuld.")}
            ) from None
        audit_record(
            actor=actor,
            action=AuditAction.MEASURE_RECORDED,
            subject_type="measure",
            subject_ref=str(measure.pk),
            case_code=case.code,
            extra={
                "new": {
                    "instrument": f"{instrument.code}/v{instrument.version}",
                    "moment": moment,
                    "answered": sum(v is not None for v in clean.values()),
                }
            },
        )
    return measure


# The one lost-update error (inbeeld.web.ConcurrentChange), in a deployment's words; its
# ``current`` is the deployment as it is stored now (to show the writer what changed).
DEPLOYMENT_CHANGED = gettext_lazy(
    "Deze inzet is intussen door iemand anders gewijzigd. Uw wijziging is niet opgeslagen."
)


def _deployment_snapshot(deployment: Deployment) -> dict:
    # The note is free text: the audit row records only whether it changed, never its text.
    return {
        "intervention": deployment.intervention.code,
        "phase": deployment.phase.code,
        "units": sorted(deployment.police_units.values_list("code", flat=True)),
        "start": deployment.start.isoformat(),
        "end": deployment.end.isoformat() if deployment.end else None,
        "partners": deployment.partners,
        "regions_assumed": deployment.regions_assumed,
    }


def _lock_deployment(deployment: Deployment, expected_version: int | None) -> Deployment:
    locked = (
        Deployment.objects.select_for_update(of=("self",))
        .select_related("intervention", "phase")
        .get(pk=deployment.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentChange(DEPLOYMENT_CHANGED, current=locked)
    return locked


def deployment_save(
    *,
    actor,
    deployment: Deployment,
    police_units,
    start: dt.date,
    end: dt.date | None,
    partners: str,
    regions_assumed: bool,
    note: str = "",
    expected_version: int | None = None,
) -> Deployment:
    """Create or change a deployment (researchers); old and new values are audited (the note only
    as changed or not). A change of an existing deployment is refused with
    ConcurrentChange when ``expected_version`` (the version the writer read) is no longer
    the stored version: a second writer never silently overwrites the first."""
    if not policy.can(actor, policy.Action.PILOT_MANAGE):
        raise PermissionDenied(_("Alleen onderzoekers beheren de inzet van interventies."))
    if end is not None and end < start:
        raise ValidationError({"end": _("Het einde ligt vóór het begin.")})
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError(
            {"note": _("Gebruik ten hoogste %(n)d tekens.") % {"n": MAX_NOTE_LENGTH}}
        )
    with transaction.atomic():
        # Old values from the locked row, not from the (possibly already changed) object.
        stored = _lock_deployment(deployment, expected_version) if deployment.pk else None
        old = _deployment_snapshot(stored) if stored else {}
        old_note = stored.note if stored else ""
        deployment.start, deployment.end = start, end
        deployment.partners, deployment.regions_assumed = partners, regions_assumed
        deployment.note_ciphertext = encrypt_text(note)
        deployment.full_clean(exclude=["seed_key"])
        if stored is None:
            deployment.version = 1
            deployment.save()
        else:
            # Compare-and-set on the version as well as the row lock: on any database the UPDATE
            # only lands when nobody else bumped the version since it was read.
            updated = Deployment.objects.filter(pk=stored.pk, version=stored.version).update(
                start=start,
                end=end,
                partners=partners,
                regions_assumed=regions_assumed,
                note_ciphertext=deployment.note_ciphertext,
                version=stored.version + 1,
            )
            if updated != 1:  # pragma: no cover (the row lock makes this unreachable)
                raise ConcurrentChange(
                    DEPLOYMENT_CHANGED, current=Deployment.objects.get(pk=stored.pk)
                )
            deployment.version = stored.version + 1
        deployment.police_units.set(police_units)
        audit_record(
            actor=actor,
            action=AuditAction.DEPLOYMENT_CHANGED,
            subject_type="deployment",
            subject_ref=str(deployment.pk),
            extra={
                "old": old,
                "new": _deployment_snapshot(deployment),
                "note_changed": note != old_note,
                "version": {"old": stored.version if stored else None, "new": deployment.version},
            },
        )
    return deployment

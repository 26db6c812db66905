"""What every signal service shares: the length limits, the contact details, the keyed hashes of
receipt codes and link tokens, input validation and the history/audit rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import AgeBand, Gender
from inbeeld.crypto import encrypt_text
from inbeeld.intake.models import (
    Signal,
    SignalEvent,
    SignallerType,
    Urgency,
)
from inbeeld.reference.models import (
    Indicator,
    IndicatorCatalogueVersion,
)

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

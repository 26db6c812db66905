"""The first administrator of an empty installation (`inbeeld first_administrator`).

Every account needs a role, a password and a second factor enrolled through a one-time link that an
administrator sends; on an empty database there is nobody to send it. This one command makes the
first administrator: only while no active administrator exists (afterwards every new right goes
through the four-eyes flow, ADR 0008), in one transaction with its audit row, with a password link
and an enrolment link that are printed once on the operator's console (no mail server is needed
yet) and stored only as hashes, like every other link (ADR 0016)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from inbeeld.accounts import links
from inbeeld.accounts.models import Membership, Organisation, Role, User
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record


def administrator_exists() -> bool:
    return Membership.objects.filter(
        role=Role.ADMINISTRATOR, is_active=True, user__is_active=True
    ).exists()


def first_administrator_create(
    *, username: str, email: str, organisation: str, first_name: str = "", last_name: str = ""
) -> tuple[User, str, str]:
    """Create the first administrator; returns the user and the tokens of the password link and
    the enrolment link (shown once, never stored in plain text)."""
    username, email, organisation = username.strip(), email.strip(), organisation.strip()
    if not username or not organisation:
        raise ValidationError(_("Geef een gebruikersnaam en de naam van de organisatie."))
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError(_("Geef een geldig e-mailadres.")) from exc
    with transaction.atomic():
        # Lock the administrators' rows: two operators at once cannot both be "the first".
        list(Membership.objects.select_for_update().filter(role=Role.ADMINISTRATOR))
        if administrator_exists():
            raise ValidationError(
                _(
                    "Er is al een actieve beheerder. Nieuwe beheerders krijgen hun rol via het "
                    "beheer, met goedkeuring van een tweede beheerder."
                )
            )
        if User.objects.filter(username=username).exists():
            raise ValidationError(_("De gebruikersnaam %(name)s bestaat al.") % {"name": username})
        org, _created = Organisation.objects.get_or_create(
            name=organisation, defaults={"type": Organisation.Type.OTHER}
        )
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            is_staff=True,
        )
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        Membership.objects.create(user=user, organisation=org, role=Role.ADMINISTRATOR)
        password_link, password_token = links.link_create_for_bootstrap(
            user=user, purpose=links.Purpose.PASSWORD_RESET
        )
        enrolment_link, enrolment_token = links.link_create_for_bootstrap(
            user=user, purpose=links.Purpose.ENROLMENT
        )
        audit_record(
            actor=None,
            action=AuditAction.FIRST_ADMINISTRATOR_CREATED,
            subject_type="user",
            subject_ref=username,
            extra={
                "organisation": org.name,
                "link": [password_link.pk, enrolment_link.pk],
                "expires_at": password_link.expires_at.isoformat(),
            },
        )
    return user, password_token, enrolment_token

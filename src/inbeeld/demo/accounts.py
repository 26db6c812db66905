"""Demo organisations and logins (synthetic; every demo account shares one demo password)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import transaction
from django_otp.oath import TOTP

from inbeeld.accounts.models import AuthenticatorDevice, Membership, Organisation, Role, User
from inbeeld.reference.models import Court, OMDistrict, PoliceUnit

DEMO_PASSWORD = "InBeeld-demo-2026"  # noqa: S105 (synthetic demo accounts only)


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    type: str
    police_unit: str | None = None


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    organisation: str
    role: str
    police_unit: str | None = None
    om_district: str | None = None
    court: str | None = None
    is_staff: bool = False


DEMO_ORGANISATIONS = [
    DemoOrganisation("HVO Querido (demo)", Organisation.Type.CARE, "noord-holland"),
    DemoOrganisation(
        "Politie Eenheid Amsterdam – AVIM (demo)", Organisation.Type.POLICE, "amsterdam"
    ),
    DemoOrganisation("Politie Eenheid Limburg – AVIM (demo)", Organisation.Type.POLICE, "limburg"),
    DemoOrganisation(
        "Politie Eenheid Noord-Holland – AVIM (demo)", Organisation.Type.POLICE, "noord-holland"
    ),
    DemoOrganisation("Arrondissementsparket Amsterdam (demo)", Organisation.Type.OM, "amsterdam"),
    DemoOrganisation("Rechtbank Amsterdam (demo)", Organisation.Type.COURT, "amsterdam"),
    DemoOrganisation("Ervaringsdeskundigen Limburg (demo)", Organisation.Type.CARE, "limburg"),
    DemoOrganisation("Onderzoeksorganisatie Proeftuin (demo)", Organisation.Type.RESEARCH),
    DemoOrganisation("Platformbeheer InBeeld (demo)", Organisation.Type.OTHER),
    DemoOrganisation(
        "Basisschool De Regenboog, Zaandam (demo)", Organisation.Type.SCHOOL, "noord-holland"
    ),
]

DEMO_USERS = [
    DemoUser(
        "coordinator.nh",
        "Noor",
        "de Vries",
        "HVO Querido (demo)",
        Role.SAFETY_COORDINATOR,
        police_unit="noord-holland",
    ),
    DemoUser(
        "politie.amsterdam",
        "Sam",
        "Bakker",
        "Politie Eenheid Amsterdam – AVIM (demo)",
        Role.POLICE_OFFICER,
        police_unit="amsterdam",
    ),
    DemoUser(
        "politie.limburg",
        "Lotte",
        "Janssen",
        "Politie Eenheid Limburg – AVIM (demo)",
        Role.POLICE_OFFICER,
        police_unit="limburg",
    ),
    DemoUser(
        "politie.nh",
        "Daan",
        "Visser",
        "Politie Eenheid Noord-Holland – AVIM (demo)",
        Role.POLICE_OFFICER,
        police_unit="noord-holland",
    ),
    DemoUser(
        "ovj.amsterdam",
        "Eva",
        "Smit",
        "Arrondissementsparket Amsterdam (demo)",
        Role.PROSECUTOR,
        om_district="amsterdam",
    ),
    DemoUser(
        "rc.amsterdam",
        "Ruben",
        "Meijer",
        "Rechtbank Amsterdam (demo)",
        Role.EXAMINING_JUDGE,
        court="amsterdam",
    ),
    DemoUser(
        "psycholoog.amsterdam",
        "Iris",
        "Mulder",
        "Politie Eenheid Amsterdam – AVIM (demo)",
        Role.PSYCHOLOGIST,
    ),
    DemoUser(
        "ervaringsdeskundige.limburg",
        "Mila",
        "Peters",
        "Ervaringsdeskundigen Limburg (demo)",
        Role.PEER_EXPERT,
    ),
    DemoUser(
        "onderzoeker", "Tom", "Hendriks", "Onderzoeksorganisatie Proeftuin (demo)", Role.RESEARCHER
    ),
    DemoUser("fg", "Fleur", "van Dijk", "Platformbeheer InBeeld (demo)", Role.PRIVACY_OFFICER),
    DemoUser(
        "beheerder",
        "Bram",
        "de Boer",
        "Platformbeheer InBeeld (demo)",
        Role.ADMINISTRATOR,
        is_staff=True,
    ),
    DemoUser(
        "school.zaandam", "Anouk", "Kok", "Basisschool De Regenboog, Zaandam (demo)", Role.SIGNALLER
    ),
]


@transaction.atomic
def ensure_demo_accounts() -> dict[str, User]:
    """Create (or refresh) the demo organisations, users and memberships; idempotent."""
    units = {u.code: u for u in PoliceUnit.objects.all()}
    districts = {d.code: d for d in OMDistrict.objects.all()}
    courts = {c.code: c for c in Court.objects.all()}
    organisations = {}
    for org in DEMO_ORGANISATIONS:
        organisations[org.name], _ = Organisation.objects.update_or_create(
            name=org.name,
            defaults={"type": org.type, "police_unit": units.get(org.police_unit)},
        )
    users = {}
    for spec in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "is_staff": spec.is_staff,
                # Where one-time links go (in development the console prints the mail).
                "email": f"{spec.username}@demo.inbeeld.invalid",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(
            user=user,
            organisation=organisations[spec.organisation],
            role=spec.role,
            police_unit=units.get(spec.police_unit),
            om_district=districts.get(spec.om_district),
            court=courts.get(spec.court),
        )
        # Demo mode pre-enrols the second factor; `inbeeld demo_codes` shows the current codes.
        # The secret is encrypted at rest like every real one.
        if not AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists():
            AuthenticatorDevice.create_for(user=user, name="demo", confirmed=True)
        users[spec.username] = user
    return users


def current_code(user) -> str:
    """The demo account's current TOTP code (demo accounts only; synthetic)."""
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


DEMO_PRIVACY_BUDGET = ("monitor-open-data", "Monitor als open data (demo)", 3.0)


def ensure_demo_privacy_budget(users: dict[str, User]) -> None:
    """One privacy budget for the demo's open data, fixed by the demo administrator (audited like
    any budget), so a researcher can try a differentially private release; idempotent."""
    from inbeeld.publication.models import PrivacyBudget
    from inbeeld.publication.services import budget_create

    dataset, label, epsilon = DEMO_PRIVACY_BUDGET
    if not PrivacyBudget.objects.filter(dataset=dataset).exists():
        budget_create(actor=users["beheerder"], dataset=dataset, label=label, epsilon_total=epsilon)

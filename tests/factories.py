"""Small factories for users, organisations, memberships and cases.

Reference rows (units, districts, courts, forms, event types) are not made here: the post_migrate
sync loads them into every test database, so the helpers below look them up by code.

Cases are created directly (registration has its own tests), but their timelines are always
recorded through the real service ``event_record``, so a case in a given status got there the way
production cases do: ``CaseFactory(status="trial")``, ``CaseFactory(with_complaint=True)`` or
``CaseFactory(events=[("first_police_contact", ""), ...])``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory, Password

from inbeeld import policy
from inbeeld.accounts.models import Membership, Organisation, Role, User
from inbeeld.cases.models import Case, CaseAssignment
from inbeeld.cases.workflow import Status
from inbeeld.reference.models import (
    ChainEventType,
    Court,
    ExploitationForm,
    OMDistrict,
    PoliceUnit,
)

PASSWORD = "Correct-Horse-Battery-9"


# --- reference look-ups ----------------------------------------------------------------------


def unit(code: str = "amsterdam") -> PoliceUnit:
    return PoliceUnit.objects.get(code=code)


def district(code: str = "amsterdam") -> OMDistrict:
    return OMDistrict.objects.get(code=code)


def court(code: str = "amsterdam") -> Court:
    return Court.objects.get(code=code)


def form(code: str = "sexual") -> ExploitationForm:
    return ExploitationForm.objects.get(code=code)


def event_type(code: str) -> ChainEventType:
    return ChainEventType.objects.get(code=code)


def first_outcome(code: str) -> str:
    """The first catalogue outcome of ``code`` ('' when the type has none)."""
    return event_type(code).outcomes.order_by("order").values_list("code", flat=True).first() or ""


# --- accounts --------------------------------------------------------------------------------

_ORG_TYPE_FOR_ROLE = {
    Role.SIGNALLER: Organisation.Type.SCHOOL,
    Role.SAFETY_COORDINATOR: Organisation.Type.CARE,
    Role.POLICE_OFFICER: Organisation.Type.POLICE,
    Role.PSYCHOLOGIST: Organisation.Type.POLICE,
    Role.PROSECUTOR: Organisation.Type.OM,
    Role.EXAMINING_JUDGE: Organisation.Type.COURT,
    Role.PEER_EXPERT: Organisation.Type.CARE,
    Role.RESEARCHER: Organisation.Type.RESEARCH,
    Role.PRIVACY_OFFICER: Organisation.Type.OTHER,
    Role.ADMINISTRATOR: Organisation.Type.OTHER,
}


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Testorganisatie {n}")
    type = Organisation.Type.POLICE
    police_unit = None
    is_active = True


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    first_name = factory.Sequence(lambda n: f"Voornaam{n}")
    last_name = factory.Sequence(lambda n: f"Achternaam{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = Password(PASSWORD)
    is_active = True


def default_scope(role: str) -> dict:
    """The scope fields a membership of ``role`` needs, with Amsterdam as the default area."""
    needed = policy.ROLE_SCOPE[role]
    if needed == policy.Scope.POLICE_UNIT:
        return {"police_unit": unit("amsterdam")}
    if needed == policy.Scope.OM_DISTRICT:
        return {"om_district": district("amsterdam")}
    if needed == policy.Scope.COURT:
        return {"court": court("amsterdam")}
    return {}


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.POLICE_OFFICER
    organisation = factory.SubFactory(
        OrganisationFactory,
        type=factory.LazyAttribute(
            lambda o: _ORG_TYPE_FOR_ROLE.get(o.factory_parent.role, Organisation.Type.OTHER)
        ),
    )
    police_unit = factory.LazyAttribute(lambda m: default_scope(m.role).get("police_unit"))
    om_district = factory.LazyAttribute(lambda m: default_scope(m.role).get("om_district"))
    court = factory.LazyAttribute(lambda m: default_scope(m.role).get("court"))
    is_active = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        membership = model_class(*args, **kwargs)
        membership.full_clean()  # the factory never makes a membership the admin would refuse
        membership.save()
        return membership


def make_user(
    role: str | None = None,
    *,
    unit_code: str | None = None,
    district_code: str | None = None,
    court_code: str | None = None,
    organisation: Organisation | None = None,
    **user_fields,
) -> User:
    """A user with one active membership of ``role`` (none when ``role`` is None).

    The scope defaults to Amsterdam (unit, district or court, whichever the role needs);
    pass ``unit_code``/``district_code``/``court_code`` for another area.
    """
    user = UserFactory(**user_fields)
    if role is not None:
        add_membership(
            user,
            role,
            unit_code=unit_code,
            district_code=district_code,
            court_code=court_code,
            organisation=organisation,
        )
    return user


def add_membership(
    user: User,
    role: str,
    *,
    unit_code: str | None = None,
    district_code: str | None = None,
    court_code: str | None = None,
    organisation: Organisation | None = None,
    **fields,
) -> Membership:
    scope = default_scope(role)
    if unit_code:
        scope["police_unit"] = unit(unit_code)
    if district_code:
        scope["om_district"] = district(district_code)
    if court_code:
        scope["court"] = court(court_code)
    extra = {"organisation": organisation} if organisation is not None else {}
    membership = MembershipFactory(user=user, role=role, **scope, **extra, **fields)
    policy.forget_memberships(user)
    return membership


def assign(case: Case, user: User, role: str) -> CaseAssignment:
    """Assign a case-bound role (psychologist, peer expert) to ``case``."""
    return CaseAssignment.objects.create(case=case, user=user, role=role)


# --- cases -----------------------------------------------------------------------------------

COMPLAINT_STEPS = [("first_police_contact", ""), ("complaint_filed", "")]

# One way (of several) to bring a case from intake into each status through the workflow.
PATH_TO_STATUS: dict[str, list[tuple[str, str]]] = {
    Status.INTAKE: [],
    Status.POLICE_CONTACT: [("first_police_contact", "")],
    Status.INVESTIGATION: [("first_police_contact", ""), ("complaint_filed", "")],
    Status.PROSECUTION: [
        ("first_police_contact", ""),
        ("complaint_filed", ""),
        ("prosecution_decision", "summons"),
    ],
    Status.DISMISSED: [
        ("first_police_contact", ""),
        ("complaint_filed", ""),
        ("prosecution_decision", "dismissal_technical"),
    ],
    Status.TRIAL: [
        ("complaint_filed", ""),
        ("prosecution_decision", "summons"),
        ("trial_hearing", ""),
    ],
    Status.VERDICT: [
        ("complaint_filed", ""),
        ("prosecution_decision", "summons"),
        ("trial_hearing", ""),
        ("verdict", "conviction"),
    ],
    Status.APPEAL: [
        ("complaint_filed", ""),
        ("prosecution_decision", "summons"),
        ("trial_hearing", ""),
        ("verdict", "conviction"),
        ("appeal_filed", ""),
    ],
    Status.CLOSED: [("first_police_contact", ""), ("case_closed", "")],
}


def withdraw_event_row(event) -> None:
    """A withdrawal row for ``event`` written directly (as an import or old data would hold it),
    for tests of the readers that must leave it out; the service is tested on its own."""
    from inbeeld.cases.models import EventWithdrawal, WithdrawalReason

    EventWithdrawal.objects.create(
        event=event,
        reason=WithdrawalReason.MISTAKE,
        withdrawn_by=event.author,
        organisation=event.organisation,
        withdrawn_at=timezone.now(),
    )


def chain_recorder(police_unit: PoliceUnit) -> User:
    """A user who may record every catalogue event on a case of ``police_unit``
    (a police officer who is also the unit's safety coordinator, for the care-only events)."""
    user = make_user(Role.POLICE_OFFICER, unit_code=police_unit.code)
    add_membership(user, Role.SAFETY_COORDINATOR, unit_code=police_unit.code)
    return user


def record_events(
    case: Case,
    events: Iterable[Sequence],
    *,
    actor: User | None = None,
    start: dt.date | None = None,
) -> list:
    """Record ``events`` ((code, outcome[, note]) tuples) on ``case`` through ``event_record``,
    one day apart from ``start`` (default: the case's intake date), never in the future."""
    from inbeeld.cases.services import event_record

    events = list(events)
    if not events:
        return []
    actor = actor or chain_recorder(case.police_unit)
    today = timezone.localdate()
    day = min(start or case.intake_date, today)
    recorded = []
    for spec in events:
        code, outcome, *rest = spec
        recorded.append(
            event_record(
                actor=actor,
                case=case,
                event_type=event_type(code),
                event_date=day,
                outcome=outcome,
                note=rest[0] if rest else "",
            )
        )
        day = min(day + dt.timedelta(days=1), today)
    case.refresh_from_db()
    return recorded


class CaseFactory(DjangoModelFactory):
    """A case in Amsterdam by default; its events go through the real service.

    Trait ``minor``: a 16–17-year-old, minor at intake.
    Post-generation arguments, applied in this order: ``forms`` (exploitation-form codes,
    default sexual); ``recorder`` (who records events; default a fresh officer of the unit);
    ``status`` (walk the case there along PATH_TO_STATUS); ``with_complaint=True`` (first police
    contact and a complaint: status investigation); ``events`` (more (code, outcome[, note])
    tuples after that).
    """

    class Meta:
        model = Case
        skip_postgeneration_save = True

    class Params:
        minor = factory.Trait(minor_at_intake=True, age_band="16-17")
        # A case whose victim gave no research consent: invisible to researchers.
        without_consent = factory.Trait(research_consent=False)

    police_unit = factory.LazyFunction(lambda: unit("amsterdam"))
    court = None
    minor_at_intake = False
    age_band = "23-29"
    gender = "female"
    nationality_group = "nl"
    intake_date = dt.date(2024, 3, 1)
    # Most victims in the pilot consent to research; consent itself is tested through the
    # service in tests/security/test_consent_linkage.py.
    research_consent = True

    # Post-generation hooks run in declaration order.
    @factory.post_generation
    def forms(obj, create, extracted, **kwargs):
        if create:
            codes = extracted if extracted is not None else ["sexual"]
            obj.exploitation_forms.set(ExploitationForm.objects.filter(code__in=codes))

    @factory.post_generation
    def recorder(obj, create, extracted, **kwargs):
        obj._factory_recorder = extracted

    @factory.post_generation
    def status(obj, create, extracted, **kwargs):
        if create and extracted:
            record_events(obj, PATH_TO_STATUS[extracted], actor=_recorder_of(obj))

    @factory.post_generation
    def with_complaint(obj, create, extracted, **kwargs):
        # A flag, not a factory.Trait: factory_boy traits cannot drive post-generation hooks.
        if create and extracted:
            record_events(obj, COMPLAINT_STEPS, actor=_recorder_of(obj))

    @factory.post_generation
    def events(obj, create, extracted, **kwargs):
        if create and extracted:
            last = obj.events.order_by("-event_date").values_list("event_date", flat=True).first()
            record_events(
                obj,
                extracted,
                actor=_recorder_of(obj),
                start=last + dt.timedelta(days=1) if last else None,
            )


def _recorder_of(case: Case) -> User:
    if getattr(case, "_factory_recorder", None) is None:
        case._factory_recorder = chain_recorder(case.police_unit)
    return case._factory_recorder


def current_totp(device) -> str:
    """The code an authenticator app would show now for ``device``."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def pass_second_factor(client, user):
    """Complete the real second step of a login: a confirmed authenticator device and its current
    code posted to the second-factor page."""
    from django.urls import reverse

    from inbeeld.accounts.models import AuthenticatorDevice

    device = AuthenticatorDevice.objects.filter(
        user=user, confirmed=True
    ).first() or AuthenticatorDevice.create_for(user=user, name="test", confirmed=True)
    response = client.post(reverse("accounts:second_factor"), {"token": current_totp(device)})
    assert response.status_code == 302, "second factor refused"
    return client


def command_researcher() -> User:
    """A researcher for the release commands' required ``--user`` (the first active one, or a new
    one): a researcher's scope is the national research scope."""
    existing = (
        User.objects.filter(
            is_active=True, memberships__role=Role.RESEARCHER, memberships__is_active=True
        )
        .order_by("pk")
        .first()
    )
    return existing or make_user(Role.RESEARCHER)

"""The policy module (role × action × scope), walked for every role.

For every Role: which cases `cases_visible_to` returns, and for every case whether `case_get_for`
hands it out or answers 404 (logging the refusal); which events the role may record; whose notes
it may read. The expected sets are written out here from DESIGN.md §1, not derived from policy.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.http import Http404

from inbeeld import policy
from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases import selectors as case_selectors
from inbeeld.cases.selectors import case_get_for, cases_visible_to
from inbeeld.intake import selectors as signal_selectors
from inbeeld.reference.models import ChainEventType
from tests.factories import (
    CaseFactory,
    OrganisationFactory,
    add_membership,
    assign,
    court,
    make_user,
    unit,
)

pytestmark = pytest.mark.django_db

ALL_CODES = {
    "signal_received",
    "safety_assessment",
    "first_police_contact",
    "informative_interview",
    "reflection_period_start",
    "reflection_period_end",
    "complaint_filed",
    "complaint_declined",
    "other_cooperation",
    "comensha_registration",
    "investigation_started",
    "suspect_arrested",
    "rc_hearing",
    "prosecution_decision",
    "trial_hearing",
    "verdict",
    "appeal_filed",
    "appeal_verdict",
    "case_closed",
    "revictimisation",
    "withdrawal_from_process",
}


@pytest.fixture
def world(db):
    """Cases spread over units and courts; the psychologist and peer expert are assigned to
    the Limburg case only."""
    w = SimpleNamespace(
        ams=CaseFactory(police_unit=unit("amsterdam"), court=court("amsterdam")),
        ams_no_court=CaseFactory(police_unit=unit("amsterdam")),
        lim=CaseFactory(police_unit=unit("limburg"), court=court("limburg")),
        oost=CaseFactory(police_unit=unit("oost-nederland"), court=court("gelderland")),
        kmar=CaseFactory(police_unit=unit("kmar")),
        nla=CaseFactory(police_unit=unit("nla")),
    )
    w.all = {w.ams, w.ams_no_court, w.lim, w.oost, w.kmar, w.nla}
    return w


def _user_for(role, world):
    user = make_user(role)  # Amsterdam unit / district / court where the role needs a scope
    if role in (Role.PSYCHOLOGIST, Role.PEER_EXPERT):
        assign(world.lim, user, role)
    return user


# role → the names of the world's cases a user with an Amsterdam-scoped membership sees
EXPECTED_VISIBLE = {
    Role.SIGNALLER: set(),
    Role.SAFETY_COORDINATOR: {"ams", "ams_no_court"},
    Role.POLICE_OFFICER: {"ams", "ams_no_court"},
    Role.PSYCHOLOGIST: {"lim"},
    Role.PROSECUTOR: {"ams", "ams_no_court"},
    Role.EXAMINING_JUDGE: {"ams"},
    Role.PEER_EXPERT: {"lim"},
    Role.RESEARCHER: {"ams", "ams_no_court", "lim", "oost", "kmar", "nla"},
    Role.PRIVACY_OFFICER: set(),
    Role.ADMINISTRATOR: set(),
}


def test_the_expectations_cover_every_role():
    assert set(EXPECTED_VISIBLE) == set(Role.values)


def _cases(world, names):
    return {getattr(world, name) for name in names}


@pytest.mark.parametrize("role", list(Role))
def test_cases_visible_to_returns_exactly_the_roles_scope(role, world):
    user = _user_for(role, world)
    visible = list(cases_visible_to(user))
    assert len(visible) == len(set(visible))
    assert set(visible) == _cases(world, EXPECTED_VISIBLE[role])


@pytest.mark.parametrize("role", list(Role))
def test_case_get_for_returns_visible_cases_and_404s_and_logs_the_others(role, world):
    user = _user_for(role, world)
    allowed = _cases(world, EXPECTED_VISIBLE[role])
    for case in world.all:
        before = AuditEvent.objects.count()
        if case in allowed:
            assert case_get_for(user, case.code) == case
            row = AuditEvent.objects.latest("id")
            assert row.action == AuditAction.CASE_READ
            assert (row.case_code, row.actor) == (case.code, user)
        else:
            with pytest.raises(Http404):
                case_get_for(user, case.code)
            assert AuditEvent.objects.count() == before + 1
            row = AuditEvent.objects.latest("id")
            assert row.action == AuditAction.CASE_ACCESS_DENIED
            assert (row.case_code, row.actor) == (case.code, user)


@pytest.mark.parametrize("role", list(Role))
def test_case_get_for_an_unknown_code_is_404_without_an_audit_row(role, world):
    user = _user_for(role, world)
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        case_get_for(user, "IB-ZZZZ-ZZZZ")
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("role", "scope", "expected"),
    [
        (Role.POLICE_OFFICER, {"unit_code": "limburg"}, {"lim"}),
        (Role.SAFETY_COORDINATOR, {"unit_code": "oost-nederland"}, {"oost"}),
        (Role.POLICE_OFFICER, {"unit_code": "kmar"}, {"kmar"}),
        # The OM district reaches the cases of the police units mapped to it.
        (Role.PROSECUTOR, {"district_code": "oost-nederland"}, {"oost"}),
        (Role.PROSECUTOR, {"district_code": "limburg"}, {"lim"}),
        (Role.PROSECUTOR, {"district_code": "functioneel-parket"}, {"nla"}),
        (Role.PROSECUTOR, {"district_code": "rotterdam"}, set()),
        # Oost-Nederland has two courts: the judge of each sees only cases before that court.
        (Role.EXAMINING_JUDGE, {"court_code": "gelderland"}, {"oost"}),
        (Role.EXAMINING_JUDGE, {"court_code": "overijssel"}, set()),
        (Role.EXAMINING_JUDGE, {"court_code": "limburg"}, {"lim"}),
    ],
)
def test_scope_follows_the_membership_area(role, scope, expected, world):
    user = make_user(role, **scope)
    assert set(cases_visible_to(user)) == _cases(world, expected)
    for case in world.all - _cases(world, expected):
        with pytest.raises(Http404):
            case_get_for(user, case.code)


def test_an_assignment_under_another_role_gives_a_psychologist_nothing(world):
    user = make_user(Role.PSYCHOLOGIST)
    assign(world.lim, user, Role.PEER_EXPERT)
    assert list(cases_visible_to(user)) == []
    with pytest.raises(Http404):
        case_get_for(user, world.lim.code)


def test_an_assigned_role_sees_every_case_it_is_assigned_to_and_no_other(world):
    user = make_user(Role.PEER_EXPERT)
    assign(world.oost, user, Role.PEER_EXPERT)
    assign(world.kmar, user, Role.PEER_EXPERT)
    assert set(cases_visible_to(user)) == {world.oost, world.kmar}


@pytest.mark.parametrize("role", [r for r in Role if EXPECTED_VISIBLE[r]])
def test_an_inactive_membership_gives_nothing(role, world):
    user = _user_for(role, world)
    membership = user.memberships.get()
    membership.is_active = False
    membership.save()
    policy.forget_memberships(user)
    assert list(cases_visible_to(user)) == []
    assert not policy.can(user, policy.Action.CASE_LIST)
    with pytest.raises(Http404):
        case_get_for(user, next(iter(_cases(world, EXPECTED_VISIBLE[role]))).code)


@pytest.mark.parametrize("role", [r for r in Role if EXPECTED_VISIBLE[r]])
def test_an_inactive_organisation_gives_nothing(role, world):
    user = _user_for(role, world)
    organisation = user.memberships.get().organisation
    organisation.is_active = False
    organisation.save()
    policy.forget_memberships(user)
    assert list(cases_visible_to(user)) == []
    assert not policy.can(user, policy.Action.CASE_VIEW)


def test_an_inactive_user_gets_nothing(world):
    user = make_user(Role.RESEARCHER, is_active=False)
    assert list(cases_visible_to(user)) == []


def test_anonymous_gets_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert list(cases_visible_to(AnonymousUser())) == []
    assert not policy.can(AnonymousUser(), policy.Action.CASE_LIST)


def test_two_memberships_see_the_union_without_duplicates(world):
    user = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    add_membership(user, Role.POLICE_OFFICER, unit_code="limburg")
    # Overlapping scopes: the Amsterdam prosecutor reaches the same Amsterdam cases again,
    # and an assignment reaches one of them a third time.
    add_membership(user, Role.PROSECUTOR, district_code="amsterdam")
    add_membership(user, Role.PEER_EXPERT)
    assign(world.ams, user, Role.PEER_EXPERT)
    assign(world.oost, user, Role.PEER_EXPERT)
    visible = list(cases_visible_to(user))
    assert len(visible) == len(set(visible)) == 4
    assert set(visible) == {world.ams, world.ams_no_court, world.lim, world.oost}
    assert cases_visible_to(user).count() == 4


def test_a_second_membership_in_another_area_opens_that_area_only(world):
    user = make_user(Role.EXAMINING_JUDGE, court_code="gelderland")
    add_membership(user, Role.PROSECUTOR, district_code="limburg")
    assert set(cases_visible_to(user)) == {world.oost, world.lim}


# --- actions -------------------------------------------------------------------------------

# role → the chain events it may record on a case in its scope (DESIGN §1: police register the
# chain facts; OM and RC add their decisions and hearings; care records care-side events).
EXPECTED_RECORDABLE = {
    Role.SIGNALLER: set(),
    Role.SAFETY_COORDINATOR: {
        "signal_received",
        "safety_assessment",
        "comensha_registration",
        "case_closed",
        "revictimisation",
        "withdrawal_from_process",
    },
    Role.POLICE_OFFICER: ALL_CODES - {"safety_assessment"},
    Role.PSYCHOLOGIST: {"informative_interview", "complaint_filed", "complaint_declined"},
    Role.PROSECUTOR: {
        "rc_hearing",
        "prosecution_decision",
        "trial_hearing",
        "verdict",
        "appeal_filed",
        "appeal_verdict",
        "case_closed",
    },
    Role.EXAMINING_JUDGE: {"rc_hearing"},
    Role.PEER_EXPERT: {"safety_assessment", "revictimisation", "withdrawal_from_process"},
    Role.RESEARCHER: set(),
    Role.PRIVACY_OFFICER: set(),
    Role.ADMINISTRATOR: set(),
}


def test_every_catalogue_event_has_recorders_and_every_recorder_entry_is_in_the_catalogue():
    assert set(policy.EVENT_RECORDERS) == set(ChainEventType.objects.values_list("code", flat=True))
    assert set(policy.EVENT_RECORDERS) == ALL_CODES


def test_role_tables_cover_every_role():
    assert set(policy.ROLE_SCOPE) == set(Role.values)
    assert set(policy.ROLE_ACTIONS) == set(Role.values)


@pytest.mark.parametrize("role", list(Role))
def test_recordable_events_per_role_on_a_case_in_scope(role, world):
    user = _user_for(role, world)
    case = world.lim if role in (Role.PSYCHOLOGIST, Role.PEER_EXPERT) else world.ams
    assert policy.recordable_event_codes(user, case) == EXPECTED_RECORDABLE[role]


@pytest.mark.parametrize("role", [Role.POLICE_OFFICER, Role.PROSECUTOR, Role.SAFETY_COORDINATOR])
def test_nothing_is_recordable_on_a_case_out_of_scope(role, world):
    user = _user_for(role, world)
    assert policy.recordable_event_codes(user, world.lim) == set()
    assert not policy.can(user, policy.Action.CASE_VIEW, world.lim)


@pytest.mark.parametrize(
    ("role", "may_create", "may_correct"),
    [
        (Role.SIGNALLER, False, False),
        (Role.SAFETY_COORDINATOR, True, True),
        (Role.POLICE_OFFICER, True, True),
        (Role.PSYCHOLOGIST, False, False),
        (Role.PROSECUTOR, False, True),
        (Role.EXAMINING_JUDGE, False, False),
        (Role.PEER_EXPERT, False, False),
        (Role.RESEARCHER, False, False),
        (Role.PRIVACY_OFFICER, False, False),
        (Role.ADMINISTRATOR, False, False),
    ],
)
def test_who_may_create_cases_and_correct_events(role, may_create, may_correct, world):
    user = _user_for(role, world)
    assert policy.can(user, policy.Action.CASE_CREATE) is may_create
    assert policy.can(user, policy.Action.EVENT_CORRECT) is may_correct


# role → the note family it reads on a case in its scope (None: reads no notes at all)
EXPECTED_NOTE_FAMILIES = {
    Role.SIGNALLER: set(),
    Role.SAFETY_COORDINATOR: {"care"},
    Role.POLICE_OFFICER: {"police"},
    Role.PSYCHOLOGIST: {"police"},
    Role.PROSECUTOR: {"prosecution"},
    Role.EXAMINING_JUDGE: {"judiciary"},
    Role.PEER_EXPERT: {"care"},
    Role.RESEARCHER: set(),
    Role.PRIVACY_OFFICER: set(),
    Role.ADMINISTRATOR: set(),
}


@pytest.mark.parametrize("role", list(Role))
def test_readable_note_families_per_role(role, world):
    user = _user_for(role, world)
    case = world.lim if role in (Role.PSYCHOLOGIST, Role.PEER_EXPERT) else world.ams
    assert policy.readable_note_families(user, case) == EXPECTED_NOTE_FAMILIES[role]
    writer_family = policy.note_family_for_writer(user, case)
    assert writer_family == (
        next(iter(EXPECTED_NOTE_FAMILIES[role])) if EXPECTED_NOTE_FAMILIES[role] else None
    )


def test_researchers_and_privacy_officers_never_read_notes_even_with_national_scope(world):
    for role in (Role.RESEARCHER, Role.PRIVACY_OFFICER):
        user = make_user(role)
        for case in world.all:
            assert policy.readable_note_families(user, case) == set()
            assert not policy.can(user, policy.Action.NOTE_READ, case)


# --- administration ------------------------------------------------------------------------


def test_may_administer_needs_staff_and_an_administrator_membership(db):
    admin = make_user(Role.ADMINISTRATOR, is_staff=True)
    assert policy.may_administer(admin)
    assert not policy.may_administer(make_user(Role.ADMINISTRATOR, is_staff=False))
    assert not policy.may_administer(make_user(Role.POLICE_OFFICER, is_staff=True))
    # Being a Django superuser is not a role: without the membership there is no admin access.
    assert not policy.may_administer(make_user(None, is_staff=True, is_superuser=True))
    assert not policy.may_administer(make_user(Role.ADMINISTRATOR, is_staff=True, is_active=False))


def test_administrator_sees_no_case_content(world):
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    assert list(cases_visible_to(admin)) == []
    for action in (policy.Action.CASE_VIEW, policy.Action.NOTE_READ, policy.Action.EVENT_RECORD):
        assert not policy.can(admin, action, world.ams)


def test_memberships_are_read_once_per_user_object(world, django_assert_num_queries):
    user = make_user(Role.POLICE_OFFICER)
    policy.forget_memberships(user)
    with django_assert_num_queries(1):
        policy.active_memberships(user)
        policy.active_memberships(user)
        policy.roles_of(user)


def test_an_organisation_of_another_area_does_not_widen_the_scope(world):
    # The scope is the membership's unit, not the organisation's working area.
    org = OrganisationFactory(police_unit=unit("limburg"))
    user = make_user(Role.POLICE_OFFICER, unit_code="amsterdam", organisation=org)
    assert set(cases_visible_to(user)) == {world.ams, world.ams_no_court}


# --- the research scope (ADR 0010): every table builder is scoped through these ----------------


def _consented(scope, **kwargs):
    from inbeeld.cases.models import ConsentRecord
    from inbeeld.cases.services import consent_record
    from tests.factories import chain_recorder

    case = CaseFactory(without_consent=True, **kwargs)
    recorder = chain_recorder(case.police_unit)
    consent_record(
        actor=recorder,
        case=case,
        kind=ConsentRecord.Kind.GIVEN,
        date=case.intake_date,
        scope=scope,
    )
    case.refresh_from_db()
    return case


def test_research_scope_is_consent_and_the_monitor_asks_consent_for_the_monitor(db):
    from inbeeld.cases.models import ConsentRecord

    monitor = _consented(ConsentRecord.Scope.EVALUATION_AND_MONITOR)
    evaluation_only = _consented(ConsentRecord.Scope.EVALUATION)
    no_record = CaseFactory()  # consented, but no record says for what
    refused = CaseFactory(without_consent=True)
    assert set(case_selectors.cases_in_research_scope()) == {monitor, evaluation_only, no_record}
    assert set(case_selectors.cases_in_research_scope(monitor=True)) == {monitor}
    assert refused not in set(case_selectors.cases_in_research_scope())


def test_a_researchers_scopes_equal_the_research_scope(db):
    from inbeeld.cases.models import ConsentRecord

    _consented(ConsentRecord.Scope.EVALUATION_AND_MONITOR)
    _consented(ConsentRecord.Scope.EVALUATION)
    CaseFactory()
    CaseFactory(without_consent=True)
    researcher = make_user(Role.RESEARCHER)
    research = set(case_selectors.cases_in_research_scope())
    assert set(case_selectors.cases_in_evaluation_scope(researcher)) == research
    assert set(case_selectors.cases_in_microdata_scope(researcher)) == research
    assert set(case_selectors.cases_in_monitor_scope(researcher)) == set(
        case_selectors.cases_in_research_scope(monitor=True)
    )


def test_an_officers_monitor_scope_is_the_unit_without_a_consent_rule(db):
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    own = CaseFactory(police_unit=unit("amsterdam"), without_consent=True)
    CaseFactory(police_unit=unit("noord-holland"))
    assert set(case_selectors.cases_in_monitor_scope(officer)) == {own}
    assert not case_selectors.cases_in_microdata_scope(officer).exists()
    assert signal_selectors.signals_in_monitor_scope(make_user(Role.PRIVACY_OFFICER)) is None


@pytest.mark.parametrize("role", list(Role))
def test_require_raises_permission_denied_exactly_when_can_says_no(role, db):
    from django.core.exceptions import PermissionDenied

    user = make_user(role)
    for action in policy.Action:
        if policy.can(user, action):
            policy.require(user, action)
        else:
            with pytest.raises(PermissionDenied, match="geen toegang"):
                policy.require(user, action, "U heeft geen toegang.")


def test_the_monitor_consent_scope_is_the_models_evaluation_and_monitor_value():
    from inbeeld.cases.models import ConsentRecord

    assert policy.MONITOR_CONSENT_SCOPE == ConsentRecord.Scope.EVALUATION_AND_MONITOR

"""The one policy module: who may do what, on which objects (role × action × scope).

The tables are data in inbeeld.policy_tables, re-exported here (``policy.ROLE_ACTIONS`` etc.):
1. ROLE_SCOPE: which objects a role's membership reaches.
2. ROLE_ACTIONS: which actions a role may take at all (default deny: absent means no).
3. EVENT_RECORDERS: which roles may record which chain events; COURT_DERIVING_EVENTS: which of
   them bring a case before a court, and so within the examining judge's scope.
4. NOTE_FAMILY: whose free text a role may read (need-to-know; researchers, privacy officers and
   administrators read none). Every free text on a case (chain-event notes, the pilot's reasons
   "not delivered") carries the family of its writer and is shown only to that family.
The functions below combine these with a user's active memberships. Every view, form, export and
later the API asks these functions; selectors use `case_scope_filter` to load only what is allowed.
Below them: the research scope's rules, the signals' scope and the four eyes in administration
(its tables and pure rules in inbeeld.policy_four_eyes, re-exported here like the tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q

from inbeeld.policy_four_eyes import (  # noqa: F401 (re-exported: policy.X is the public name)
    APPROVER_ROLES,
    CASE_ACTIONS,
    SCOPE_WIDENING_FIELDS,
    Widens,
    membership_change_needs_approval,
    membership_state_is_guarded,
    role_grant_needs_approval,
    role_reaches_cases,
    widening_fields,
)
from inbeeld.policy_tables import (  # noqa: F401 (re-exported: policy.X is the public name)
    API_GRANTABLE_ACTIONS,
    COURT_DERIVING_EVENTS,
    DELIVERY_RECORDERS,
    EVENT_RECORDERS,
    NOTE_FAMILY,
    ROLE_ACTIONS,
    ROLE_SCOPE,
    Action,
    Scope,
)
from inbeeld.roles import Role

if TYPE_CHECKING:
    from inbeeld.accounts.models import Membership
    from inbeeld.cases.models import Case


# --- memberships -------------------------------------------------------------------------------


def event_brings_case_to_court(event_code: str, outcome: str = "") -> bool:
    """Whether recording ``event_code`` with ``outcome`` brings a case before a court."""
    if event_code not in COURT_DERIVING_EVENTS:
        return False
    outcomes = COURT_DERIVING_EVENTS[event_code]
    return not outcomes or outcome in outcomes


def active_memberships(user) -> list[Membership]:
    """The user's active memberships, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, MEMBERSHIPS_CACHE, None)
    if cached is None:
        cached = list(_active_membership_rows(user.memberships.all()))
        setattr(user, MEMBERSHIPS_CACHE, cached)
    return cached


MEMBERSHIPS_CACHE = "_inbeeld_memberships"


def _active_membership_rows(memberships):
    return (
        memberships.filter(is_active=True, organisation__is_active=True)
        .select_related("police_unit", "om_district", "court", "organisation")
        .order_by("pk")
    )


def with_active_memberships(users):
    """``users`` (a User queryset) with every user's active memberships read in one query for
    all of them, into the cache active_memberships() reads: for a page that asks the policy about
    many people (the colleagues a case or signal can be handed to), instead of a query per person."""
    membership = users.model._meta.get_field("memberships").related_model
    return users.prefetch_related(
        Prefetch(
            "memberships",
            queryset=_active_membership_rows(membership.objects.all()),
            to_attr=MEMBERSHIPS_CACHE,
        )
    )


def forget_memberships(user) -> None:
    if hasattr(user, MEMBERSHIPS_CACHE):
        delattr(user, MEMBERSHIPS_CACHE)


def roles_of(user) -> set[str]:
    return {m.role for m in active_memberships(user)}


def memberships_for(user, action: Action) -> list[Membership]:
    # An API client (bind_api_client) narrows its acting user to the client's scopes: an action
    # outside them is refused here, so every decision below (and every service) is limited.
    scopes = getattr(user, API_SCOPES, None)
    if scopes is not None and action not in scopes:
        return []
    return [m for m in active_memberships(user) if action in ROLE_ACTIONS.get(m.role, ())]


# --- API clients (issue 16, ADR 0021) ----------------------------------------------------------
# A partner system acts through an API client on behalf of one named user, inside one
# organisation, with a list of actions (its scopes). The policy then sees that user with only
# the memberships of that organisation (never an administrator's) and only those actions.

API_SCOPES = "_inbeeld_api_scopes"


def api_client_may_act_for(user, organisation_id: int) -> str | None:
    """Why ``user`` may not be the acting user of an API client of ``organisation_id`` (a Dutch
    sentence), or None when they may: active, not a superuser or staff, no administrator role
    anywhere, and an active membership in that organisation."""
    if user is None or not user.is_active:
        return "De gebruiker namens wie de koppeling werkt, is niet actief."
    if user.is_superuser or user.is_staff:
        return "Een koppeling mag niet werken namens een beheerder of superuser."
    memberships = _active_membership_rows(user.memberships.all())
    if any(m.role == Role.ADMINISTRATOR for m in memberships):
        return "Een koppeling mag niet werken namens iemand met de rol beheerder."
    if not any(m.organisation_id == organisation_id for m in memberships):
        return "De gebruiker heeft geen actief lidmaatschap bij de organisatie van de koppeling."
    return None


def bind_api_client(user, *, organisation_id: int, scopes) -> None:
    """Narrow ``user`` (the acting user of an API request) to the memberships of one
    organisation and the actions in ``scopes`` (those of API_GRANTABLE_ACTIONS only)."""
    forget_memberships(user)
    memberships = [
        m
        for m in active_memberships(user)
        if m.organisation_id == organisation_id and m.role != Role.ADMINISTRATOR
    ]
    setattr(user, MEMBERSHIPS_CACHE, memberships)
    setattr(user, API_SCOPES, frozenset(scopes) & API_GRANTABLE_ACTIONS)


# --- scope ---------------------------------------------------------------------------------------


def _membership_case_part(membership: Membership, user) -> str | None:
    """The part of the case scope one membership gives, as a short text that names the data
    scope and not the user (except for assigned cases, which are the user's own):
    ``unit:<id>``, ``district:<id>``, ``court:<id>``, ``assigned:<user>:<role>``, ``consent``
    (national with research consent) or ``all``; None: no cases."""
    scope = ROLE_SCOPE.get(membership.role, Scope.NONE)
    if scope == Scope.POLICE_UNIT:
        return f"unit:{membership.police_unit_id}"
    if scope == Scope.OM_DISTRICT:
        return f"district:{membership.om_district_id}"
    if scope == Scope.COURT:
        return f"court:{membership.court_id}"
    if scope == Scope.ASSIGNED:
        return f"assigned:{user.pk}:{membership.role}"
    if scope == Scope.NATIONAL:
        # Research use only with consent given and not withdrawn (ADR 0004): a withdrawal takes
        # the case out of every research view and extract at once.
        return "consent" if membership.role == Role.RESEARCHER else "all"
    return None


def case_part_q(part: str) -> Q:
    """The case filter of one scope part (_membership_case_part), without the user object."""
    kind, _sep, rest = part.partition(":")
    if kind == "unit":
        return Q(police_unit_id=int(rest))
    if kind == "district":
        return Q(police_unit__om_district_id=int(rest))
    if kind == "court":
        return Q(court_id=int(rest))
    if kind == "assigned":
        from django.contrib.auth import get_user_model

        user_id, _sep, role = rest.partition(":")
        # A subquery, not a join: an OR with other scopes must not duplicate case rows.
        assigned = get_user_model()(pk=int(user_id)).case_assignments.filter(role=role)
        return Q(pk__in=assigned.values("case_id"))
    if kind == "consent":
        return Q(research_consent=True)
    if kind == "all":
        return Q()
    raise ValueError(f"unknown case scope part {part!r}")


def _membership_case_q(membership: Membership, user) -> Q | None:
    part = _membership_case_part(membership, user)
    return None if part is None else case_part_q(part)


# Break-glass: a time-limited grant lets a user of a break-glass role open (read) one case outside
# their scope; it never lets them change it. See cases.services.break_glass_open.
BREAK_GLASS_ACTIONS = frozenset({Action.CASE_VIEW, Action.NOTE_READ})


def _break_glass_memberships(user, action: Action) -> list[Membership]:
    # Break-glass is a person's decision with a reason; an API client never has it.
    if action not in BREAK_GLASS_ACTIONS or getattr(user, API_SCOPES, None) is not None:
        return []
    return [m for m in memberships_for(user, action) if Action.BREAK_GLASS in ROLE_ACTIONS[m.role]]


def _active_grants(user):
    from django.utils import timezone

    return user.break_glass_grants.filter(expires_at__gt=timezone.now())


def active_break_glass(user, case: Case):
    """The user's active break-glass grant on ``case``, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return _active_grants(user).filter(case_id=case.pk).order_by("-expires_at").first()


def case_scope_filter(user, action: Action = Action.CASE_LIST) -> Q | None:
    """A filter selecting the cases ``user`` may ``action``; None means none at all."""
    combined: Q | None = None
    for membership in memberships_for(user, action):
        q = _membership_case_q(membership, user)
        if q is None:
            continue
        combined = q if combined is None else combined | q
    if _break_glass_memberships(user, action):
        granted = Q(pk__in=_active_grants(user).values("case_id"))
        combined = granted if combined is None else combined | granted
    return combined


def _membership_covers_case(membership: Membership, case: Case, user) -> bool:
    scope = ROLE_SCOPE.get(membership.role, Scope.NONE)
    if scope == Scope.POLICE_UNIT:
        return case.police_unit_id == membership.police_unit_id
    if scope == Scope.OM_DISTRICT:
        return case.police_unit.om_district_id == membership.om_district_id
    if scope == Scope.COURT:
        return case.court_id is not None and case.court_id == membership.court_id
    if scope == Scope.ASSIGNED:
        return case.assignments.filter(user_id=user.pk, role=membership.role).exists()
    if scope == Scope.NATIONAL and membership.role == Role.RESEARCHER:
        return case.research_consent
    return scope == Scope.NATIONAL


def case_memberships(user, action: Action, case: Case) -> list[Membership]:
    """The memberships through which ``user`` may take ``action`` on ``case`` (in scope, or by
    an active break-glass grant for reading)."""
    covered = [m for m in memberships_for(user, action) if _membership_covers_case(m, case, user)]
    if covered:
        return covered
    capable = _break_glass_memberships(user, action)
    if capable and active_break_glass(user, case) is not None:
        return capable
    return []


def in_regular_scope(user, case: Case) -> bool:
    """Whether ``user`` reaches ``case`` without break-glass."""
    return any(
        _membership_covers_case(m, case, user) for m in memberships_for(user, Action.CASE_VIEW)
    )


# --- decisions -----------------------------------------------------------------------------------


def can(user, action: Action, case: Case | None = None) -> bool:
    """May ``user`` take ``action`` (on ``case``, when given)? Default deny."""
    if case is None:
        return bool(memberships_for(user, action))
    return bool(case_memberships(user, action, case))


def recordable_event_codes(user, case: Case) -> set[str]:
    """The chain-event codes ``user`` may record on ``case``."""
    roles = {m.role for m in case_memberships(user, Action.EVENT_RECORD, case)}
    return {code for code, allowed in EVENT_RECORDERS.items() if roles & allowed}


def deliverable_intervention_codes(user, case: Case) -> set[str]:
    """The intervention codes ``user`` may record a delivery of on ``case``."""
    roles = {m.role for m in case_memberships(user, Action.DELIVERY_RECORD, case)}
    return {code for code, allowed in DELIVERY_RECORDERS.items() if roles & allowed}


def note_family_for_writer(user, case: Case, event_code: str | None = None) -> str | None:
    """The free-text family a note by ``user`` on ``case`` belongs to (None: may not write).

    With ``event_code``, the family of a role that may record that event wins, so a user with
    two roles writes a police note on a police event and a care note on a care event.
    """
    memberships = [
        m for m in case_memberships(user, Action.NOTE_WRITE, case) if m.role in NOTE_FAMILY
    ]
    if event_code is not None:
        recorders = EVENT_RECORDERS.get(event_code, frozenset())
        memberships.sort(key=lambda m: m.role not in recorders)
    return NOTE_FAMILY[memberships[0].role] if memberships else None


def delivery_memberships(user, case: Case, intervention_code: str) -> list[Membership]:
    """The memberships through which ``user`` records a delivery of ``intervention_code`` on
    ``case`` (a user with two roles records a psychologist delivery as police, not as OM)."""
    recorders = DELIVERY_RECORDERS.get(intervention_code, frozenset())
    return [m for m in case_memberships(user, Action.DELIVERY_RECORD, case) if m.role in recorders]


def note_family_for_delivery(user, case: Case, intervention_code: str) -> str | None:
    """The free-text family of a delivery's reason by ``user`` (None: may not record it): the
    family of the role through which the delivery is recorded, read like a note of that family."""
    memberships = [
        m for m in delivery_memberships(user, case, intervention_code) if m.role in NOTE_FAMILY
    ]
    return NOTE_FAMILY[memberships[0].role] if memberships else None


def readable_note_families(user, case: Case) -> set[str]:
    """Whose notes ``user`` may read on ``case``: only their own role family's."""
    return {
        NOTE_FAMILY[m.role]
        for m in case_memberships(user, Action.NOTE_READ, case)
        if m.role in NOTE_FAMILY
    }


def require(user, action: Action, message: str | None = None) -> None:
    """Raise PermissionDenied (with ``message``, Dutch) unless ``user`` may take ``action``."""
    if not can(user, action):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(message or "U heeft geen toegang tot deze functie.")


# --- research scope: the rules for the cases a table of figures may use (ADR 0004, ADR 0010) --------
# Policy states the rules; inbeeld.cases.selectors (cases_in_research_scope and friends) and
# inbeeld.intake.selectors (signals_in_monitor_scope) apply them to querysets, and every table
# builder in inbeeld.analysis takes its cases from those selectors, never from a filter of its own.
# The monitor asks more of research consent: the case's latest consent record must cover "the
# evaluation and the monitor"; a consented case without a record (scope unknown) stays out.

# What a research release without a user may use (the CLI's national scope, what every researcher
# sees): research consent given and not withdrawn.
RESEARCH_CONSENT = Q(research_consent=True)
# The scope value of ConsentRecord.Scope.EVALUATION_AND_MONITOR (cases.models): the monitor counts a
# consented case only when its latest consent record has this scope.
MONITOR_CONSENT_SCOPE = "evaluation_monitor"
# The action whose case scope each research table follows.
EVALUATION_ACTION = Action.CASE_LIST
MONITOR_ACTION = Action.CASE_LIST
MICRODATA_ACTION = Action.EXPORT_MICRODATA
MONITOR_SIGNAL_ACTION = Action.SIGNAL_FUNNEL


def monitor_needs_consent_scope(user) -> bool:
    """Whether ``user``'s monitor counts consented cases only with a current monitor consent (a
    user with a researcher membership); officers count their visible cases as they are."""
    return Role.RESEARCHER in roles_of(user)


@dataclass(frozen=True)
class ResearchScope:
    """The data scope of a table of figures (evaluation, monitor, pilot dashboard) as data: the
    case scope parts of the user's memberships for EVALUATION_ACTION (``consent`` for a
    researcher), whether the monitor asks for a monitor consent, and the monitor's signal scope
    parts. Two users with the same memberships' scope have the same key, so a stored result is
    shared by scope and never by user (jobs.results); ``case_q``/``signal_q`` rebuild the filters
    from the key alone, for the worker that recomputes it."""

    cases: tuple[str, ...]
    monitor_consent: bool = False
    signals: tuple[str, ...] | None = None  # the monitor's signal scope; None: not a monitor

    @property
    def key(self) -> str:
        key = "cases=" + ",".join(self.cases)
        if self.monitor_consent:
            key += ";monitor-consent"
        if self.signals is not None:
            key += ";signals=" + ",".join(self.signals)
        return key

    @classmethod
    def from_key(cls, key: str) -> ResearchScope:
        cases: tuple[str, ...] = ()
        signals: tuple[str, ...] | None = None
        monitor_consent = False
        for field in key.split(";"):
            name, _sep, value = field.partition("=")
            parts = tuple(p for p in value.split(",") if p)
            if name == "cases":
                cases = parts
            elif name == "signals":
                signals = parts
            elif name == "monitor-consent":
                monitor_consent = True
            else:
                raise ValueError(f"unknown research scope field {field!r}")
        return cls(cases=cases, monitor_consent=monitor_consent, signals=signals)

    def case_q(self) -> Q | None:
        """The cases of this scope (as case_scope_filter); None: none at all."""
        combined: Q | None = None
        for part in self.cases:
            q = case_part_q(part)
            combined = q if combined is None else combined | q
        return combined

    def signal_q(self) -> Q | None:
        """The monitor's signals of this scope (as signal_scope_filter); None: none at all."""
        combined: Q | None = None
        for part in self.signals or ():
            q = signal_part_q(part)
            combined = q if combined is None else combined | q
        return combined


def _sorted_parts(parts) -> tuple[str, ...]:
    unique = {p for p in parts if p is not None}
    return ("all",) if "all" in unique else tuple(sorted(unique))


def research_scope(user, *, monitor: bool = False) -> ResearchScope:
    """The data scope of ``user``'s evaluation and pilot dashboard (EVALUATION_ACTION) or, with
    ``monitor``, of their monitor (with its consent rule and its signals)."""
    cases = _sorted_parts(
        _membership_case_part(m, user) for m in memberships_for(user, EVALUATION_ACTION)
    )
    if not monitor:
        return ResearchScope(cases=cases)
    signals = _sorted_parts(
        _membership_signal_part(m, user, MONITOR_SIGNAL_ACTION)
        for m in memberships_for(user, MONITOR_SIGNAL_ACTION)
    )
    return ResearchScope(
        cases=cases, monitor_consent=monitor_needs_consent_scope(user), signals=signals
    )


# --- signals (intake) -------------------------------------------------------------------------------
#
# A signal belongs to the police unit it is routed to: the safety coordinators of that unit triage
# it (SIGNAL_TRIAGE). A signaller follows only the signals they submitted themselves
# (SIGNAL_OWN_READ), not those of colleagues (ADR 0005). Funnel figures (SIGNAL_FUNNEL) count the
# signals in the viewer's scope; their case stages count only cases the viewer may see.


def _membership_signal_part(membership: Membership, user, action: Action) -> str | None:
    """Like _membership_case_part for signals: ``own:<user>``, ``unit:<id>``, ``all`` or None."""
    if action == Action.SIGNAL_OWN_READ:
        return f"own:{user.pk}"
    scope = ROLE_SCOPE.get(membership.role, Scope.NONE)
    if scope == Scope.POLICE_UNIT:
        return f"unit:{membership.police_unit_id}"
    if scope == Scope.NATIONAL:
        return "all"
    return None


def signal_part_q(part: str) -> Q:
    kind, _sep, rest = part.partition(":")
    if kind == "own":
        return Q(submitted_by_id=int(rest))
    if kind == "unit":
        return Q(police_unit_id=int(rest))
    if kind == "all":
        return Q()
    raise ValueError(f"unknown signal scope part {part!r}")


def _membership_signal_q(membership: Membership, user, action: Action) -> Q | None:
    part = _membership_signal_part(membership, user, action)
    return None if part is None else signal_part_q(part)


def signal_scope_filter(user, action: Action) -> Q | None:
    """A filter selecting the signals ``user`` may ``action``; None means none at all."""
    combined: Q | None = None
    for membership in memberships_for(user, action):
        q = _membership_signal_q(membership, user, action)
        if q is not None:
            combined = q if combined is None else combined | q
    return combined


def _membership_covers_signal(membership: Membership, signal, user, action: Action) -> bool:
    if action == Action.SIGNAL_OWN_READ:
        return signal.submitted_by_id is not None and signal.submitted_by_id == user.pk
    scope = ROLE_SCOPE.get(membership.role, Scope.NONE)
    if scope == Scope.POLICE_UNIT:
        return signal.police_unit_id == membership.police_unit_id
    return scope == Scope.NATIONAL


def can_on_signal(user, action: Action, signal) -> bool:
    """May ``user`` take ``action`` on ``signal``? Default deny."""
    return any(
        _membership_covers_signal(m, signal, user, action) for m in memberships_for(user, action)
    )


def intake_link_units(user) -> list:
    """The police units for which ``user`` may make one-time intake links."""
    return [
        m.police_unit
        for m in memberships_for(user, Action.INTAKE_LINK_MANAGE)
        if m.police_unit_id is not None
    ]


def may_administer(user) -> bool:
    return bool(user.is_active and user.is_staff and can(user, Action.ADMINISTER))


# --- four eyes in administration (ADR 0008) ---------------------------------------------------------
# The tables and pure rules live in inbeeld.policy_four_eyes (re-exported above).


def may_decide_change(user, *, requested_by_id: int | None, subject_user_id: int | None) -> bool:
    """May ``user`` approve or reject a request? Never their own, never one that grants them."""
    if not can(user, Action.APPROVAL_DECIDE):
        return False
    return user.pk != requested_by_id and user.pk != subject_user_id


# --- assignment (issue 14 item 8) ----------------------------------------------------------------
# Who may assign a case = who may record on it; a signal = who may triage it. The assignee must
# reach it in their regular scope (never through break-glass): one cannot hand work to someone
# who cannot see it.


def may_assign_case(user, case: Case) -> bool:
    return can(user, Action.EVENT_RECORD, case)


def may_own_case(user, case: Case) -> bool:
    return bool(getattr(user, "is_active", False)) and any(
        _membership_covers_case(m, case, user) for m in memberships_for(user, Action.EVENT_RECORD)
    )


def may_assign_signal(user, signal) -> bool:
    return can_on_signal(user, Action.SIGNAL_TRIAGE, signal)


def may_own_signal(user, signal) -> bool:
    return bool(getattr(user, "is_active", False)) and can_on_signal(
        user, Action.SIGNAL_TRIAGE, signal
    )

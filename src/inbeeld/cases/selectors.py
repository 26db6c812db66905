"""Reads of cases and their timeline. Every read takes the user and goes through the policy.

Views never query Case or ChainEvent directly (tests/test_architecture.py enforces it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from inbeeld import policy, web
from inbeeld.audit.models import AuditAction
from inbeeld.audit.reads import case_read
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import Case, ChainEvent, EventWithdrawal, SavedFilter
from inbeeld.cases.work_counts import apply_todo
from inbeeld.crypto import decrypt_text
from inbeeld.reference.models import ChainEventOutcome, PoliceUnit


def cases_visible_to(user, action: policy.Action = policy.Action.CASE_LIST) -> QuerySet[Case]:
    """All cases ``user`` may ``action``; an empty queryset when none (default deny)."""
    scope = policy.case_scope_filter(user, action)
    if scope is None:
        return Case.objects.none()
    return Case.objects.filter(scope)


# --- research scope (the rules are policy's: RESEARCH_CONSENT, MONITOR_CONSENT_SCOPE) -----------------


# The case's current consent covers the monitor: its latest ConsentRecord has the monitor's scope
# (Case.monitor_consent, kept by cases.services.consent_record in the record's transaction). A
# column filter, not a latest-record subquery per case, which cost each monitor query 0.6-0.8 s at
# 1,000,000 cases (ADR 0028).
MONITOR_CONSENT = Q(monitor_consent=True)


def cases_in_research_scope(*, monitor: bool = False) -> QuerySet[Case]:
    """The cases a research release may use without a user (the CLI's national scope, what every
    researcher sees); with ``monitor`` only those whose current consent covers the monitor."""
    cases = Case.objects.filter(policy.RESEARCH_CONSENT)
    if monitor:
        cases = cases.filter(MONITOR_CONSENT)
    return cases


def cases_in_evaluation_scope(user) -> QuerySet[Case]:
    """The cases ``user``'s evaluation counts: their visible cases (a researcher: consented)."""
    return cases_of_research_scope(policy.research_scope(user))


def cases_in_monitor_scope(user) -> QuerySet[Case]:
    """The cases ``user`` may count in the monitor: their visible cases, and for a user with a
    researcher membership only consented cases whose current consent covers the monitor."""
    return cases_of_research_scope(policy.research_scope(user, monitor=True))


def cases_of_research_scope(scope: policy.ResearchScope) -> QuerySet[Case]:
    """The cases of a research scope (policy.research_scope), rebuilt from the scope alone: what
    a stored result of that scope counts (jobs.results)."""
    q = scope.case_q()
    if q is None:
        return Case.objects.none()
    cases = Case.objects.filter(q)
    if scope.monitor_consent:
        cases = cases.filter(Q(research_consent=False) | MONITOR_CONSENT)
    return cases


def cases_in_microdata_scope(user) -> QuerySet[Case]:
    """The cases ``user`` may export as microdata (researchers: consented)."""
    return cases_visible_to(user, policy.MICRODATA_ACTION)


def case_get_for(
    user, code: str, *, action: policy.Action = policy.Action.CASE_VIEW, log_read: bool = True
) -> Case:
    """Fetch and authorise in one step.

    A case that does not exist and a case the user may not see both answer 404 (no existence
    leak); the refused attempt on an existing case is logged. A successful read is logged too.
    """
    case = (
        cases_visible_to(user, action)
        .select_related("police_unit", "police_unit__om_district", "court")
        .prefetch_related("exploitation_forms")
        .filter(code=code)
        .first()
    )
    if case is None:
        if Case.objects.filter(code=code).exists():
            audit_record(
                actor=user,
                action=AuditAction.CASE_ACCESS_DENIED,
                subject_type="case",
                subject_ref=code,
                case_code=code,
                extra={"action": str(action)},
            )
        raise Http404("case not found")
    # Reached by break-glass rather than regular scope? Decided once here; the case page shows
    # the banner from it and the read is logged with the grant.
    case.break_glass_grant = (
        None if policy.in_regular_scope(user, case) else policy.active_break_glass(user, case)
    )
    if log_read:
        # One row per user action (audit/reads.py): deferred to the end of the request and
        # dropped when the request (or the post it follows) writes a more specific row.
        case_read(actor=user, case_code=case.code, extra=_read_extra(case, action))
    return case


def _read_extra(case: Case, action: policy.Action) -> dict:
    extra = {"action": str(action)}
    if case.break_glass_grant is not None:
        extra["break_glass"] = case.break_glass_grant.pk
    return extra


def case_summary_get_for(user, code: str) -> Case:
    """The case for its printable summary: the case page's policy and selector (out of scope is
    a 404 and a refusal row, as there), the read logged at once as its own action, so the privacy
    officer sees that a summary was opened for printing."""
    case = case_get_for(user, code, log_read=False)
    audit_record(
        actor=user,
        action=AuditAction.CASE_SUMMARY_READ,
        subject_type="case",
        subject_ref=case.code,
        case_code=case.code,
        extra=_read_extra(case, policy.Action.CASE_VIEW),
    )
    return case


@dataclass(frozen=True)
class CaseListExtension:
    """A case-list filter whose data lives in an app above cases (the pilot's "reached by an
    intervention"). That app registers it in its AppConfig.ready(), so cases never imports it
    (ADR 0012): ``choices`` gives the objects to choose from (by code) for the filter form,
    ``apply`` narrows the case queryset to one chosen code."""

    choices: Callable[[], QuerySet]
    apply: Callable[[QuerySet[Case], str], QuerySet[Case]]


CASE_LIST_EXTENSIONS: dict[str, CaseListExtension] = {}


def case_list_extend(name: str, *, choices, apply) -> None:
    """Register the case-list filter ``name`` (a field of CaseFilters and CaseFilterForm)."""
    CASE_LIST_EXTENSIONS[name] = CaseListExtension(choices=choices, apply=apply)


@dataclass(frozen=True)
class CaseFilters:
    status: str = ""
    exploitation_form: str = ""
    minor: bool | None = None
    intake_from: dt.date | None = None
    intake_to: dt.date | None = None
    police_unit: str = ""
    reached_by: str = ""  # an intervention code: cases it was delivered to
    sort: str = "-intake_date"
    work: str = ""  # "mine": owned by the user; "unassigned": no owner (issue 14 item 8)
    todo: str = ""  # a to-do list of cases.work_counts (issue 14 item 9)


# The "mijn werk" / "niet toegewezen" filter of the case list and the signal queue.
WORK_FILTERS = [("mine", _("Mijn werk")), ("unassigned", _("Niet toegewezen"))]


def filter_on_work(qs, user, work: str):
    """``qs`` narrowed to the user's own work or to what nobody owns; unchanged otherwise."""
    if work == "mine":
        return qs.filter(owner_id=user.pk)
    if work == "unassigned":
        return qs.filter(owner__isnull=True)
    return qs


def units_visible_to(user):
    """The police units of the cases ``user`` may list (the unit filter offers only these)."""
    return PoliceUnit.objects.filter(
        pk__in=cases_visible_to(user).values("police_unit_id")
    ).order_by("name")


def saved_filters_for(user) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(user_id=user.pk)


def assignee_choices(user, case: Case) -> list:
    """The colleagues ``user`` may hand ``case`` to: active users who reach it in their own
    scope and may record on it (policy.may_own_case); empty when ``user`` may not assign."""
    from inbeeld.accounts.models import User

    if not policy.may_assign_case(user, case):
        return []
    # A cheap first cut (memberships that could reach this case); the policy decides per person.
    near = (
        Q(memberships__police_unit_id=case.police_unit_id)
        | Q(memberships__om_district_id=case.police_unit.om_district_id)
        | Q(case_assignments__case_id=case.pk)
    )
    if case.court_id is not None:
        near |= Q(memberships__court_id=case.court_id)
    candidates = User.objects.filter(near, is_active=True, memberships__is_active=True).distinct()
    candidates = policy.with_active_memberships(candidates.order_by("last_name", "username"))
    return [u for u in candidates if policy.may_own_case(u, case)]


SORTS = {
    "-intake_date": ("-intake_date", "-id"),
    "intake_date": ("intake_date", "id"),
    "code": ("code",),
    "status": ("status", "-intake_date", "-id"),
}


def case_list(user, filters: CaseFilters) -> QuerySet[Case]:
    """The case list for ``user``: their visible cases, filtered and sorted."""
    qs = cases_visible_to(user).select_related("police_unit")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.exploitation_form:
        qs = qs.filter(exploitation_forms__code=filters.exploitation_form)
    if filters.minor is not None:
        qs = qs.filter(minor_at_intake=filters.minor)
    if filters.intake_from:
        qs = qs.filter(intake_date__gte=filters.intake_from)
    if filters.intake_to:
        qs = qs.filter(intake_date__lte=filters.intake_to)
    if filters.police_unit:
        qs = qs.filter(police_unit__code=filters.police_unit)
    if filters.reached_by:
        qs = CASE_LIST_EXTENSIONS["reached_by"].apply(qs, filters.reached_by)
    qs = filter_on_work(qs, user, filters.work)
    qs = apply_todo(qs, filters.todo)
    return qs.prefetch_related("exploitation_forms").order_by(
        *SORTS.get(filters.sort, SORTS["-intake_date"])
    )


@dataclass(frozen=True)
class TimelineEntry:
    event: ChainEvent
    note: str | None  # None: there is a note, but the viewer may not read it
    has_note: bool
    superseded: bool
    corrects: ChainEvent | None
    withdrawal: EventWithdrawal | None = None  # withdrawn: shown struck through, counts nowhere
    withdrawn_by: str | None = None  # None: the viewer may not see people (as "vastgelegd door")
    outcome_label: str = ""  # the event's outcome as the vocabulary names it ("" for none)

    @property
    def effective(self) -> bool:
        """Counts in the replay and the figures: neither corrected nor withdrawn."""
        return not self.superseded and self.withdrawal is None


def case_timeline(user, case: Case) -> list[TimelineEntry]:
    """The case's timeline for ``user``: every event, oldest first, notes only where the policy
    lets this user read them (their own role family; never researchers or privacy officers).

    ``case`` must come from ``case_get_for`` (already authorised)."""
    families = policy.readable_note_families(user, case)
    show_people = policy.can(user, policy.Action.NOTE_READ, case)
    # The withdrawal (one-to-one) in the same query: a left join instead of a second read.
    events = list(
        ChainEvent.objects.filter(case=case)
        .select_related(
            "event_type",
            "organisation",
            "author",
            "supersedes__event_type",
            "withdrawal__withdrawn_by",
            "withdrawal__organisation",
        )
        .order_by("event_date", "id")
    )
    superseded_ids = {e.supersedes_id for e in events if e.supersedes_id}
    outcomes = _outcome_labels({e.event_type_id for e in events if e.outcome})
    entries = []
    for event in events:
        has_note = bool(event.note_ciphertext)
        note = None
        if has_note and event.note_family in families:
            note = decrypt_text(event.note_ciphertext)
        withdrawal = web.loaded_one(event, "withdrawal")
        entries.append(
            TimelineEntry(
                event=event,
                note=note,
                has_note=has_note,
                superseded=event.pk in superseded_ids,
                corrects=event.supersedes,
                withdrawal=withdrawal,
                withdrawn_by=_person(withdrawal, show_people),
                outcome_label=outcomes.get((event.event_type_id, event.outcome), ""),
            )
        )
    return entries


def _outcome_labels(event_type_ids: set[int]) -> dict[tuple[int, str], str]:
    """(event type, outcome code) -> the outcome's label, for the event types of a timeline."""
    if not event_type_ids:
        return {}
    rows = ChainEventOutcome.objects.filter(event_type_id__in=event_type_ids)
    return {(o.event_type_id, o.code): o.label for o in rows}


def _person(withdrawal: EventWithdrawal | None, show_people: bool) -> str | None:
    if withdrawal is None or not show_people:
        return None
    who = str(withdrawal.withdrawn_by) if withdrawal.withdrawn_by else ""
    if withdrawal.organisation:
        who = f"{who}, {withdrawal.organisation}" if who else str(withdrawal.organisation)
    return who or None


def event_get_for(user, case: Case, event_id: int) -> ChainEvent:
    """One event of an already-authorised case (404 when it belongs elsewhere)."""
    event = (
        ChainEvent.objects.select_related("event_type", "case")
        .filter(case=case, pk=event_id)
        .first()
    )
    if event is None:
        raise Http404("event not found")
    return event


@dataclass(frozen=True)
class PrivacySummary:
    research_consent: bool
    consent_history: list
    linkage_sources: list[str]


def case_privacy_summary(user, case: Case) -> PrivacySummary:
    """Consent history and which sources hold a linkage key (never the keys themselves).

    ``case`` must come from ``case_get_for`` (already authorised)."""
    from inbeeld.cases.models import LinkageKey

    labels = dict(LinkageKey.Source.choices)
    sources = sorted({labels[s] for s in case.linkage_keys.values_list("source", flat=True)})
    return PrivacySummary(
        research_consent=case.research_consent,
        consent_history=list(case.consent_records.order_by("date", "id")),
        linkage_sources=sources,
    )

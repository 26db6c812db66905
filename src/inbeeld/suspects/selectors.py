"""Reads of suspects, their prosecution and non-punishment. Every read takes the user and the
case (already fetched and authorised by cases.selectors.case_get_for) and asks the policy:

* SUSPECT_VIEW (police, prosecutor in scope; researchers on consented cases): the suspects,
  their links and proceedings; a link's note only for the writer's role family (never for
  researchers), the people who recorded only for those who read notes.
* SUSPECT_COUNT (care roles, the examining judge): only how many suspects are linked.
* nobody else: nothing. A suspect not linked to the case answers 404, as a case out of scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.http import Http404

from inbeeld import policy, web
from inbeeld.cases.models import Case, ChainEvent
from inbeeld.stats import vocabulary as ev
from inbeeld.suspects.models import (
    NON_PUNISHMENT_APPLIED,
    LinkWithdrawal,
    Measure,
    NonPunishmentEntry,
    NonPunishmentWithdrawal,
    ProceedingEntry,
    ProceedingKind,
    ProceedingWithdrawal,
    Suspect,
    SuspectCaseLink,
)
from inbeeld.suspects.workflow import ProceedingStatus, StepNotAllowed, allowed_kinds, replay


def may_view(user, case: Case) -> bool:
    return policy.can(user, policy.Action.SUSPECT_VIEW, case)


def effective_links(case: Case):
    from inbeeld.suspects.models import EFFECTIVE_LINK

    return SuspectCaseLink.objects.filter(EFFECTIVE_LINK, case=case)


def suspect_count(user, case: Case) -> int | None:
    """How many suspects are linked to ``case`` (standing links), for a user who may see that;
    None for a user who may not."""
    if not (may_view(user, case) or policy.can(user, policy.Action.SUSPECT_COUNT, case)):
        return None
    return effective_links(case).values("suspect").distinct().count()


@dataclass
class LinkRow:
    link: SuspectCaseLink
    note: str | None
    superseded: bool
    withdrawal: LinkWithdrawal | None
    recorded_by: str | None

    @property
    def effective(self) -> bool:
        return not self.superseded and self.withdrawal is None


@dataclass(frozen=True)
class Step:
    """One standing step of a suspect's proceedings (case_suspects reads them with the links)."""

    kind: str
    decision: str
    verdict: str
    date: dt.date


@dataclass
class SuspectRow:
    suspect: Suspect
    link: LinkRow
    status: str
    history: list[LinkRow] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)  # standing, oldest first (date, id)

    @property
    def status_label(self) -> str:
        return ProceedingStatus(self.status).label


def _person(user_obj, show: bool) -> str | None:
    if not show or user_obj is None:
        return None
    return user_obj.get_full_name() or user_obj.username


def case_suspects(user, case: Case) -> list[SuspectRow] | None:
    """The suspects of ``case`` with their current link, its history and their proceedings'
    status; None when ``user`` may not see them (then at most suspect_count)."""
    if not may_view(user, case):
        return None
    families = policy.readable_note_families(user, case)
    show_people = policy.can(user, policy.Action.NOTE_READ, case)
    # The withdrawal (one-to-one) in the same query: a left join instead of a second read.
    links = list(
        SuspectCaseLink.objects.filter(case=case)
        .select_related("suspect", "recorded_by", "withdrawal__withdrawn_by")
        .order_by("recorded_at", "id")
    )
    superseded = {link.supersedes_id for link in links if link.supersedes_id}
    by_suspect: dict[int, list[LinkRow]] = {}
    for link in links:
        note = None
        if link.note_ciphertext and link.note_family in families:
            note = link.note
        row = LinkRow(
            link=link,
            note=note,
            superseded=link.pk in superseded,
            withdrawal=web.loaded_one(link, "withdrawal"),
            recorded_by=_person(link.recorded_by, show_people),
        )
        by_suspect.setdefault(link.suspect_id, []).append(row)
    steps = _steps(case)
    statuses = _statuses_of(steps)
    rows = []
    for history in by_suspect.values():
        current = next((r for r in reversed(history) if r.effective), None)
        if current is None:
            current = history[-1]
        suspect = current.link.suspect
        rows.append(
            SuspectRow(
                suspect=suspect,
                link=current,
                status=statuses.get(suspect.pk, ProceedingStatus.REGISTERED),
                history=history,
                steps=steps.get(suspect.pk, []),
            )
        )
    rows.sort(key=lambda r: (not r.link.effective, r.link.link.recorded_at))
    return rows


def _standing_entries(case: Case, suspect: Suspect | None = None):
    from inbeeld.suspects.models import EFFECTIVE_PROCEEDING

    entries = ProceedingEntry.objects.filter(EFFECTIVE_PROCEEDING, case=case)
    if suspect is not None:
        entries = entries.filter(suspect=suspect)
    return entries.order_by("date", "id")


def _steps(case: Case) -> dict[int, list[Step]]:
    """Each suspect's standing proceeding steps in ``case``, oldest first."""
    steps: dict[int, list[Step]] = {}
    for suspect_id, *step in _standing_entries(case).values_list(
        "suspect_id", "kind", "decision", "verdict", "date"
    ):
        steps.setdefault(suspect_id, []).append(Step(*step))
    return steps


def _statuses(case: Case) -> dict[int, str]:
    return _statuses_of(_steps(case))


def _statuses_of(steps: dict[int, list[Step]]) -> dict[int, str]:
    statuses = {}
    for suspect_id, suspect_steps in steps.items():
        try:
            statuses[suspect_id] = replay([(s.kind, s.decision) for s in suspect_steps])
        except StepNotAllowed:  # pragma: no cover (the services refuse such a timeline)
            statuses[suspect_id] = ProceedingStatus.REGISTERED
    return statuses


def suspect_get_for(user, case: Case, code: str) -> Suspect:
    """The suspect ``code`` as linked to ``case`` (a link ever made, so a withdrawn link stays
    readable), for a user who may view the case's suspects; otherwise 404."""
    if not may_view(user, case):
        raise Http404("suspect not found")
    suspect = Suspect.objects.filter(code=code, case_links__case=case).distinct().first()
    if suspect is None:
        raise Http404("suspect not found")
    return suspect


def suspect_for_linking(user, case: Case, code: str) -> Suspect | None:
    """An existing suspect ``user`` may link to ``case`` by its code: one linked (now) to a case
    the user may view suspects of. None otherwise, the same answer whether the code exists or
    not (no existence leak across scopes)."""
    if not policy.can(user, policy.Action.SUSPECT_LINK, case):
        return None
    scope = policy.case_scope_filter(user, policy.Action.SUSPECT_VIEW)
    if scope is None:
        return None
    from inbeeld.cases.selectors import cases_visible_to

    visible = cases_visible_to(user, policy.Action.SUSPECT_VIEW)
    from inbeeld.suspects.models import EFFECTIVE_LINK

    linked = SuspectCaseLink.objects.filter(EFFECTIVE_LINK, case__in=visible.values("pk"))
    return Suspect.objects.filter(
        code=code.strip().upper(), pk__in=linked.values("suspect_id")
    ).first()


def link_get_for(user, case: Case, link_id: int) -> SuspectCaseLink:
    """A link of ``case`` the user may change; 404 for a link of another case."""
    if not policy.can(user, policy.Action.SUSPECT_LINK, case):
        raise Http404("link not found")
    link = (
        SuspectCaseLink.objects.select_related("suspect", "case")
        .filter(pk=link_id, case=case)
        .first()
    )
    if link is None:
        raise Http404("link not found")
    return link


@dataclass
class ProceedingRow:
    entry: ProceedingEntry
    superseded: bool
    withdrawal: ProceedingWithdrawal | None
    recorded_by: str | None

    @property
    def effective(self) -> bool:
        return not self.superseded and self.withdrawal is None

    @property
    def measure_labels(self) -> list[str]:
        return [str(Measure(m).label) for m in self.entry.measures if m in Measure.values]


def suspect_proceedings(user, case: Case, suspect: Suspect) -> list[ProceedingRow]:
    """Every proceeding entry of ``suspect`` in ``case``, oldest first (corrected and withdrawn
    ones marked). ``suspect`` comes from suspect_get_for (authorised)."""
    show_people = policy.can(user, policy.Action.NOTE_READ, case)
    entries = list(
        ProceedingEntry.objects.filter(case=case, suspect=suspect)
        .select_related("recorded_by")
        .order_by("date", "id")
    )
    superseded = {e.supersedes_id for e in entries if e.supersedes_id}
    withdrawals = {
        w.entry_id: w
        for w in ProceedingWithdrawal.objects.filter(entry__case=case, entry__suspect=suspect)
    }
    return [
        ProceedingRow(
            entry=e,
            superseded=e.pk in superseded,
            withdrawal=withdrawals.get(e.pk),
            recorded_by=_person(e.recorded_by, show_people),
        )
        for e in entries
    ]


def proceeding_status(case: Case, suspect: Suspect) -> str:
    return _statuses(case).get(suspect.pk, ProceedingStatus.REGISTERED)


def proceeding_kinds_allowed(case: Case, suspect: Suspect) -> set[str]:
    return allowed_kinds(proceeding_status(case, suspect))


def proceeding_get_for(user, case: Case, suspect: Suspect, entry_id: int) -> ProceedingEntry:
    if not policy.can(user, policy.Action.PROCEEDING_RECORD, case):
        raise Http404("entry not found")
    entry = ProceedingEntry.objects.filter(pk=entry_id, case=case, suspect=suspect).first()
    if entry is None:
        raise Http404("entry not found")
    return entry


# --- lead times ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadTimes:
    first_police_contact: dt.date | None
    decision: dt.date | None
    verdict: dt.date | None

    @property
    def to_decision(self) -> int | None:
        if self.first_police_contact and self.decision:
            return (self.decision - self.first_police_contact).days
        return None

    @property
    def to_verdict(self) -> int | None:
        if self.first_police_contact and self.verdict:
            return (self.verdict - self.first_police_contact).days
        return None


def first_police_contact(case: Case) -> dt.date | None:
    from inbeeld.cases.models import EFFECTIVE_EVENT

    return (
        ChainEvent.objects.filter(
            EFFECTIVE_EVENT, case=case, event_type__code=ev.FIRST_POLICE_CONTACT
        )
        .order_by("event_date")
        .values_list("event_date", flat=True)
        .first()
    )


def suspect_lead_times(case: Case, suspect: Suspect) -> LeadTimes:
    """Days from the case's first police contact to the suspect's prosecution decision and to
    their (first-instance) verdict, from the standing entries; None where a date is missing."""
    dates = {}
    for kind, date in _standing_entries(case, suspect).values_list("kind", "date"):
        dates.setdefault(kind, date)
    return LeadTimes(
        first_police_contact=first_police_contact(case),
        decision=dates.get(ProceedingKind.DECISION),
        verdict=dates.get(ProceedingKind.VERDICT),
    )


# --- non-punishment ------------------------------------------------------------------------------


@dataclass
class NonPunishmentRow:
    entry: NonPunishmentEntry
    withdrawal: NonPunishmentWithdrawal | None
    recorded_by: str | None


def case_non_punishment(user, case: Case) -> list[NonPunishmentRow] | None:
    """The non-punishment entries of ``case`` (None: the user may not see them)."""
    if not may_view(user, case):
        return None
    show_people = policy.can(user, policy.Action.NOTE_READ, case)
    entries = (
        NonPunishmentEntry.objects.filter(case=case)
        .select_related("recorded_by", "withdrawal")
        .order_by("date", "id")
    )
    return [
        NonPunishmentRow(e, web.loaded_one(e, "withdrawal"), _person(e.recorded_by, show_people))
        for e in entries
    ]


def non_punishment_get_for(user, case: Case, entry_id: int) -> NonPunishmentEntry:
    if not policy.can(user, policy.Action.NON_PUNISHMENT_RECORD, case):
        raise Http404("entry not found")
    entry = NonPunishmentEntry.objects.filter(pk=entry_id, case=case).first()
    if entry is None:
        raise Http404("entry not found")
    return entry


def safety_fact_get_for(user, case: Case, fact_id: int):
    """A safety fact of ``case`` the user may correct or withdraw (SUSPECT_LINK, as recording
    it); 404 for a fact of another case or a user without the action."""
    from inbeeld.suspects.models import SafetyFact

    if not policy.can(user, policy.Action.SUSPECT_LINK, case):
        raise Http404("safety fact not found")
    fact = SafetyFact.objects.select_related("case").filter(pk=fact_id, case=case).first()
    if fact is None:
        raise Http404("safety fact not found")
    return fact


def non_punishment_applied(outcome: str) -> bool:
    return outcome in NON_PUNISHMENT_APPLIED


def case_modus_operandi(user, case: Case):
    """The case's current modus operandi (the newest record), None when there is none or the
    user may not see suspects of the case."""
    from inbeeld.suspects.models import ModusOperandiRecord

    if not may_view(user, case):
        return None
    return (
        ModusOperandiRecord.objects.filter(case=case)
        .select_related("criminal_subform", "location", "recruitment_channel", "platform_category")
        .order_by("-recorded_at", "-id")
        .first()
    )


# --- safety and secondary victimisation ----------------------------------------------------------


@dataclass
class SafetyFactRow:
    """One fact as the case page shows it: standing, corrected (superseded by a newer fact) or
    withdrawn (struck through with when and why). ``fact`` is loaded with its withdrawal and
    correction (case_safety), so these properties need no query."""

    fact: object
    story_told: bool
    recorded_by: str | None

    @property
    def withdrawal(self):
        return web.loaded_one(self.fact, "withdrawal")

    @property
    def superseded(self) -> bool:
        return web.loaded_one(self.fact, "superseded_by") is not None

    @property
    def effective(self) -> bool:
        return not self.superseded and self.withdrawal is None


@dataclass
class CaseSafety:
    rows: list[SafetyFactRow]

    @property
    def tellings(self) -> list[SafetyFactRow]:
        return [row for row in self.rows if row.story_told]

    @property
    def facts(self) -> list[SafetyFactRow]:
        return [row for row in self.rows if not row.story_told]

    @property
    def times_story_told(self) -> int:
        """Standing tellings only (as modus_operandi.times_story_told)."""
        return sum(1 for row in self.tellings if row.effective)


def case_safety(user, case: Case) -> CaseSafety | None:
    """The safety facts of ``case`` and the times the victim told the story (issue 17 item 5),
    for those who see the suspects of the case (SUSPECT_VIEW); None for everybody else. Every
    fact ever recorded, oldest first: corrected and withdrawn ones are marked, not counted."""
    from inbeeld.suspects.models import STORY_TOLD, SafetyFact

    if not may_view(user, case):
        return None
    show_people = policy.can(user, policy.Action.NOTE_READ, case)
    facts = (
        SafetyFact.objects.filter(case=case)
        .select_related("recorded_by", "withdrawal__withdrawn_by", "superseded_by")
        .order_by("date", "id")
    )
    return CaseSafety(
        [SafetyFactRow(f, f.kind in STORY_TOLD, _person(f.recorded_by, show_people)) for f in facts]
    )


def safety_fact_rows(cases):
    """(case id, fact code, date) of every standing safety fact of ``cases`` (a queryset already scoped by
    inbeeld.policy): the set-based read of the evaluation's safety table (analysis.tables). Codes
    and dates only, never who recorded it."""
    from inbeeld.suspects.models import EFFECTIVE_SAFETY_FACT, SafetyFact

    # Only standing facts: a corrected or withdrawn fact counts nowhere (ADR 0023 decision 16).
    return (
        SafetyFact.objects.filter(EFFECTIVE_SAFETY_FACT, case__in=cases.order_by().values("pk"))
        .order_by("case_id", "date", "id")
        .values_list("case_id", "kind", "date")
    )

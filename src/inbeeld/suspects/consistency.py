"""Does the case's own path agree with its suspects' proceedings? (ADR 0023 decision 6.)

The case-level ``prosecution_decision`` and ``verdict`` events are the victim's path; the
per-suspect ProceedingEntry rows are a second, finer record next to them and nothing keeps the
two in sync. This module compares them and lists what cannot both be true, so the police and the
prosecutor see it on the case page ("Let op: ...") with a link to where to correct it.

Only comparisons that are contradictions whichever record is right are made (the case-level
decision is "the first decision in her case"; the case-level verdict is the one she experienced,
which need not be the first of several trials, so verdict *dates* are not compared):

* ``no_suspect``: the case has a decision or verdict, but no suspect is linked to it;
* ``decision_missing_for_suspects`` / ``verdict_missing_for_suspects``: the case has a decision
  (verdict), no linked suspect has one;
* ``decision_missing_for_case`` / ``verdict_missing_for_case``: a linked suspect has a decision
  (verdict), the case has none;
* ``before_case_decision``: a suspect's decision or verdict is dated before the case's first
  decision;
* ``case_dismissed_suspects_prosecuted`` / ``case_summons_suspects_dismissed``: the case's
  current (latest) decision is a dismissal while every suspect with a decision was prosecuted
  (summons or penalty order), or a summons while every suspect with a decision was dismissed;
* ``case_conviction_nobody_convicted`` / ``case_acquittal_everybody_convicted``: the case has a
  conviction while no suspect with a verdict was found guilty, or only an acquittal or discharge
  while every suspect with a verdict was found guilty.

Suspects count only through a standing link; only standing entries and effective events count.
:func:`find_mismatches` is pure (tested on hand-built inputs); :func:`case_outcome_mismatches`
reads the case for a user and renders the Dutch notices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld import policy
from inbeeld.cases.models import Case, ChainEvent
from inbeeld.stats import vocabulary as ev
from inbeeld.suspects.models import Decision, ProceedingKind, Verdict

PROSECUTED = frozenset({Decision.SUMMONS, Decision.PENALTY_ORDER})
FOUND_GUILTY = frozenset({Verdict.CONVICTION, Verdict.GUILTY_NO_PENALTY})


@dataclass(frozen=True)
class CaseOutcomes:
    """The case's effective decisions and verdicts: (date, outcome code), in date order."""

    decisions: tuple[tuple[dt.date, str], ...] = ()
    verdicts: tuple[tuple[dt.date, str], ...] = ()


@dataclass(frozen=True)
class SuspectOutcomes:
    """One linked suspect's standing decision (date, Decision) and verdicts (date, Verdict)."""

    code: str
    decision: tuple[dt.date, str] | None = None
    verdicts: tuple[tuple[dt.date, str], ...] = ()


@dataclass(frozen=True)
class Finding:
    check: str
    suspect: str | None = None  # the suspect code the finding is about, if one
    date: dt.date | None = None  # the date the finding names first
    other_date: dt.date | None = None


def _decision_findings(case: CaseOutcomes, suspects: list[SuspectOutcomes]) -> list[Finding]:
    decided = [s for s in suspects if s.decision is not None]
    if case.decisions and not decided:
        return [Finding("decision_missing_for_suspects", date=case.decisions[0][0])]
    if decided and not case.decisions:
        first = min(decided, key=lambda s: s.decision)
        return [Finding("decision_missing_for_case", suspect=first.code, date=first.decision[0])]
    if not decided:
        return []
    latest_date, latest = case.decisions[-1]
    prosecuted = [s.decision[1] in PROSECUTED for s in decided]
    if latest != ev.SUMMONS_OUTCOME and all(prosecuted):
        return [Finding("case_dismissed_suspects_prosecuted", date=latest_date)]
    if latest == ev.SUMMONS_OUTCOME and not any(prosecuted):
        return [Finding("case_summons_suspects_dismissed", date=latest_date)]
    return []


def _verdict_findings(case: CaseOutcomes, suspects: list[SuspectOutcomes]) -> list[Finding]:
    judged = [s for s in suspects if s.verdicts]
    if case.verdicts and not judged:
        return [Finding("verdict_missing_for_suspects", date=case.verdicts[0][0])]
    if judged and not case.verdicts:
        first = min(judged, key=lambda s: s.verdicts[0])
        return [Finding("verdict_missing_for_case", suspect=first.code, date=first.verdicts[0][0])]
    if not judged:
        return []
    guilty = [any(v in FOUND_GUILTY for _d, v in s.verdicts) for s in judged]
    convictions = [d for d, outcome in case.verdicts if outcome == ev.CONVICTION_OUTCOME]
    if convictions and not any(guilty):
        return [Finding("case_conviction_nobody_convicted", date=convictions[0])]
    if not convictions and all(guilty):
        return [Finding("case_acquittal_everybody_convicted", date=case.verdicts[0][0])]
    return []


def _order_findings(case: CaseOutcomes, suspects: list[SuspectOutcomes]) -> list[Finding]:
    if not case.decisions:
        return []
    first_case_decision = case.decisions[0][0]
    findings = []
    for suspect in suspects:
        steps = ([suspect.decision] if suspect.decision else []) + list(suspect.verdicts)
        early = [d for d, _outcome in steps if d < first_case_decision]
        if early:
            findings.append(
                Finding(
                    "before_case_decision",
                    suspect=suspect.code,
                    date=min(early),
                    other_date=first_case_decision,
                )
            )
    return findings


def find_mismatches(case: CaseOutcomes, suspects: list[SuspectOutcomes]) -> list[Finding]:
    """What the case's decisions and verdicts and its linked suspects' proceedings contradict
    each other on (see the module docstring), in a stable order; [] when they agree."""
    if not suspects:
        if case.decisions or case.verdicts:
            dates = [d for d, _o in case.decisions + case.verdicts]
            return [Finding("no_suspect", date=min(dates))]
        return []
    return (
        _decision_findings(case, suspects)
        + _verdict_findings(case, suspects)
        + _order_findings(case, suspects)
    )


# --- reading a case and rendering the notices ------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """One notice for the case page: the Dutch sentence and where to correct it."""

    check: str
    message: str
    links: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (label, url)


def _case_outcomes(case: Case) -> CaseOutcomes:
    from inbeeld.cases.models import EFFECTIVE_EVENT

    rows = (
        ChainEvent.objects.filter(
            EFFECTIVE_EVENT,
            case=case,
            event_type__code__in=(ev.PROSECUTION_DECISION, ev.VERDICT),
        )
        .order_by("event_date", "id")
        .values_list("event_type__code", "event_date", "outcome")
    )
    decisions = tuple((d, o) for code, d, o in rows if code == ev.PROSECUTION_DECISION)
    verdicts = tuple((d, o) for code, d, o in rows if code == ev.VERDICT)
    return CaseOutcomes(decisions=decisions, verdicts=verdicts)


def _suspect_outcomes(case: Case) -> list[SuspectOutcomes]:
    from inbeeld.suspects.models import EFFECTIVE_PROCEEDING, ProceedingEntry
    from inbeeld.suspects.selectors import effective_links

    linked = dict(
        effective_links(case)
        .order_by("recorded_at", "id")
        .values_list("suspect_id", "suspect__code")
    )
    decisions: dict[int, tuple[dt.date, str]] = {}
    verdicts: dict[int, list[tuple[dt.date, str]]] = {}
    entries = ProceedingEntry.objects.filter(
        EFFECTIVE_PROCEEDING, case=case, suspect_id__in=linked
    ).order_by("date", "id")
    for entry in entries:  # a handful per case
        if entry.kind == ProceedingKind.DECISION:
            decisions.setdefault(entry.suspect_id, (entry.date, entry.decision))
        elif entry.kind == ProceedingKind.VERDICT:
            verdicts.setdefault(entry.suspect_id, []).append((entry.date, entry.verdict))
    return [
        SuspectOutcomes(
            code=code,
            decision=decisions.get(pk),
            verdicts=tuple(verdicts.get(pk, ())),
        )
        for pk, code in linked.items()
    ]


def _case_outcomes_of(timeline) -> CaseOutcomes:
    """As _case_outcomes, from the case's timeline (cases.selectors.case_timeline: every event,
    by date and id) that the case page has read already."""
    rows = [
        (e.event.event_type.code, e.event.event_date, e.event.outcome)
        for e in timeline
        if e.effective and e.event.event_type.code in (ev.PROSECUTION_DECISION, ev.VERDICT)
    ]
    decisions = tuple((d, o) for code, d, o in rows if code == ev.PROSECUTION_DECISION)
    verdicts = tuple((d, o) for code, d, o in rows if code == ev.VERDICT)
    return CaseOutcomes(decisions=decisions, verdicts=verdicts)


def _suspect_outcomes_of(rows) -> list[SuspectOutcomes]:
    """As _suspect_outcomes, from the section's rows (suspects.selectors.case_suspects: each
    suspect's links and standing steps): the suspects with a standing link, in the order of their
    first standing link."""
    linked = []
    for row in rows:
        first = next((r.link for r in row.history if r.effective), None)
        if first is not None:
            linked.append(((first.recorded_at, first.pk), row))
    linked.sort(key=lambda item: item[0])
    outcomes = []
    for _key, row in linked:
        decisions = [(s.date, s.decision) for s in row.steps if s.kind == ProceedingKind.DECISION]
        verdicts = [(s.date, s.verdict) for s in row.steps if s.kind == ProceedingKind.VERDICT]
        outcomes.append(
            SuspectOutcomes(
                code=row.suspect.code,
                decision=decisions[0] if decisions else None,
                verdicts=tuple(verdicts),
            )
        )
    return outcomes


def _day(date: dt.date | None) -> str:
    return date_format(date, "j F Y") if date else ""


MESSAGES = {
    "no_suspect": gettext_lazy(
        "De casus heeft een vervolgingsbeslissing of vonnis (%(date)s), maar er is geen "
        "verdachte aan gekoppeld."
    ),
    "decision_missing_for_suspects": gettext_lazy(
        "De casus heeft een vervolgingsbeslissing (%(date)s), maar bij geen van de gekoppelde "
        "verdachten is een beslissing vastgelegd."
    ),
    "decision_missing_for_case": gettext_lazy(
        "Bij verdachte %(suspect)s is een vervolgingsbeslissing vastgelegd (%(date)s), maar de "
        "casus zelf heeft geen vervolgingsbeslissing."
    ),
    "verdict_missing_for_suspects": gettext_lazy(
        "De casus heeft een vonnis (%(date)s), maar bij geen van de gekoppelde verdachten is een "
        "uitspraak vastgelegd."
    ),
    "verdict_missing_for_case": gettext_lazy(
        "Bij verdachte %(suspect)s is een uitspraak vastgelegd (%(date)s), maar de casus zelf "
        "heeft geen vonnis."
    ),
    "before_case_decision": gettext_lazy(
        "Bij verdachte %(suspect)s is een stap in de vervolging vastgelegd op %(date)s, vóór de "
        "eerste vervolgingsbeslissing van de casus (%(other_date)s)."
    ),
    "case_dismissed_suspects_prosecuted": gettext_lazy(
        "De laatste vervolgingsbeslissing van de casus is een sepot (%(date)s), maar alle "
        "verdachten met een beslissing zijn gedagvaard of kregen een strafbeschikking."
    ),
    "case_summons_suspects_dismissed": gettext_lazy(
        "De laatste vervolgingsbeslissing van de casus is een dagvaarding (%(date)s), maar alle "
        "verdachten met een beslissing zijn geseponeerd."
    ),
    "case_conviction_nobody_convicted": gettext_lazy(
        "De casus heeft een veroordeling als vonnis (%(date)s), maar geen van de verdachten met "
        "een uitspraak is schuldig verklaard."
    ),
    "case_acquittal_everybody_convicted": gettext_lazy(
        "Het vonnis van de casus is een vrijspraak of ontslag (%(date)s), maar alle verdachten "
        "met een uitspraak zijn schuldig verklaard."
    ),
}

# Where each finding is corrected (see _links): "suspect" is the suspect the finding names,
# "suspects" every linked suspect.
FIXES = {
    "no_suspect": ("link",),
    "decision_missing_for_suspects": ("suspects",),
    "decision_missing_for_case": ("timeline", "suspect"),
    "verdict_missing_for_suspects": ("suspects",),
    "verdict_missing_for_case": ("timeline", "suspect"),
    "before_case_decision": ("suspect", "timeline"),
    "case_dismissed_suspects_prosecuted": ("timeline", "suspects"),
    "case_summons_suspects_dismissed": ("timeline", "suspects"),
    "case_conviction_nobody_convicted": ("timeline", "suspects"),
    "case_acquittal_everybody_convicted": ("timeline", "suspects"),
}


def _links(case: Case, finding: Finding, codes: list[str]) -> tuple[tuple[str, str], ...]:
    """Where to correct ``finding``: the case's timeline (its own events, with "Gebeurtenis
    vastleggen" above it), the page of the suspect it names or of every linked suspect (their
    proceedings), or the page that links a suspect."""
    links = []
    for target in FIXES[finding.check]:
        if target == "timeline":
            page = reverse("cases:detail", args=[case.code])
            links.append((_("Naar de tijdlijn van de casus"), page + "#tijdlijn"))
        elif target == "link":
            links.append((_("Verdachte koppelen"), reverse("suspects:link", args=[case.code])))
        else:
            for code in [finding.suspect] if target == "suspect" else codes:
                links.append(
                    (
                        _("Naar de vervolging van %(suspect)s") % {"suspect": code},
                        reverse("suspects:detail", args=[case.code, code]),
                    )
                )
    return tuple(links)


def case_outcome_mismatches(user, case: Case, *, rows=None, timeline=None) -> list[Mismatch] | None:
    """The notices for the case page's suspects section: for who links suspects or records their
    prosecution (police, prosecutor in scope) the contradictions between the case's decisions and
    verdicts and its suspects' proceedings; None for everyone else (researchers and care roles
    are not asked to correct anything).

    ``rows`` (suspects.selectors.case_suspects) and ``timeline`` (cases.selectors.case_timeline),
    when the page has read them for this user already, spare reading them again."""
    if not (
        policy.can(user, policy.Action.SUSPECT_LINK, case)
        or policy.can(user, policy.Action.PROCEEDING_RECORD, case)
    ):
        return None
    suspects = _suspect_outcomes(case) if rows is None else _suspect_outcomes_of(rows)
    outcomes = _case_outcomes(case) if timeline is None else _case_outcomes_of(timeline)
    codes = [s.code for s in suspects]
    return [
        Mismatch(
            check=f.check,
            message=str(MESSAGES[f.check])
            % {"suspect": f.suspect, "date": _day(f.date), "other_date": _day(f.other_date)},
            links=_links(case, f, codes),
        )
        for f in find_mismatches(outcomes, suspects)
    ]

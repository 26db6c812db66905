"""Reads of the agenda register (ADR 0024), always through the user: the register, one
recommendation's path, the coding state of a milestone and the figure's inputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.agenda import ladder
from inbeeld.agenda.models import (
    Milestone,
    MilestoneCoding,
    Publication,
    Recommendation,
    Source,
)
from inbeeld.web import TransitionNotAllowed

WITHDRAWN = "withdrawn"


def _require_read(user) -> None:
    if not policy.can(user, policy.Action.AGENDA_READ):
        raise PermissionDenied(_("U heeft geen toegang tot de agenda."))


def may_manage(user) -> bool:
    return policy.can(user, policy.Action.AGENDA_MANAGE)


def may_code(user) -> bool:
    return policy.can(user, policy.Action.AGENDA_CODE)


@dataclass(frozen=True)
class Coding:
    """The coding state of one milestone: the two independent codes (if any), whether they
    agree, and the final code (agreed, or decided by a third person)."""

    codes: tuple[MilestoneCoding, ...]
    adjudication: object | None

    @property
    def complete(self) -> bool:
        return len(self.codes) >= 2

    @property
    def agreed(self) -> bool:
        return self.complete and _same(self.codes[0], self.codes[1])

    @property
    def needs_decision(self) -> bool:
        return self.complete and not self.agreed and self.adjudication is None

    @property
    def final(self) -> tuple[str, bool] | None:
        if self.adjudication is not None:
            return self.adjudication.rung, self.adjudication.causal_link
        if self.agreed:
            return self.codes[0].rung, self.codes[0].causal_link
        return None

    @property
    def final_label(self) -> str:
        if self.final is None:
            return ""
        rung, link = self.final
        link_label = _("verband expliciet") if link else _("geen expliciet verband")
        return f"{ladder.RUNG_LABELS[rung]}, {link_label}"

    @property
    def state_label(self) -> str:
        if self.adjudication is not None:
            return _("beslist na verschil")
        if self.agreed:
            return _("twee codeurs eens")
        if self.complete:
            return _("codeurs verschillen: wacht op beslissing")
        return _("%(n)s van 2 codeurs") % {"n": len(self.codes)}


def _same(a, b) -> bool:
    return (a.rung, a.causal_link) == (b.rung, b.causal_link)


def coding_of(milestone: Milestone) -> Coding:
    adjudication = (
        getattr(milestone, "adjudication", None) if has_related(milestone, "adjudication") else None
    )
    return Coding(tuple(milestone.codings.all())[:2], adjudication)


def has_related(obj, name: str) -> bool:
    try:
        getattr(obj, name)
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist of a reverse one-to-one
        return False
    return True


def _effective(milestone: Milestone) -> bool:
    return not has_related(milestone, "superseded_by") and not has_related(milestone, "withdrawal")


@dataclass
class Row:
    """A recommendation with its milestones and its status (replayed)."""

    recommendation: Recommendation
    milestones: list[Milestone] = field(default_factory=list)
    status: str = ladder.OPEN

    @property
    def withdrawn(self) -> bool:
        return self.status == WITHDRAWN

    @property
    def status_label(self) -> str:
        if self.withdrawn:
            return _("Ingetrokken")
        return str(ladder.STATUS_LABELS[self.status])

    @property
    def effective(self) -> list[Milestone]:
        return [m for m in self.milestones if _effective(m)]


def _status(recommendation: Recommendation, milestones: list[Milestone]) -> str:
    if has_related(recommendation, "withdrawal"):
        return WITHDRAWN
    steps = [ladder.Step(m.rung, m.occurred_on) for m in milestones if _effective(m)]
    try:
        return ladder.replay(steps, issued_on=recommendation.issued_on)
    except TransitionNotAllowed:  # pragma: no cover - the services refuse such a path
        return ladder.OPEN


def _queryset():
    milestones = Milestone.objects.select_related(
        "superseded_by", "withdrawal", "adjudication", "document", "created_by"
    ).prefetch_related(
        Prefetch("codings", queryset=MilestoneCoding.objects.order_by("pk")),
        "deployments__deployment__intervention",
        "deployments__deployment__phase",
    )
    return Recommendation.objects.select_related(
        "publication", "publication__project", "withdrawal", "intervention"
    ).prefetch_related(Prefetch("milestones", queryset=milestones.order_by("occurred_on", "pk")))


def _row(recommendation: Recommendation) -> Row:
    milestones = list(recommendation.milestones.all())
    return Row(recommendation, milestones, _status(recommendation, milestones))


STATUS_CHOICES = [(ladder.OPEN, ladder.STATUS_LABELS[ladder.OPEN])] + [
    (rung, ladder.RUNG_LABELS[rung]) for rung in ladder.RUNGS
]


def register_for(user, *, theme: str = "", addressee: str = "", status: str = "") -> list[Row]:
    """The register, filtered; every signed-in reader sees all of it (it is published)."""
    _require_read(user)
    queryset = _queryset().order_by("-publication__published_on", "publication_id", "number")
    if theme:
        queryset = queryset.filter(theme=theme)
    if addressee:
        queryset = queryset.filter(addressee=addressee)
    rows = [_row(r) for r in queryset]
    if status:
        rows = [r for r in rows if r.status == status]
    return rows


def recommendation_get_for(user, pk: int) -> Row:
    _require_read(user)
    recommendation = _queryset().filter(pk=pk).first()
    if recommendation is None:
        raise Http404(_("Deze aanbeveling bestaat niet."))
    return _row(recommendation)


def publication_get_for(user, pk: int) -> Publication:
    _require_read(user)
    publication = Publication.objects.select_related("project").filter(pk=pk).first()
    if publication is None:
        raise Http404(_("Deze publicatie bestaat niet."))
    return publication


def publications_for(user):
    _require_read(user)
    return Publication.objects.select_related("project").order_by("-published_on", "pk")


def milestone_get_for(user, pk: int) -> Milestone:
    _require_read(user)
    milestone = (
        Milestone.objects.select_related("recommendation", "recommendation__publication")
        .filter(pk=pk)
        .first()
    )
    if milestone is None:
        raise Http404(_("Deze mijlpaal bestaat niet."))
    return milestone


def all_rows(user) -> list[Row]:
    _require_read(user)
    return [
        _row(r)
        for r in _queryset().order_by("publication__published_on", "publication_id", "number")
    ]


def paired_codes(rows: list[Row]) -> tuple[list[str], list[str], list[str], list[str]]:
    """The first two coders' rungs and causal links of every effective milestone both coded."""
    first, second, first_link, second_link = [], [], [], []
    for row in rows:
        for milestone in row.effective:
            codes = list(milestone.codings.all())[:2]
            if len(codes) == 2:
                first.append(codes[0].rung)
                second.append(codes[1].rung)
                first_link.append("ja" if codes[0].causal_link else "nee")
                second_link.append("ja" if codes[1].causal_link else "nee")
    return first, second, first_link, second_link


def outcome_dates(row: Row, *, strict: bool) -> tuple[dt.date | None, dt.date | None]:
    """(the durable change that still stands, the first end) of a recommendation. Strict: only confirmed codes (two coders
    agree, or a decision) count, the durable change needs the causal link explicit in the
    evidence. Lenient: the rung as recorded, coded or not."""
    durable_on = ended_on = None
    for milestone in row.effective:
        if strict:
            final = coding_of(milestone).final
            if final is None:
                continue
            rung, link = final
            if rung == ladder.DURABLE and not link:
                continue
        else:
            rung = milestone.rung
        if rung == ladder.DURABLE and durable_on is None:
            durable_on = milestone.occurred_on
        if rung in (ladder.ABANDONED, ladder.REVERSED):
            # A reversal after the durable change undoes it; the first end is the competing event.
            durable_on = None
            ended_on = ended_on or milestone.occurred_on
    return durable_on, ended_on


def counts_in_strict(row: Row) -> bool:
    return row.recommendation.source == Source.OWN


def timeline_for(user, row: Row) -> list[dict]:
    """The path of one recommendation, milestone by milestone, as ``user`` may see it: coders
    see each other's codes only once both coded (independence), nobody decides on their own code."""
    _require_read(user)
    coder = may_code(user)
    entries = []
    for milestone in row.milestones:
        coding = coding_of(milestone)
        mine = next((c for c in coding.codes if c.created_by_id == user.pk), None)
        entries.append(
            {
                "milestone": milestone,
                "kind_label": ladder.KIND_LABELS[milestone.kind],
                "withdrawal": milestone.withdrawal
                if has_related(milestone, "withdrawal")
                else None,
                "superseded": has_related(milestone, "superseded_by"),
                "coding": coding,
                "mine": mine,
                "show_codes": coder and coding.complete,
                "may_code": coder and mine is None and not coding.complete,
                "may_decide": coder
                and coding.needs_decision
                and user.pk not in {c.created_by_id for c in coding.codes},
                "document": milestone.document if has_related(milestone, "document") else None,
                "deployments": [link.deployment for link in milestone.deployments.all()],
            }
        )
    return entries


def document_of(milestone: Milestone):
    """The evidence document of ``milestone`` (404 when it has none)."""
    if not has_related(milestone, "document"):
        raise Http404(_("Bij deze mijlpaal hoort geen document."))
    return milestone.document


def interventions():
    """The pilot's interventions a recommendation can point to (item 8)."""
    from inbeeld.pilot.models import Intervention

    return Intervention.objects.order_by("order")


# --- the parliament mirror on a recommendation's page (item 3) -------------------------------------

_STOP = frozenset(
    "aan als bij dat de den der des die dit door een en het in is met naar niet of om op over "
    "te tot uit van voor wel wordt zijn zodat ook meer beter alsnog conform".split()
)


def _terms(text: str) -> set[str]:
    words = {w.strip(".,;:'\"()").lower() for w in text.split()}
    return {w for w in words if len(w) > 4 and w not in _STOP}


def parliament_for(user, row: Row) -> tuple[dict, list]:
    """(the mirrored record behind each parliamentary evidence number, suggested records that
    share at least two terms with the recommendation and are not yet evidence of it). A person
    confirms a suggestion by recording a milestone with its number."""
    _require_read(user)
    from inbeeld.agenda.parliament import current_records

    records = current_records()
    by_number = {r.number: r for r in records if r.number}
    used = {m.evidence_reference for m in row.milestones}
    evidence = {ref: by_number[ref] for ref in used if ref in by_number}
    terms = _terms(row.recommendation.text)
    scored = []
    for record in records:
        if record.number in used:
            continue
        shared = terms & _terms(record.subject)
        if len(shared) >= 2:
            scored.append((len(shared), record))
    scored.sort(key=lambda item: (-item[0], -item[1].changed_at.timestamp()))
    return evidence, [record for _, record in scored[:5]]


def parliament_overview(user) -> tuple[list, list]:
    """(the hand-linked numbers, newest first; the relevant mirrored records, newest first, at
    most 200) for the parliament page."""
    _require_read(user)
    from inbeeld.agenda.models import ParliamentLink
    from inbeeld.agenda.parliament import current_records

    links = list(ParliamentLink.objects.select_related("created_by").order_by("-created_at", "-pk"))
    records = sorted(current_records(), key=lambda r: r.changed_at, reverse=True)
    return links, records[:200]


def deployments():
    """The pilot's deployments an implemented recommendation can point to (item 8)."""
    from inbeeld.pilot.models import Deployment

    return Deployment.objects.select_related("intervention", "phase").order_by("start", "pk")

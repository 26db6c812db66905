"""Writes of the agenda register (ADR 0024): keyword-only, policy first, one transaction, the audit
row inside it. Every row is appended; nothing is updated or deleted."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.agenda import ladder
from inbeeld.agenda.models import (
    EFFECTIVE_MILESTONE,
    Adjudication,
    DatePrecision,
    EvidenceKind,
    Milestone,
    MilestoneCoding,
    MilestoneDeployment,
    MilestoneDocument,
    MilestoneWithdrawal,
    ParliamentLink,
    Publication,
    Recommendation,
    RecommendationWithdrawal,
    ResearchProject,
)
from inbeeld.agenda.parliament import link_key
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.crypto import decrypt_text, encrypt_text
from inbeeld.web import TransitionNotAllowed

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_TYPES = {
    "application/pdf": b"%PDF",
    "image/png": b"\x89PNG",
    "image/jpeg": b"\xff\xd8\xff",
}


def _require(actor, action, message: str | None = None) -> None:
    if actor is None or not policy.can(actor, action):
        raise PermissionDenied(message or _("U mag de agenda niet bijwerken."))


def _saved(row):
    row.full_clean()
    row.save()
    return row


def publication_register(
    *,
    actor,
    project_title: str,
    kind: str,
    title: str,
    published_on: dt.date,
    date_precision: str = DatePrecision.DAY,
    url: str = "",
    is_example: bool = False,
    source_note: str = "",
) -> Publication:
    """Register a publication under its research project (made when it is new)."""
    _require(actor, policy.Action.AGENDA_MANAGE)
    marks = {"created_by": actor, "is_example": is_example, "source_note": source_note}
    with transaction.atomic():
        project = ResearchProject.objects.filter(title=project_title.strip()).first()
        if project is None:
            project = _saved(ResearchProject(title=project_title.strip(), **marks))
        publication = _saved(
            Publication(
                project=project,
                kind=kind,
                title=title.strip(),
                published_on=published_on,
                date_precision=date_precision,
                url=url,
                **marks,
            )
        )
        audit_record(
            actor=actor,
            action=AuditAction.AGENDA_PUBLICATION_REGISTERED,
            subject_type="publication",
            subject_ref=str(publication.pk),
            extra={"kind": kind},
        )
    return publication


def recommendation_add(
    *,
    actor,
    publication: Publication,
    text: str,
    addressee: str,
    theme: str,
    source: str,
    issued_on: dt.date | None = None,
    date_precision: str | None = None,
    intervention=None,
    is_example: bool = False,
    source_note: str = "",
) -> Recommendation:
    """Append a recommendation to ``publication``; it gets the next number and is fixed."""
    _require(actor, policy.Action.AGENDA_MANAGE)
    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(pk=publication.pk)
        last = publication.recommendations.aggregate(m=Max("number"))["m"] or 0
        recommendation = _saved(
            Recommendation(
                publication=publication,
                number=last + 1,
                text=text.strip(),
                addressee=addressee,
                theme=theme,
                source=source,
                issued_on=issued_on or publication.published_on,
                date_precision=date_precision or publication.date_precision,
                intervention=intervention,
                created_by=actor,
                is_example=is_example,
                source_note=source_note,
            )
        )
        audit_record(
            actor=actor,
            action=AuditAction.AGENDA_RECOMMENDATION_ADDED,
            subject_type="recommendation",
            subject_ref=str(recommendation.pk),
            extra={"publication": publication.pk},
        )
    return recommendation


def recommendation_withdraw(
    *, actor, recommendation: Recommendation, reason: str, explanation: str
) -> RecommendationWithdrawal:
    """Withdraw a recommendation with a reason: it stays in the list, out of the denominator."""
    _require(actor, policy.Action.AGENDA_MANAGE)
    with transaction.atomic():
        recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
        if RecommendationWithdrawal.objects.filter(recommendation=recommendation).exists():
            raise ValidationError(_("Deze aanbeveling is al ingetrokken."))
        withdrawal = _saved(
            RecommendationWithdrawal(
                recommendation=recommendation,
                reason=reason,
                explanation=explanation.strip(),
                created_by=actor,
            )
        )
        audit_record(
            actor=actor,
            action=AuditAction.AGENDA_RECOMMENDATION_WITHDRAWN,
            subject_type="recommendation",
            subject_ref=str(recommendation.pk),
            extra={"reason": reason},
        )
    return withdrawal


def _steps(milestones) -> list[ladder.Step]:
    return [
        ladder.Step(
            m.rung,
            m.occurred_on,
            _("%(kind)s (%(date)s)")
            % {"kind": ladder.KIND_LABELS[m.kind], "date": m.occurred_on.strftime("%d-%m-%Y")},
        )
        for m in milestones
    ]


def _check_ladder(recommendation: Recommendation, milestones) -> None:
    try:
        ladder.replay(_steps(milestones), issued_on=recommendation.issued_on)
    except TransitionNotAllowed as exc:
        raise ValidationError(exc.message) from exc


def _effective(recommendation: Recommendation) -> list[Milestone]:
    return list(recommendation.milestones.filter(EFFECTIVE_MILESTONE).order_by("occurred_on", "pk"))


def _check_evidence(evidence_kind: str, reference: str, document) -> None:
    if evidence_kind not in EvidenceKind.values:
        raise ValidationError({"evidence_kind": _("Kies het soort bewijs.")})
    if evidence_kind == EvidenceKind.PUBLIC_SOURCE and not reference.strip():
        raise ValidationError({"evidence_reference": _("Vul de vindplaats van de bron in.")})
    if evidence_kind in (EvidenceKind.PARLIAMENT, EvidenceKind.OFFICIAL_PUBLICATION):
        if not reference.strip():
            raise ValidationError(
                {
                    "evidence_reference": _(
                        "Vul het kenmerk in (bijvoorbeeld 28638-123 of Stb. 2024, 12)."
                    )
                }
            )
    elif evidence_kind == EvidenceKind.DOCUMENT:
        if document is None:
            raise ValidationError({"document": _("Kies het document met het bewijs.")})
        name, content_type, data = document
        magic = DOCUMENT_TYPES.get(content_type)
        if magic is None or not data.startswith(magic):
            raise ValidationError(
                {"document": _("Alleen pdf, png of jpeg, en de inhoud moet daarbij passen.")}
            )
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ValidationError({"document": _("Het document is groter dan 5 MB.")})


def milestone_record(
    *,
    actor,
    recommendation: Recommendation,
    kind: str,
    occurred_on: dt.date,
    description: str,
    evidence_kind: str,
    evidence_reference: str = "",
    document: tuple[str, str, bytes] | None = None,
    date_precision: str = DatePrecision.DAY,
    supersedes: Milestone | None = None,
    deployments=(),
    is_example: bool = False,
    source_note: str = "",
) -> Milestone:
    """Append a milestone (or, with ``supersedes``, its correction) after checking the ladder as
    it would be with it. ``document``: (file name, content type, bytes), stored encrypted."""
    _require(actor, policy.Action.AGENDA_MANAGE)
    rung = ladder.RUNG_OF_KIND.get(kind)
    if rung is None:
        raise ValidationError({"kind": _("Kies wat er gebeurde.")})
    _check_evidence(evidence_kind, evidence_reference, document)
    if deployments and rung != ladder.IMPLEMENTED:
        raise ValidationError(
            {"deployments": _("Alleen een uitvoering wordt gekoppeld aan inzet in de proeftuin.")}
        )
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("Een mijlpaal ligt niet in de toekomst.")})
    with transaction.atomic():
        recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
        if RecommendationWithdrawal.objects.filter(recommendation=recommendation).exists():
            raise ValidationError(_("Deze aanbeveling is ingetrokken; er kan niets meer bij."))
        effective = _effective(recommendation)
        if supersedes is not None:
            if supersedes.pk not in {m.pk for m in effective}:
                raise ValidationError(_("Deze mijlpaal is al gecorrigeerd of ingetrokken."))
            effective = [m for m in effective if m.pk != supersedes.pk]
        milestone = Milestone(
            recommendation=recommendation,
            rung=rung,
            kind=kind,
            occurred_on=occurred_on,
            date_precision=date_precision,
            description=description.strip(),
            evidence_kind=evidence_kind,
            evidence_reference=evidence_reference.strip(),
            supersedes=supersedes,
            created_by=actor,
            is_example=is_example,
            source_note=source_note,
        )
        _check_ladder(recommendation, [*effective, milestone])
        _saved(milestone)
        extra = {"rung": rung, "kind": kind}
        for deployment in deployments:
            MilestoneDeployment.objects.create(milestone=milestone, deployment=deployment)
        if document is not None and evidence_kind == EvidenceKind.DOCUMENT:
            name, content_type, data = document
            sha = hashlib.sha256(data).hexdigest()
            _saved(
                MilestoneDocument(
                    milestone=milestone,
                    file_name=name[:200],
                    content_type=content_type,
                    sha256=sha,
                    size=len(data),
                    document_ciphertext=encrypt_text(base64.b64encode(data).decode("ascii")),
                    created_by=actor,
                )
            )
            extra["sha256"] = sha
        if supersedes is not None:
            extra["old"] = {"id": supersedes.pk}
        audit_record(
            actor=actor,
            action=AuditAction.AGENDA_MILESTONE_RECORDED,
            subject_type="milestone",
            subject_ref=str(milestone.pk),
            extra=extra,
        )
    return milestone


def milestone_withdraw(
    *, actor, milestone: Milestone, reason: str, explanation: str
) -> MilestoneWithdrawal:
    """Withdraw a milestone: it stays, struck through, and counts nowhere."""
    _require(actor, policy.Action.AGENDA_MANAGE)
    with transaction.atomic():
        recommendation = Recommendation.objects.select_for_update().get(
            pk=milestone.recommendation_id
        )
        effective = _effective(recommendation)
        if milestone.pk not in {m.pk for m in effective}:
            raise ValidationError(_("Deze mijlpaal is al gecorrigeerd of ingetrokken."))
        _check_ladder(recommendation, [m for m in effective if m.pk != milestone.pk])
        withdrawal = _saved(
            MilestoneWithdrawal(
                milestone=milestone,
                reason=reason,
                explanation=explanation.strip(),
                created_by=actor,
            )
        )
        audit_record(
            actor=actor,
            action=AuditAction.AGENDA_MILESTONE_WITHDRAWN,
            subject_type="milestone",
            subject_ref=str(milestone.pk),
            extra={"reason": reason},
        )
    return withdrawal


def _lock_effective(milestone: Milestone) -> Milestone:
    Recommendation.objects.select_for_update().get(pk=milestone.recommendation_id)
    fresh = Milestone.objects.filter(EFFECTIVE_MILESTONE, pk=milestone.pk).first()
    if fresh is None:
        raise ValidationError(_("Deze mijlpaal is gecorrigeerd of ingetrokken; codeer de nieuwe."))
    return fresh


def milestone_code(*, actor, milestone: Milestone, rung: str, causal_link: bool) -> MilestoneCoding:
    """One coder's independent code. Two different people code each milestone."""
    _require(actor, policy.Action.AGENDA_CODE)
    if rung not in ladder.RUNGS:
        raise ValidationError({"rung": _("Kies een trede.")})
    with transaction.atomic():
        milestone = _lock_effective(milestone)
        codings = list(milestone.codings.all())
        if any(c.created_by_id == actor.pk for c in codings):
            raise ValidationError(_("U heeft deze mijlpaal al gecodeerd."))
        if len(codings) >= 2:
            raise ValidationError(_("Deze mijlpaal is al door twee personen gecodeerd."))
        try:
            coding = _saved(
                MilestoneCoding(
                    milestone=milestone, rung=rung, causal_link=causal_link, created_by=actor
                )
            )
        except IntegrityError as exc:  # pragma: no cover - a double click racing itself
            raise ValidationError(_("U heeft deze mijlpaal al gecodeerd.")) from exc
        audit_record(
            actor=actor,
            action=AuditAction.AGENDA_MILESTONE_CODED,
            subject_type="milestone",
            subject_ref=str(milestone.pk),
            extra={"rung": rung, "agreement": len(codings) + 1},
        )
    return coding


def milestone_adjudicate(
    *, actor, milestone: Milestone, rung: str, causal_link: bool, explanation: str
) -> Adjudication:
    """A third person decides where the two codes differ; the reasoning is kept."""
    _require(actor, policy.Action.AGENDA_CODE)
    if rung not in ladder.RUNGS:
        raise ValidationError({"rung": _("Kies een trede.")})
    with transaction.atomic():
        milestone = _lock_effective(milestone)
        codings = list(milestone.codings.all())
        if len(codings) < 2:
            raise ValidationError(_("Eerst coderen twee personen deze mijlpaal."))
        first, second = codings[:2]
        if (first.rung, first.causal_link) == (second.rung, second.causal_link):
            raise ValidationError(_("De twee codeurs zijn het eens; er valt niets te beslissen."))
        if actor.pk in {first.created_by_id, second.created_by_id}:
            raise ValidationError(_("Een codeur beslist niet over de eigen codering."))
        if Adjudication.objects.filter(milestone=milestone).exists():
            raise ValidationError(_("Over deze mijlpaal is al beslist."))
        decision = _saved(
            Adjudication(
                milestone=milestone,
                rung=rung,
                causal_link=causal_link,
                explanation=explanation.strip(),
                created_by=actor,
            )
        )
        audit_record(
            actor=actor,
            action=AuditAction.AGENDA_MILESTONE_ADJUDICATED,
            subject_type="milestone",
            subject_ref=str(milestone.pk),
            extra={"rung": rung},
        )
    return decision


def document_read(*, actor, document: MilestoneDocument) -> bytes:
    """The decrypted evidence document, for CKM staff; the download is audited."""
    _require(actor, policy.Action.AGENDA_MANAGE)
    audit_record(
        actor=actor,
        action=AuditAction.AGENDA_DOCUMENT_READ,
        subject_type="milestone",
        subject_ref=str(document.milestone_id),
        extra={"sha256": document.sha256},
    )
    return base64.b64decode(decrypt_text(document.document_ciphertext))


def report_read(*, actor, fmt: str) -> None:
    """Audit the download of the agenda report."""
    _require(actor, policy.Action.AGENDA_READ, _("U heeft geen toegang tot de agenda."))
    audit_record(
        actor=actor,
        action=AuditAction.AGENDA_REPORT_READ,
        subject_type="agenda_report",
        extra={"format": fmt},
    )


_LINK_KEY = re.compile(r"[0-9a-z][0-9a-z-]{1,38}")


def parliament_link_add(*, actor, number: str, note: str) -> ParliamentLink:
    """Mark a parliamentary number as relevant by hand (item 3): its mirrored records then count
    as relevant outside dossier 28638 too. Append-only; the same number twice is refused."""
    _require(actor, policy.Action.AGENDA_MANAGE)
    number, note = (number or "").strip(), (note or "").strip()
    key = link_key(number)
    if not _LINK_KEY.fullmatch(key) or not any(c.isdigit() for c in key):
        raise ValidationError(
            {"number": _("Vul een Kamernummer in, zoals 36 015-12, 28638 of 2023Z12345.")}
        )
    if not note:
        raise ValidationError({"note": _("Schrijf kort op waarom dit nummer relevant is.")})
    with transaction.atomic():
        if ParliamentLink.objects.filter(key=key).exists():
            raise ValidationError({"number": _("Dit nummer is al als relevant gemarkeerd.")})
        link = _saved(ParliamentLink(number=number, key=key, note=note, created_by=actor))
        audit_record(
            actor=actor,
            action=AuditAction.AGENDA_PARLIAMENT_LINKED,
            subject_type="parliament_link",
            subject_ref=str(link.pk),
            extra={"parliament_number": number},
        )
    return link

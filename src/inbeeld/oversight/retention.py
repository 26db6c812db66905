"""Retention: remove or anonymise what is past its period, and log what was removed.

Periods come from settings.INBEELD_RETENTION (years, per category). Case rows themselves stay:
they are pseudonymised and carry the statistics; what identifies or tells a story goes:
- notes: the free text of events (and the pilot's not-delivered reasons) of cases closed longer
  ago than the period is blanked;
- linkage_keys: keyed pseudonyms of partner identifiers of such cases are deleted, so the case
  can no longer be matched with another source;
- break_glass: reviewed break-glass grants (with their reasons) older than the period go;
- signals: the name, free text, contact details and messages of signals decided longer ago than
  the period are blanked (the signal row, its statuses and indicators stay for the funnel);
- import_files: the uploaded file, the report file and the problems of an import (they hold case data) are
  blanked a number of days after the import ended (committed, failed or cancelled);
- sessions: expired sessions are cleared.
Each category writes a DeletionLog row and the run an audit row, in the same transaction.

It lives in oversight, above cases, intake and pilot, because it reaches into all three (ADR 0012).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from inbeeld.audit.models import AuditAction, DeletionLog
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import BreakGlassGrant, Case, ChainEvent, LinkageKey
from inbeeld.intake.models import Signal, SignalEvent
from inbeeld.intake.workflow import OPEN_STATUSES
from inbeeld.pilot.models import Delivery
from inbeeld.stats import vocabulary as ev
from inbeeld.suspects.models import SuspectCaseLink, SuspectLinkageKey

MAX_CODES_IN_LOG = 1000


@dataclass(frozen=True)
class RetentionOutcome:
    category: str
    period: str
    count: int
    case_codes: tuple[str, ...] = ()


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _closed_before(cutoff: dt.date):
    """Cases whose effective case_closed event lies before ``cutoff``."""
    closing = ChainEvent.objects.filter(
        event_type__code=ev.CASE_CLOSED, event_date__lt=cutoff, superseded_by__isnull=True
    ).filter(withdrawal__isnull=True)  # a withdrawn closure never closed the case
    return Case.objects.filter(pk__in=closing.values("case_id"))


def retention_plan(*, today: dt.date | None = None) -> list[RetentionOutcome]:
    """What a run would remove now (nothing is changed)."""
    return _run(today=today, apply=False)


def retention_apply(*, today: dt.date | None = None) -> list[RetentionOutcome]:
    """Remove or anonymise everything past its period; one transaction; logged."""
    return _run(today=today, apply=True)


def _run(*, today: dt.date | None, apply: bool) -> list[RetentionOutcome]:
    today = today or timezone.localdate()
    periods = settings.INBEELD_RETENTION
    outcomes = []
    with transaction.atomic():
        notes_cases = _closed_before(_years_ago(today, periods["notes"]))
        notes = ChainEvent.objects.filter(case__in=notes_cases).exclude(note_ciphertext="")
        # Free text of the pilot (reasons an intervention was not delivered) goes with the notes.
        reasons = Delivery.objects.filter(case__in=notes_cases).exclude(reason_ciphertext="")
        # And the notes on a case's suspect links (issue 17, ADR 0023).
        suspect_notes = SuspectCaseLink.objects.filter(case__in=notes_cases).exclude(
            note_ciphertext=""
        )
        codes = tuple(
            sorted(
                set(notes.values_list("case__code", flat=True))
                | set(reasons.values_list("case__code", flat=True))
                | set(suspect_notes.values_list("case__code", flat=True))
            )
        )
        count = notes.count() + reasons.count() + suspect_notes.count()
        if apply and count:
            notes.rewrite_ciphertext(note_ciphertext="")
            reasons.update(reason_ciphertext="", reason_family="")
            suspect_notes.rewrite_ciphertext(note_ciphertext="")
        outcomes.append(
            RetentionOutcome("notes", f"{periods['notes']} jaar na afsluiten", count, codes)
        )

        link_cases = _closed_before(_years_ago(today, periods["linkage_keys"]))
        links = LinkageKey.objects.filter(case__in=link_cases)
        codes = tuple(sorted(set(links.values_list("case__code", flat=True))))
        # A suspect's keys go when every case the suspect was ever linked to is past the period.
        open_links = SuspectCaseLink.objects.exclude(case__in=link_cases)
        suspect_keys = SuspectLinkageKey.objects.filter(
            suspect__case_links__case__in=link_cases
        ).exclude(suspect__in=open_links.values("suspect_id"))
        suspect_keys = SuspectLinkageKey.objects.filter(pk__in=suspect_keys.values("pk"))
        count = links.count() + suspect_keys.count()
        if apply and count:
            links.delete()
            suspect_keys.delete()
        outcomes.append(
            RetentionOutcome(
                "linkage_keys", f"{periods['linkage_keys']} jaar na afsluiten", count, codes
            )
        )

        grant_cutoff = timezone.now() - dt.timedelta(days=365 * periods["break_glass"])
        grants = BreakGlassGrant.objects.exclude(review=BreakGlassGrant.Review.PENDING).filter(
            expires_at__lt=grant_cutoff
        )
        count = grants.count()
        if apply and count:
            grants.delete()
        outcomes.append(
            RetentionOutcome("break_glass", f"{periods['break_glass']} jaar na beoordeling", count)
        )

        outcomes.append(_signal_texts(today, periods["signals"], apply=apply))

        outcomes.append(_import_files(periods["import_files"], apply=apply))

        sessions = Session.objects.filter(expire_date__lt=timezone.now())
        count = sessions.count()
        if apply and count:
            sessions.delete()
        outcomes.append(RetentionOutcome("sessions", "na verlopen", count))

        if apply:
            run_at = timezone.now()
            for outcome in outcomes:
                DeletionLog.objects.create(
                    run_at=run_at,
                    category=outcome.category,
                    period=outcome.period,
                    count=outcome.count,
                    detail={"case_codes": list(outcome.case_codes[:MAX_CODES_IN_LOG])},
                )
            audit_record(
                actor=None,
                action=AuditAction.RETENTION_APPLIED,
                subject_type="retention",
                extra={o.category: o.count for o in outcomes},
            )
    return outcomes


def _signal_texts(today: dt.date, years: int, *, apply: bool) -> RetentionOutcome:
    """Blank what identifies or tells a story in signals decided more than ``years`` ago (a signal
    still open, or reopened, keeps everything)."""
    cutoff = timezone.make_aware(dt.datetime.combine(_years_ago(today, years), dt.time.min))
    old = Signal.objects.exclude(status__in=OPEN_STATUSES).filter(decided_at__lt=cutoff)
    # The reporter's own recovery answer (a slow keyed hash) goes with the texts.
    with_text = old.exclude(
        subject_name_ciphertext="",
        description_ciphertext="",
        contact_ciphertext="",
        recovery_question="",
        recovery_answer_hash="",
    )
    events = SignalEvent.objects.filter(signal__in=old).exclude(
        text_ciphertext="", message_ciphertext=""
    )
    count = with_text.count() + events.count()
    if apply and count:
        with_text.update(
            subject_name_ciphertext="",
            description_ciphertext="",
            contact_ciphertext="",
            recovery_question="",
            recovery_answer_hash="",
        )
        events.rewrite_ciphertext(text_ciphertext="", message_ciphertext="")
    return RetentionOutcome("signals", f"{years} jaar na besluit", count)


def _import_files(days: int, *, apply: bool) -> RetentionOutcome:
    """Blank the encrypted upload and report of imports that ended more than ``days`` ago, and
    end (cancelled) and blank an import that was checked but never committed for as long: an
    abandoned dry run must not keep case data for ever. The imports app is a sibling of this
    one (ADR 0012), so its model is looked up by name."""
    from django.apps import apps

    import_run = apps.get_model("imports", "ImportRun")
    now = timezone.now()
    cutoff = now - dt.timedelta(days=days)
    files = {"upload_ciphertext": "", "report_ciphertext": "", "problems_ciphertext": ""}
    old = import_run.objects.filter(
        status__in=["done", "failed", "cancelled"], finished_at__lt=cutoff
    ).exclude(**files)
    abandoned = import_run.objects.filter(status="checked", created_at__lt=cutoff)
    count = old.count() + abandoned.count()
    if apply and count:
        with transaction.atomic():
            old.update(**files, purged_at=now)
            # checked → cancelled is a change the import's own table allows (imports.models)
            abandoned.update(status="cancelled", finished_at=now, **files, purged_at=now)
    return RetentionOutcome("import_files", f"{days} dagen na afronden", count)

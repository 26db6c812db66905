"""Writing a signal plan: intake links, signals, their indicators and history in one
transaction, free text encrypted."""

from __future__ import annotations

import datetime as dt

from inbeeld.demo.generator.data import DemoData
from inbeeld.demo.generator.signals.draw import plan_demo_signals
from inbeeld.demo.generator.signals.plan import (
    Catalogue,
    PlannedSignal,
    SignalPlan,
    _stream,
    new_receipt,
    new_reference,
    new_token,
)
from inbeeld.demo.generator.signals.shares import (
    COORDINATOR_UNIT,
    DEMO_COORDINATOR,
    DEMO_SIGNALLER,
    PART_REDRAW,
)


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def write_demo_signals(plan: SignalPlan) -> int:
    """Insert the planned signals in one transaction; returns how many. Needs the demo accounts
    (``coordinator.nh``, ``school.zaandam``) when the plan has steps by them, and the cases the
    converted signals link to."""
    from django.conf import settings
    from django.db import transaction

    from inbeeld.accounts.models import Membership, User
    from inbeeld.cases.models import Case
    from inbeeld.crypto import encrypt_text
    from inbeeld.intake.models import IntakeLink, Signal, SignalEvent
    from inbeeld.intake.services import receipt_hash, token_hash
    from inbeeld.reference.models import Indicator, IndicatorCatalogueVersion, PoliceUnit

    if not plan.signals:
        return 0
    users = dict(
        User.objects.filter(username__in=[DEMO_SIGNALLER, DEMO_COORDINATOR]).values_list(
            "username", "id"
        )
    )
    coordinator_id = users.get(DEMO_COORDINATOR)
    own_id = users.get(DEMO_SIGNALLER)
    needs_coordinator = any(s.channel == "link" for s in plan.signals)
    if (needs_coordinator and coordinator_id is None) or (
        any(s.own for s in plan.signals) and own_id is None
    ):
        raise ValueError("the demo accounts are missing: run ensure_demo_accounts() first")
    own_organisation = (
        Membership.objects.filter(user_id=own_id, is_active=True)
        .order_by("pk")
        .values_list("organisation_id", flat=True)
        .first()
    )
    units = dict(PoliceUnit.objects.values_list("code", "id"))
    versions = {
        v.version: v
        for v in IndicatorCatalogueVersion.objects.filter(version__in=plan.catalogue_versions)
    }
    indicators = {
        (version, category, code): pk
        for version, category, code, pk in Indicator.objects.filter(
            category__catalogue_version__in=versions.values()
        ).values_list("category__catalogue_version__version", "category__code", "code", "id")
    }
    case_codes = [s.case_code for s in plan.signals if s.case_code]
    cases: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(case_codes):
        for code, pk, unit in Case.objects.filter(code__in=chunk).values_list(
            "code", "id", "police_unit__code"
        ):
            cases[code] = (pk, unit)
    for signal in plan.signals:
        if signal.case_code and cases.get(signal.case_code, (None, None))[1] != signal.police_unit:
            raise ValueError(f"demo case {signal.case_code} is missing or in another unit")

    # Codes the database already holds (a second load with the same seed) are redrawn.
    redraw = _stream(plan.seed, PART_REDRAW)
    taken_references = set(Signal.objects.values_list("reference", flat=True))
    taken_receipts = set(
        Signal.objects.exclude(receipt_hash="").values_list("receipt_hash", flat=True)
    )
    taken_tokens = set(IntakeLink.objects.values_list("token_hash", flat=True))

    def actor_id(actor: str, signal: PlannedSignal) -> int | None:
        if actor == "submitter":
            return own_id if signal.own else None
        if actor == f"coordinator:{COORDINATOR_UNIT}":
            return coordinator_id
        return None

    link_days = dt.timedelta(days=settings.INBEELD_INTAKE_LINK_DAYS)
    with transaction.atomic():
        links = {}
        for index, signal in enumerate(plan.signals):
            if signal.channel != "link":
                continue
            digest = token_hash(signal.link_token)
            while digest in taken_tokens:
                digest = token_hash(new_token(redraw))
            taken_tokens.add(digest)
            links[index] = IntakeLink(
                token_hash=digest,
                police_unit_id=units[signal.police_unit],
                label_ciphertext=encrypt_text(signal.link_label),
                created_by_id=coordinator_id,
                created_at=signal.link_created_at,
                expires_at=signal.link_created_at + link_days,
                used_at=signal.received_at,
            )
        IntakeLink.objects.bulk_create(list(links.values()), batch_size=500)

        rows = []
        for index, signal in enumerate(plan.signals):
            reference = signal.reference
            while reference in taken_references:
                reference = new_reference(redraw)
            taken_references.add(reference)
            digest = ""
            if signal.receipt_code:
                digest = receipt_hash(signal.receipt_code)
                while digest in taken_receipts:
                    digest = receipt_hash(new_receipt(redraw))
                taken_receipts.add(digest)
            rows.append(
                Signal(
                    reference=reference,
                    receipt_hash=digest,
                    channel=signal.channel,
                    intake_link=links.get(index),
                    signaller_type=signal.signaller_type,
                    organisation_id=own_organisation if signal.own else None,
                    submitted_by_id=own_id if signal.own else None,
                    catalogue_version=versions[signal.catalogue_version],
                    age_band=signal.age_band,
                    gender=signal.gender,
                    subject_name_ciphertext=encrypt_text(signal.subject_name),
                    police_unit_id=units[signal.police_unit],
                    municipality=signal.municipality,
                    urgency=signal.urgency,
                    description_ciphertext=encrypt_text(signal.description),
                    contact_ciphertext=encrypt_text(signal.contact),
                    status=signal.status,
                    no_action_reason=signal.no_action_reason,
                    received_at=signal.received_at,
                    acknowledge_due_at=signal.acknowledge_due_at,
                    decision_due_at=signal.decision_due_at,
                    acknowledged_at=signal.acknowledged_at,
                    decided_at=signal.decided_at,
                    question_open=signal.question_open,
                    answer_pending=signal.answer_pending,
                    case_id=cases[signal.case_code][0] if signal.case_code else None,
                    version=signal.version,
                )
            )
        Signal.objects.bulk_create(rows, batch_size=500)
        if any(row.pk is None for row in rows):  # a backend that returns no ids
            ids = dict(
                Signal.objects.filter(reference__in=[r.reference for r in rows]).values_list(
                    "reference", "id"
                )
            )
            for row in rows:
                row.pk = row.id = ids[row.reference]

        through = Signal.indicators.through
        Signal.indicators.through.objects.bulk_create(
            [
                through(signal_id=row.pk, indicator_id=indicators[signal.catalogue_version, *item])
                for row, signal in zip(rows, plan.signals, strict=True)
                for item in signal.indicators
            ],
            batch_size=1000,
        )
        SignalEvent.objects.bulk_create(
            [
                SignalEvent(
                    signal_id=row.pk,
                    kind=event.kind,
                    from_status=event.from_status,
                    to_status=event.to_status,
                    from_unit_id=units[event.from_unit] if event.from_unit else None,
                    to_unit_id=units[event.to_unit] if event.to_unit else None,
                    reason=event.reason,
                    text_ciphertext=encrypt_text(event.text),
                    message_ciphertext=encrypt_text(event.message),
                    actor_id=actor_id(event.actor, signal),
                    created_at=event.at,
                )
                for row, signal in zip(rows, plan.signals, strict=True)
                for event in signal.events
            ],
            batch_size=1000,
        )
    return len(rows)


def generate_demo_signals(data: DemoData) -> int:
    """Plan and write the demo signals that go with the freshly written cases of ``data``; each
    signal records the catalogue version in force on its day of receipt (the oldest when none was
    yet), as a signal submitted that day would have."""
    from django.utils import timezone

    plan = plan_demo_signals(data, Catalogue.all_from_database(), open_until=timezone.localdate())
    return write_demo_signals(plan)

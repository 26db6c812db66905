"""Reads of signals. Every read takes the user (or the proof of a receipt code or link token)
and goes through the policy; views never query Signal or SignalEvent directly."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.selectors import filter_on_work
from inbeeld.crypto import decrypt_text
from inbeeld.intake.models import IntakeLink, Signal, SignalEvent, Urgency
from inbeeld.intake.services import receipt_hash, token_hash
from inbeeld.intake.workflow import OPEN_STATUSES, SignalStatus


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""  # "" = open signals; "all" = every status; "answered"; or one status code
    urgency: str = ""
    overdue: bool = False
    work: str = ""  # "mine" / "unassigned" (issue 14 item 8)


def signals_visible_to(
    user, action: policy.Action = policy.Action.SIGNAL_TRIAGE
) -> QuerySet[Signal]:
    scope = policy.signal_scope_filter(user, action)
    if scope is None:
        return Signal.objects.none()
    return Signal.objects.filter(scope)


def signals_in_monitor_scope(user) -> QuerySet[Signal] | None:
    """The signals ``user`` may count in the monitor (policy.MONITOR_SIGNAL_ACTION); None: none
    at all (the funnel is not shown)."""
    return signals_of_research_scope(policy.research_scope(user, monitor=True))


def signals_of_research_scope(scope: policy.ResearchScope) -> QuerySet[Signal] | None:
    """The monitor's signals of a research scope (policy.research_scope with ``monitor``),
    rebuilt from the scope alone; None: none at all."""
    q = scope.signal_q()
    return None if q is None else Signal.objects.filter(q)


def overdue_q(now=None) -> Q:
    """Signals past a time target: not taken into triage in time, or no decision in time."""
    now = now or timezone.now()
    return Q(status=SignalStatus.RECEIVED, acknowledge_due_at__lt=now) | Q(
        status__in=OPEN_STATUSES, decision_due_at__lt=now
    )


def signal_queue_for(user, filters: QueueFilters | None = None, *, now=None) -> QuerySet[Signal]:
    """The triage queue of ``user``'s units: acute signals on top, then the oldest first."""
    filters = filters or QueueFilters()
    signals = signals_visible_to(user).select_related("police_unit", "case")
    if filters.status == "all":
        pass
    elif filters.status == "answered":
        # The signaller answered and no coordinator acted since; also after conversion.
        signals = signals.filter(answer_pending=True)
    elif filters.status in SignalStatus.values:
        signals = signals.filter(status=filters.status)
    else:
        signals = signals.filter(status__in=OPEN_STATUSES)
    if filters.urgency in Urgency.values:
        signals = signals.filter(urgency=filters.urgency)
    if filters.overdue:
        signals = signals.filter(overdue_q(now))
    signals = filter_on_work(signals, user, filters.work)
    acute_first = SqlCase(
        When(urgency=Urgency.ACUTE, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return signals.annotate(acute_rank=acute_first).order_by("acute_rank", "received_at", "pk")


def overdue_signals_for(user, *, now=None) -> dict[str, QuerySet[Signal]]:
    """The overdue view: open signals past their acknowledgement or decision target, in the
    queue's order (acute first, oldest first); the page shows them a page at a time."""
    now = now or timezone.now()
    base = signal_queue_for(user, QueueFilters(), now=now)
    return {
        "acknowledge": base.filter(status=SignalStatus.RECEIVED, acknowledge_due_at__lt=now),
        "decision": base.filter(decision_due_at__lt=now),
    }


def _deny(user, reference: str, action: policy.Action) -> None:
    if Signal.objects.filter(reference=reference).exists():
        audit_record(
            actor=user,
            action=AuditAction.SIGNAL_ACCESS_DENIED,
            subject_type="signal",
            subject_ref=reference,
            extra={"action": str(action)},
        )
    raise Http404("signal not found")


def signal_get_for(
    user,
    reference: str,
    *,
    action: policy.Action = policy.Action.SIGNAL_TRIAGE,
    log_read: bool = True,
) -> Signal:
    """Fetch and authorise in one step: outside the user's scope (or missing) answers 404 and the
    refused attempt on an existing signal is logged; a successful read is logged."""
    signal = (
        signals_visible_to(user, action)
        .select_related("police_unit", "case", "catalogue_version", "organisation")
        .filter(reference=reference)
        .first()
    )
    if signal is None:
        _deny(user, reference, action)
    if log_read:
        audit_record(
            actor=user,
            action=AuditAction.SIGNAL_READ,
            subject_type="signal",
            subject_ref=signal.reference,
            case_code=signal.case.code if signal.case_id else "",
            extra={"action": str(action)},
        )
    return signal


def own_signals_for(user) -> QuerySet[Signal]:
    """The signals ``user`` submitted (a signaller follows only their own)."""
    return signals_visible_to(user, policy.Action.SIGNAL_OWN_READ).select_related("police_unit")


def signal_by_receipt(code: str) -> Signal | None:
    """The anonymously submitted signal with this receipt code, or None."""
    digest = receipt_hash(code)
    if not code.strip():
        return None
    return (
        Signal.objects.exclude(receipt_hash="")
        .filter(receipt_hash=digest)
        .select_related("police_unit")
        .first()
    )


def intake_link_by_token(token: str) -> IntakeLink | None:
    """The one-time link with this token if it is still usable (not used, not expired)."""
    return (
        IntakeLink.objects.filter(
            token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("police_unit")
        .first()
    )


def intake_links_for(user) -> QuerySet[IntakeLink]:
    units = [u.pk for u in policy.intake_link_units(user)]
    return IntakeLink.objects.filter(police_unit_id__in=units).select_related(
        "police_unit", "created_by"
    )


# --- what a page shows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    kind: str
    kind_label: str
    created_at: object
    actor: str
    from_status: str
    to_status: str
    to_status_label: str
    from_unit: str
    to_unit: str
    reason: str
    text: str  # internal (coordinators only)
    message: str  # what the signaller sees


def signal_history(signal: Signal, *, for_signaller: bool) -> list[HistoryEntry]:
    """The signal's history, decrypted. For the signaller: only the steps meant for them (no
    re-routing, no internal notes, no names of professionals)."""
    events = SignalEvent.objects.filter(signal=signal).select_related(
        "actor", "from_unit", "to_unit"
    )
    entries = []
    for event in events:
        if for_signaller and not event.visible_to_signaller:
            continue
        entries.append(
            HistoryEntry(
                kind=event.kind,
                kind_label=event.get_kind_display(),
                created_at=event.created_at,
                actor="" if for_signaller or event.actor is None else str(event.actor),
                from_status=event.from_status,
                to_status=event.to_status,
                to_status_label=SignalStatus(event.to_status).label if event.to_status else "",
                from_unit=str(event.from_unit) if event.from_unit_id and not for_signaller else "",
                to_unit=str(event.to_unit) if event.to_unit_id and not for_signaller else "",
                reason=event.reason,
                text="" if for_signaller else decrypt_text(event.text_ciphertext),
                message=decrypt_text(event.message_ciphertext),
            )
        )
    return entries


@dataclass(frozen=True)
class SignalContent:
    """The protected content of a signal, for the safety coordinators of its unit only."""

    subject_name: str
    description: str
    contact: dict


def signal_content(user, signal: Signal) -> SignalContent:
    if not policy.can_on_signal(user, policy.Action.SIGNAL_TRIAGE, signal):
        raise Http404("signal not found")
    contact = decrypt_text(signal.contact_ciphertext)
    return SignalContent(
        subject_name=decrypt_text(signal.subject_name_ciphertext),
        description=decrypt_text(signal.description_ciphertext),
        contact=json.loads(contact) if contact else {},
    )


def signal_indicators(signal: Signal) -> list:
    """The items the signal recorded (from its own catalogue version), grouped by category."""
    items = signal.indicators.select_related("category", "category__form").order_by(
        "category__order", "order"
    )
    groups: dict = {}
    for item in items:
        groups.setdefault(item.category, []).append(item)
    return list(groups.items())


# --- likely duplicates in the coordinator's queue (issue 14 item 4) ---------------------------------
#
# Two signals are likely the same report sent twice when they went to the same police unit within
# DUPLICATE_WINDOW of each other with the same content: the same indicators, age band and gender,
# and the same description (compared after trimming, folding case and collapsing white space). That
# is what a second click, a reload before the one-time token existed, or someone sending the form
# again looks like; two people who each describe what they saw in their own words are not flagged.
# Only open signals (received, in triage) are named: a duplicate of one already dealt with is no
# double work in the queue any more.
# The content is compared in memory, after decryption, for the signals around one page of the
# queue only: no hash of a free text is stored next to it (a stored hash would outlive the text
# under retention and could be matched against guesses).

DUPLICATE_WINDOW = dt.timedelta(hours=24)


def _normalised(ciphertext: str) -> str:
    return " ".join(decrypt_text(ciphertext).split()).casefold()


def _description(signal: Signal) -> str:
    return _normalised(signal.description_ciphertext)


def flag_likely_duplicates(signals) -> None:
    """Set ``likely_duplicates`` (the references of its open likely duplicates, oldest first) on every
    signal of ``signals`` (one page of a queue the user may see). The candidates are read from the
    same units only, so nothing outside the user's scope is compared or named."""
    signals = list(signals)
    for signal in signals:
        signal.likely_duplicates = []
    if not signals:
        return
    start = min(s.received_at for s in signals) - DUPLICATE_WINDOW
    end = max(s.received_at for s in signals) + DUPLICATE_WINDOW
    # As columns, in time order; the descriptions only of the signals that need comparing (below).
    around = Signal.objects.filter(
        police_unit_id__in={s.police_unit_id for s in signals},
        status__in=OPEN_STATUSES,
        received_at__gte=start,
        received_at__lte=end,
    )
    candidates = list(
        around.order_by("received_at", "pk").values_list(
            "pk", "reference", "police_unit_id", "received_at", "age_band", "gender"
        )
    )
    # The same conditions as a subquery, not a list of a few hundred ids to send and parse.
    through = Signal.indicators.through.objects.filter(signal_id__in=around.values("pk"))
    # By code, not by row: the same report sent on either side of the day a new catalogue version
    # comes into force holds the same items of two versions (ADR 0005 decision 10).
    indicator_sets: dict[int, set[tuple[str, str]]] = {}
    rows = through.values_list("signal_id", "indicator__category__code", "indicator__code")
    for signal_id, category, code in rows:
        indicator_sets.setdefault(signal_id, set()).add((category, code))
    indicator_codes = {pk: frozenset(codes) for pk, codes in indicator_sets.items()}

    # Candidates grouped once by unit and what can be compared without decrypting (indicators,
    # age band, gender): each signal then compares only with its own group (a page of 50 signals
    # against a few hundred candidates was quadratic), and a description is read and decrypted
    # only when another signal of its group lies within the window.
    def key(pk: int, unit: int, age_band: str, gender: str) -> tuple:
        return (unit, age_band, gender, indicator_codes.get(pk, frozenset()))

    groups: dict[tuple, list[tuple[int, str, dt.datetime]]] = {}
    for pk, reference, unit, received_at, age_band, gender in candidates:
        groups.setdefault(key(pk, unit, age_band, gender), []).append((pk, reference, received_at))
    near_of: list[tuple[Signal, list[tuple[int, str]]]] = []
    for signal in signals:
        group = groups.get(
            key(signal.pk, signal.police_unit_id, signal.age_band, signal.gender), ()
        )
        near = [
            (pk, reference)
            for pk, reference, received_at in group
            if pk != signal.pk and abs(received_at - signal.received_at) <= DUPLICATE_WINDOW
        ]
        if near:
            near_of.append((signal, near))
    if not near_of:
        return
    wanted = {pk for _, near in near_of for pk, _ in near}
    ciphertexts = dict(
        Signal.objects.filter(pk__in=wanted).values_list("pk", "description_ciphertext")
    )
    descriptions: dict[int, str | None] = {}

    def description(pk: int) -> str | None:
        # None for a signal removed since the first query (retention): no longer a duplicate.
        if pk not in descriptions:
            text = ciphertexts.get(pk)
            descriptions[pk] = None if text is None else _normalised(text)
        return descriptions[pk]

    for signal, near in near_of:
        mine = _description(signal)
        signal.likely_duplicates = [ref for pk, ref in near if description(pk) == mine]


def signal_assignee_choices(user, signal: Signal) -> list:
    """The colleagues ``user`` may hand ``signal`` to (policy.may_own_signal); empty when
    ``user`` may not assign it."""
    from inbeeld.accounts.models import User

    if not policy.may_assign_signal(user, signal):
        return []
    # A cheap first cut (a membership of the signal's unit); the policy decides per person.
    candidates = User.objects.filter(
        is_active=True,
        memberships__is_active=True,
        memberships__police_unit_id=signal.police_unit_id,
    ).distinct()
    candidates = policy.with_active_memberships(candidates.order_by("last_name", "username"))
    return [u for u in candidates if policy.may_own_signal(u, signal)]

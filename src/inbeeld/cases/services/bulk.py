"""Registering many new cases with their timelines at once: the set-based path of the bulk import
(ADR 0022, decision 12).

``cases_register_bulk`` leaves the database exactly as ``case_register`` followed by one
``event_record`` per event would (tests/imports/test_bulk_equivalence.py compares both), with the
same rules and the same refusals:

- every case: at least one exploitation form, the date rule, ``policy.can(CASE_CREATE)`` for its
  unit, the model's field validation; every event: the date rule, the outcome of its type, the
  note's length, ``policy.recordable_event_codes`` and ``policy.note_family_for_writer``, the
  transition table (``workflow.next_state``, replayed in memory per case: a new case's timeline
  is exactly the events this call appends), the court derived as ``case_derive_court`` does;
- an audit row per created case, per recorded event and per derived court, with the same
  content, in the same order, chained with the same MACs (``audit_record_many``: one chain-head
  lock for the batch instead of one per row);
- a refused event leaves nothing and the case goes on without it, as the per-row path does.

What differs is only how: the policy is asked once per case *shape* (unit, court) instead of per
event — for a case created here nothing else the policy reads (assignments, consent, break-glass)
can exist yet —, foreign keys are not read back one by one (they are objects read from the
database in this transaction), and the rows are written with bulk inserts, cases first, then
events, audit rows, the cases' final status, version and court. All inside the caller's
transaction: a batch is written whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record_many
from inbeeld.bulk_insert import insert_rows
from inbeeld.cases.models import Case, ChainEvent
from inbeeld.cases.services.base import check_date
from inbeeld.cases.services.events import _new_values, _validate_event
from inbeeld.cases.workflow import ChainState, next_state
from inbeeld.crypto import encrypt_text
from inbeeld.reference.models import ChainEventType, ExploitationForm, PoliceUnit
from inbeeld.web import TransitionNotAllowed

# Field checks the bulk path does not repeat per row: foreign keys are objects read from the
# database (no read-back per row), the case code is checked for the whole batch in one query.
_CASE_FKS = ["police_unit", "court", "created_by", "owner"]
_EVENT_FKS = ["case", "event_type", "organisation", "author", "supersedes", "note_ciphertext"]


class _FieldChecks:
    """Model.full_clean's field checks (clean_fields; these models have no clean() and, for the
    checked fields, no constraints), each run once per distinct value: the checks of these
    fields (lengths, choices, date parsing) are pure functions of the value. A refused value
    raises the same ValidationError (field → messages) full_clean would."""

    def __init__(self):
        self._seen: dict[tuple, Any] = {}

    def full_clean(self, obj, exclude: list[str]) -> None:
        errors = {}
        for model_field in obj._meta.fields:
            if model_field.name in exclude or model_field.generated:
                continue
            raw = getattr(obj, model_field.attname)
            if model_field.blank and raw in model_field.empty_values:
                continue
            key = (type(obj), model_field.attname, raw)
            try:
                outcome = self._seen.get(key)
            except TypeError:  # an unhashable value: checked every time
                key, outcome = None, None
            if outcome is None:
                try:
                    outcome = ("ok", model_field.clean(raw, obj))
                except ValidationError as exc:
                    outcome = ("error", exc.error_list)
                if key is not None:
                    self._seen[key] = outcome
            if outcome[0] == "error":
                errors[model_field.name] = outcome[1]
            else:
                setattr(obj, model_field.attname, outcome[1])
        if errors:
            raise ValidationError(errors)


@dataclass
class NewEvent:
    """One event to record on a new case; ``key`` is the caller's (a row number)."""

    key: Any
    event_type: ChainEventType
    event_date: dt.date
    outcome: str = ""
    date_precision: str = "day"
    note: str = ""
    # Filled in: the stored event, or why it was refused.
    event: ChainEvent | None = None
    error: Exception | None = None


@dataclass
class NewCase:
    """One case to register with its events (in the order to record them)."""

    key: Any
    police_unit: PoliceUnit
    exploitation_forms: list[ExploitationForm]
    minor_at_intake: bool
    age_band: str
    gender: str
    nationality_group: str
    intake_date: dt.date
    events: list[NewEvent] = field(default_factory=list)
    # Filled in: the stored case, or why it was refused (then none of its events is recorded).
    case: Case | None = None
    error: Exception | None = None
    _audit: list[dict] = field(default_factory=list)


class _Policy:
    """The policy's answers for the importing user, per case shape (unit, court)."""

    def __init__(self, actor):
        self.actor = actor
        self._create: dict[int, bool] = {}
        self._shape: dict[tuple, tuple] = {}
        self._courts: dict[int, Any] = {}
        self.today = timezone.localdate()  # read once per batch, not twice per row
        self.checks = _FieldChecks()

    def may_create(self, unit: PoliceUnit) -> bool:
        if unit.pk not in self._create:
            probe = Case(police_unit=unit)
            self._create[unit.pk] = policy.can(self.actor, policy.Action.CASE_CREATE, probe)
        return self._create[unit.pk]

    def shape(self, case: Case) -> tuple:
        """(recordable codes, note family by event code, organisation of the events)."""
        key = (case.police_unit_id, case.court_id)
        if key not in self._shape:
            codes = policy.recordable_event_codes(self.actor, case)
            families = {
                code: policy.note_family_for_writer(self.actor, case, code) for code in codes
            }
            memberships = policy.case_memberships(self.actor, policy.Action.EVENT_RECORD, case)
            organisation = memberships[0].organisation if memberships else None
            self._shape[key] = (codes, families, organisation)
        return self._shape[key]

    def derived_court(self, unit: PoliceUnit):
        if unit.pk not in self._courts:
            district = unit.om_district
            court = district.derived_court() if district is not None else None
            self._courts[unit.pk] = (district, court)
        return self._courts[unit.pk]


def _prepare_case(actor, rules: _Policy, new: NewCase) -> Case:
    """case_register's checks, without writing: raises what it raises."""
    if not new.exploitation_forms:
        raise ValidationError({"exploitation_forms": _("Kies ten minste één uitbuitingsvorm.")})
    check_date(new.intake_date, "intake_date", rules.today)
    if not rules.may_create(new.police_unit):
        raise PermissionDenied(_("U mag in deze eenheid geen casus registreren."))
    case = Case(
        police_unit=new.police_unit,
        minor_at_intake=new.minor_at_intake,
        age_band=new.age_band,
        gender=new.gender,
        nationality_group=new.nationality_group,
        intake_date=new.intake_date,
        created_by=actor,
    )
    rules.checks.full_clean(case, _CASE_FKS)  # full_clean without unique/constraints
    return case


def _unique_codes(cases: list[Case]) -> None:
    """Give every case a code no other case has (one query per round of clashes)."""
    pending = cases
    while pending:
        codes = [c.code for c in pending]
        taken = set(Case.objects.filter(code__in=codes).values_list("code", flat=True))
        seen: set[str] = set()
        clashing = []
        for case in pending:
            if case.code in taken or case.code in seen:
                case.code = Case._meta.get_field("code").default()
                clashing.append(case)
            else:
                seen.add(case.code)
        pending = clashing


def _record_events(actor, rules: _Policy, new: NewCase, outcome_codes) -> list[ChainEvent]:
    """Replay ``new``'s events in memory through event_record's checks; returns the events to
    insert (each refused one gets its error and is left out)."""
    case = new.case
    state = ChainState(case.status)
    events = []
    for item in new.events:
        try:
            _validate_event(
                event_type=item.event_type,
                outcome=item.outcome,
                event_date=item.event_date,
                note=item.note,
                codes=outcome_codes(item.event_type),
                today=rules.today,
            )
            codes, families, organisation = rules.shape(case)
            code = item.event_type.code
            if code not in codes:
                raise PermissionDenied(_("U mag deze gebeurtenis niet vastleggen bij deze casus."))
            family = families.get(code) or ""
            if item.note and not family:
                raise PermissionDenied(_("U mag bij deze casus geen notities vastleggen."))
            after = next_state(state, code, item.outcome)
        except (ValidationError, PermissionDenied, TransitionNotAllowed) as exc:
            item.error = exc
            continue
        event = ChainEvent(
            case=case,
            event_type=item.event_type,
            outcome=item.outcome,
            event_date=item.event_date,
            date_precision=item.date_precision,
            organisation=organisation,
            author=actor,
            note_ciphertext=encrypt_text(item.note) if item.note else "",
            note_family=family if item.note else "",
            recorded_at=timezone.now(),
        )
        try:
            rules.checks.full_clean(event, _EVENT_FKS)  # ChainEvent has no constraints
        except ValidationError as exc:
            item.error = exc
            continue
        item.event = event
        events.append(event)
        new._audit.append(
            {
                "action": AuditAction.EVENT_RECORDED,
                "subject_type": "chain_event",
                "event": event,
                "case_code": case.code,
                "extra": {
                    "new": _new_values(item.event_type, item.outcome, item.event_date, item.note),
                    "status": {"old": state.status, "new": after.status},
                },
            }
        )
        state = after
        case.version += 1
        if case.court_id is None and policy.event_brings_case_to_court(code, item.outcome):
            district, court = rules.derived_court(case.police_unit)
            if court is not None:
                case.court = court
                new._audit.append(
                    {
                        "action": AuditAction.CASE_UPDATED,
                        "subject_type": "case",
                        "subject_ref": case.code,
                        "case_code": case.code,
                        "extra": {
                            "old": {"court": None},
                            "new": {"court": court.code},
                            "derived_from": {"om_district": district.code, "event_type": code},
                        },
                    }
                )
    case.status = state.status
    return events


def cases_register_bulk(*, actor, cases: list[NewCase], outcome_codes, write: bool = True) -> None:
    """Register ``cases`` with their events (see the module's docstring). ``outcome_codes``:
    event type → its set of outcome codes (read once by the caller). Results are written into
    each NewCase / NewEvent (``case``/``event`` or ``error``).

    ``write=False`` (the import's dry run, inside a transaction the caller rolls back): every
    check is made — the cases are inserted, since the policy is asked about stored cases — but
    the events, audit rows and replayed statuses, inserts that can refuse nothing, are not
    written (``event`` stays unsaved)."""
    rules = _Policy(actor)
    ready: list[NewCase] = []
    for new in cases:
        try:
            new.case = _prepare_case(actor, rules, new)
        except (ValidationError, PermissionDenied) as exc:
            new.error = exc
            continue
        ready.append(new)
    if not ready:
        return
    with transaction.atomic():
        _unique_codes([n.case for n in ready])
        insert_rows(Case, [n.case for n in ready])
        through = Case.exploitation_forms.through
        insert_rows(
            through,
            [
                through(case_id=n.case.pk, exploitationform_id=form.pk)
                for n in ready
                for form in {f.pk: f for f in n.exploitation_forms}.values()
            ],
        )
        events: list[ChainEvent] = []
        for new in ready:
            events += _record_events(actor, rules, new, outcome_codes)
        if not write:
            return
        insert_rows(ChainEvent, events)
        rows = []
        for new in ready:
            rows.append(_created_row(new))
            for row in new._audit:
                event = row.pop("event", None)
                if event is not None:
                    row["subject_ref"] = str(event.pk)
                rows.append(row)
            new._audit = []
        audit_record_many(actor=actor, rows=rows)
        _store_replay([n.case for n in ready if n.case.version > 1 or n.case.court_id])
        _mark_stale()


def _store_replay(cases: list[Case], chunk: int = 500) -> None:
    """Store each case's status, version and court after its replay: one UPDATE … FROM (VALUES …)
    per ``chunk`` cases (Django's bulk_update builds a CASE per column and row, which costs more
    than the inserts). The same columns _bump_case and case_derive_court set one by one."""
    table = connection.ops.quote_name(Case._meta.db_table)
    row = "(CAST(%s AS integer), CAST(%s AS varchar(20)), CAST(%s AS integer), CAST(%s AS integer))"
    with connection.cursor() as cursor:
        for start in range(0, len(cases), chunk):
            part = cases[start : start + chunk]
            values = ", ".join([row] * len(part))
            cursor.execute(
                f"UPDATE {table} SET status = v.column2, version = v.column3, "  # noqa: S608
                f"court_id = v.column4 FROM (VALUES {values}) AS v "
                f"WHERE {table}.id = v.column1",
                [x for c in part for x in (c.pk, c.status, c.version, c.court_id)],
            )


def _created_row(new: NewCase) -> dict:
    case = new.case
    return {
        "action": AuditAction.CASE_CREATED,
        "subject_type": "case",
        "subject_ref": case.code,
        "case_code": case.code,
        "extra": {
            "new": {
                "police_unit": new.police_unit.code,
                "exploitation_forms": sorted(f.code for f in new.exploitation_forms),
                "minor_at_intake": new.minor_at_intake,
                "age_band": new.age_band,
                "gender": new.gender,
                "nationality_group": new.nationality_group,
                "intake_date": new.intake_date.isoformat(),
            }
        },
    }


def _mark_stale() -> None:
    """Bulk inserts send no post_save: mark the stored research results stale once, as the
    model signals do for the per-row path (analysis.freshness)."""
    from inbeeld.jobs.results import mark_stale_on_commit

    mark_stale_on_commit()

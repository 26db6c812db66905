"""Writing generated demo data in bulk: one transaction, no ORM objects (the raw SQL is in bulk.py).

Ids are assigned here (after the current maximum of each table), so events, form links,
assignments, consent records, pilot deliveries and measures can point at their case without
reading anything back; afterwards PostgreSQL's id sequences are moved past them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from inbeeld import policy
from inbeeld.accounts.models import Role, User
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import Case, CaseAssignment, ChainEvent, ConsentRecord
from inbeeld.crypto import encrypt_text
from inbeeld.demo.generator.bulk import (
    Backend,
    Const,
    drop_foreign_keys,
    drop_indexes_for_load,
    id_map,
    lock_tables,
    lookup,
    model_columns,
    next_id,
    reset_sequences,
    restore_foreign_keys,
    restore_indexes,
    restore_pragmas,
    sqlite_load_pragmas,
)
from inbeeld.demo.generator.data import DemoData
from inbeeld.pilot.models import Delivery, Instrument, Intervention, Measure
from inbeeld.reference.models import ChainEventType, Court, ExploitationForm, PoliceUnit

# PostgreSQL: from this many events on, foreign keys are checked once after the load instead of
# row by row (see bulk.drop_foreign_keys).
PG_FK_RECHECK_ROWS = 100_000


@dataclass(frozen=True)
class WriteSummary:
    cases: int
    events: int
    seconds: dict[str, float]
    deliveries: int = 0
    measures: int = 0


def _write(data: DemoData, connection, backend: Backend, seconds: dict[str, float]) -> None:
    vocabulary = data.vocabulary
    n, n_events = data.case_count, len(data.event_type)
    case_ids = next_id(connection, Case) + np.arange(n, dtype=np.int64)
    event_ids = next_id(connection, ChainEvent) + np.arange(
        n_events + len(data.correction_of), dtype=np.int64
    )
    all_days = np.concatenate(
        [
            data.intake_day,
            data.event_day,
            data.correction_recorded_day,
            data.consent_day,
            data.pilot.delivery_day,
            data.pilot.measure_day,
        ]
    )
    first_day = int(all_days.min(initial=0) if len(all_days) else 0)
    last_day = int(all_days.max(initial=first_day))
    dates, noons = backend.day_strings(first_day, last_day)

    def date(days):
        return dates[days - first_day]

    def noon(days):
        return noons[days - first_day]

    clock = time.perf_counter()
    units = id_map(PoliceUnit, vocabulary.units)
    courts = np.append(id_map(Court, vocabulary.courts), 0).astype(object)
    courts[-1] = None  # index -1: no court
    backend.insert(
        Case,
        model_columns(
            Case,
            connection,
            {
                "id": case_ids,
                "code": data.codes,
                "police_unit": units[data.unit],
                "court": courts[data.court],
                "minor_at_intake": backend.boolean(data.minor),
                "age_band": lookup(vocabulary.age_bands)[data.age_band],
                "gender": lookup(vocabulary.genders)[data.gender],
                "nationality_group": lookup(vocabulary.nationalities)[data.nationality],
                "intake_date": date(data.intake_day),
                "status": lookup(vocabulary.statuses)[data.status],
                "research_consent": backend.boolean(data.consent),
                # every demo consent record covers the monitor (the ConsentRecord rows below)
                "monitor_consent": backend.boolean(data.consent),
                "version": 1
                + np.bincount(
                    np.concatenate([data.event_case, data.event_case[data.correction_of]]),
                    minlength=n,
                ).astype(np.int64),
                "created_at": noon(data.intake_day),
                "created_by": Const(None),
            },
        ),
        n,
    )
    seconds["cases"] = time.perf_counter() - clock

    clock = time.perf_counter()
    through = Case.exploitation_forms.through
    m2m = Case._meta.get_field("exploitation_forms")
    backend.insert(
        through,
        [
            (through._meta.pk.column, next_id(connection, through) + np.arange(len(data.form))),
            (m2m.m2m_column_name(), case_ids[data.form_case]),
            (m2m.m2m_reverse_name(), id_map(ExploitationForm, vocabulary.forms)[data.form]),
        ],
        len(data.form),
    )
    seconds["forms"] = time.perf_counter() - clock

    clock = time.perf_counter()
    event_types = id_map(ChainEventType, vocabulary.event_types)
    outcomes = lookup(vocabulary.outcomes)
    plain = np.ones(n_events, dtype=bool)
    plain[data.note_event] = False
    plain = np.flatnonzero(plain)
    common = {
        "case": lambda rows: case_ids[data.event_case[rows]],
        "event_type": lambda rows: event_types[data.event_type[rows]],
        "outcome": lambda rows: outcomes[data.event_outcome[rows]],
        "event_date": lambda rows: date(data.event_day[rows]),
        "recorded_at": lambda rows: noon(data.event_day[rows]),
    }
    fixed = {
        "date_precision": Const("day"),
        "organisation": Const(None),
        "author": Const(None),
        "supersedes": Const(None),
    }
    backend.insert(
        ChainEvent,
        model_columns(
            ChainEvent,
            connection,
            {
                "id": event_ids[plain],
                **{k: f(plain) for k, f in common.items()},
                **fixed,
                "note_ciphertext": Const(""),
                "note_family": Const(""),
            },
        ),
        len(plain),
    )
    noted = data.note_event
    backend.insert(
        ChainEvent,
        model_columns(
            ChainEvent,
            connection,
            {
                "id": event_ids[noted],
                **{k: f(noted) for k, f in common.items()},
                **fixed,
                "note_ciphertext": lookup(encrypt_text(text) for text in data.note_text),
                "note_family": lookup(data.note_family),
            },
        ),
        len(noted),
    )
    original = data.correction_of
    backend.insert(
        ChainEvent,
        model_columns(
            ChainEvent,
            connection,
            {
                "id": event_ids[n_events:],
                **{k: f(original) for k, f in common.items()},
                **fixed,
                "outcome": outcomes[data.correction_outcome],
                "recorded_at": noon(data.correction_recorded_day),
                "supersedes": event_ids[original],
                "note_ciphertext": Const(""),
                "note_family": Const(""),
            },
        ),
        len(original),
    )
    seconds["events"] = time.perf_counter() - clock

    users = dict(
        User.objects.filter(
            username__in={username for _, username, _ in data.assignments}
        ).values_list("username", "id")
    )
    assigned = [(case, users[name], role) for case, name, role in data.assignments if name in users]
    rows = np.array([case for case, _, _ in assigned], dtype=np.int64)
    backend.insert(
        CaseAssignment,
        model_columns(
            CaseAssignment,
            connection,
            {
                "id": next_id(connection, CaseAssignment) + np.arange(len(assigned)),
                "case": case_ids[rows],
                "user": np.array([user for _, user, _ in assigned], dtype=np.int64),
                "role": lookup(role for _, _, role in assigned),
                "created_at": noon(data.intake_day[rows]),
            },
        ),
        len(assigned),
    )

    clock = time.perf_counter()
    consenting = np.flatnonzero(data.consent)
    backend.insert(
        ConsentRecord,
        model_columns(
            ConsentRecord,
            connection,
            {
                "id": next_id(connection, ConsentRecord) + np.arange(len(consenting)),
                "case": case_ids[consenting],
                "kind": Const("given"),
                "scope": Const("evaluation_monitor"),
                "date": date(data.consent_day[consenting]),
                "recorded_by": Const(None),
                "recorded_at": noon(data.consent_day[consenting]),
            },
        ),
        len(consenting),
    )
    seconds["consent"] = time.perf_counter() - clock

    clock = time.perf_counter()
    _write_pilot(data, connection, backend, case_ids, date, noon)
    seconds["pilot"] = time.perf_counter() - clock


# Who records a delivery in the demo (the profession that delivers the intervention); the reason
# "not delivered" gets that role's note family.
DEMO_DELIVERING_ROLE = {
    "psychologist": Role.PSYCHOLOGIST,
    "examining_judge": Role.EXAMINING_JUDGE,
    "safety_coordinator": Role.SAFETY_COORDINATOR,
    "peer_expert": Role.PEER_EXPERT,
    "shorter_lead_times": Role.PROSECUTOR,
}


def _write_pilot(data: DemoData, connection, backend: Backend, case_ids, date, noon) -> None:
    """Deliveries (with their fidelity checklists) and victim-reported measures."""
    pilot = data.pilot
    if pilot.delivery_count:
        interventions = id_map(Intervention, pilot.interventions)
        backend.insert(
            Delivery,
            model_columns(
                Delivery,
                connection,
                {
                    "id": next_id(connection, Delivery) + np.arange(pilot.delivery_count),
                    "case": case_ids[pilot.delivery_case],
                    "intervention": interventions[pilot.delivery_intervention],
                    "date": date(pilot.delivery_day),
                    "delivered": backend.boolean(pilot.delivery_delivered),
                    # Encrypted like any free text; each distinct demo reason once.
                    "reason_ciphertext": lookup(
                        encrypt_text(r) if r else "" for r in pilot.reasons
                    )[pilot.delivery_reason],
                    # A reason is read only by the family of the profession that delivers.
                    "reason_family": np.where(
                        pilot.delivery_reason > 0,
                        lookup(
                            policy.NOTE_FAMILY[DEMO_DELIVERING_ROLE[c]] for c in pilot.interventions
                        )[pilot.delivery_intervention],
                        "",
                    ),
                    "fidelity": lookup(pilot.fidelity_json()),
                    "recorded_by": Const(None),
                    "organisation": Const(None),
                    "recorded_at": noon(pilot.delivery_day),
                },
            ),
            pilot.delivery_count,
        )
    if pilot.measure_count:
        code, version = pilot.instrument
        instrument = Instrument.objects.filter(code=code, version=version).values_list(
            "id", flat=True
        )
        if not instrument:
            raise ValueError(f"the database lacks the questionnaire {code} v{version}")
        backend.insert(
            Measure,
            model_columns(
                Measure,
                connection,
                {
                    "id": next_id(connection, Measure) + np.arange(pilot.measure_count),
                    "case": case_ids[pilot.measure_case],
                    "instrument": Const(int(instrument[0])),
                    "moment": lookup(pilot.moments)[pilot.measure_moment],
                    "date": date(pilot.measure_day),
                    "answers": lookup(pilot.answers_json()),
                    "recorded_by": Const(None),
                    "recorded_at": noon(pilot.measure_day),
                },
            ),
            pilot.measure_count,
        )


def _load_rows(data: DemoData) -> dict:
    """Rows each table gets (drop_indexes_for_load rebuilds the indexes of the large ones)."""
    return {
        Case: data.case_count,
        Case.exploitation_forms.through: len(data.form),
        ChainEvent: data.event_count,
        CaseAssignment: len(data.assignments),
        ConsentRecord: int(data.consent.sum()),
        Delivery: data.pilot.delivery_count,
        Measure: data.pilot.measure_count,
    }


def write_demo_data(data: DemoData, *, if_empty: bool = False) -> WriteSummary | None:
    """Insert ``data`` and one DEMO_LOADED audit row in a single transaction.

    With ``if_empty``, nothing is written (and None returned) when a case exists by the time the
    transaction holds its lock, so two loaders cannot both fill an empty database.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    backend = Backend(connection)
    bulk_models = [
        Case,
        Case.exploitation_forms.through,
        ChainEvent,
        CaseAssignment,
        ConsentRecord,
        Delivery,
        Measure,
    ]
    tables = [m._meta.db_table for m in bulk_models]
    seconds: dict[str, float] = {}
    pragmas = sqlite_load_pragmas(connection, data.case_count + data.event_count)
    start = time.perf_counter()
    try:
        with transaction.atomic():
            lock_tables(connection, tables)
            if if_empty and Case.objects.exists():
                return None
            recheck = connection.vendor == "postgresql" and data.event_count >= PG_FK_RECHECK_ROWS
            dropped = drop_foreign_keys(connection, tables) if recheck else []
            reindex = drop_indexes_for_load(connection, _load_rows(data))
            _write(data, connection, backend, seconds)
            if reindex:
                clock = time.perf_counter()
                restore_indexes(connection, reindex)
                seconds["indexes"] = time.perf_counter() - clock
            if dropped:
                clock = time.perf_counter()
                restore_foreign_keys(connection, dropped)
                seconds["foreign_keys"] = time.perf_counter() - clock
            audit_record(
                actor=None,
                action=AuditAction.DEMO_LOADED,
                extra={
                    "cases": data.case_count,
                    "events": data.event_count,
                    "seed": data.config.seed,
                },
            )
            if connection.vendor == "postgresql":
                reset_sequences(connection, bulk_models)
            commit_from = time.perf_counter()
        seconds["commit"] = time.perf_counter() - commit_from
    finally:
        restore_pragmas(connection, pragmas)
    seconds["total"] = time.perf_counter() - start
    return WriteSummary(
        cases=data.case_count,
        events=data.event_count,
        seconds=seconds,
        deliveries=data.pilot.delivery_count,
        measures=data.pilot.measure_count,
    )


__all__ = ["WriteSummary", "write_demo_data"]

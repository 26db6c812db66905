"""cases_register_bulk (the set-based path of the bulk import, ADR 0022 decision 12) against the
per-row services on the same input: police timelines with periods, a summons that derives the
court, notes, and every refusal (workflow, period, outcome, date, policy) — the same cases,
events and audit rows, and a log that verifies."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditEvent
from inbeeld.audit.services import audit_record_many
from inbeeld.audit.verify import audit_chain_verify
from inbeeld.cases.models import Case
from inbeeld.cases.services import case_register, event_record
from inbeeld.cases.services.bulk import NewCase, NewEvent, cases_register_bulk
from inbeeld.crypto import decrypt_text
from inbeeld.reference.models import ChainEventType, ExploitationForm, PoliceUnit
from inbeeld.web import TransitionNotAllowed
from tests.factories import make_user

pytestmark = pytest.mark.django_db

D = dt.date


def timelines():
    """(unit code, [(event code, date, outcome, note)]) per case."""
    return [
        (
            "amsterdam",
            [
                ("first_police_contact", D(2024, 1, 2), "", "eerste gesprek"),
                ("reflection_period_start", D(2024, 1, 3), "", ""),
                ("reflection_period_start", D(2024, 1, 4), "", ""),  # period already open
                ("reflection_period_end", D(2024, 1, 20), "", ""),
                ("complaint_filed", D(2024, 2, 1), "", ""),
                ("prosecution_decision", D(2024, 3, 1), "summons", ""),  # derives the court
                ("trial_hearing", D(2024, 4, 1), "", ""),
                ("verdict", D(2024, 5, 1), "", ""),  # needs an outcome
            ],
        ),
        (
            "amsterdam",
            [
                ("reflection_period_end", D(2024, 1, 2), "", ""),  # no period open
                ("safety_assessment", D(2024, 1, 3), "", ""),  # not a police event
                ("first_police_contact", D(2099, 1, 3), "", ""),  # in the future
                ("complaint_declined", D(2024, 1, 4), "nonsense", ""),  # outcome not of the type
                ("verdict", D(2024, 1, 5), "", ""),  # workflow order
                ("case_closed", D(2024, 1, 6), "", "dicht"),
            ],
        ),
        ("limburg", [("first_police_contact", D(2024, 1, 2), "", "")]),  # outside the scope
    ]


def _per_row(actor, unit, forms, events):
    try:
        case = case_register(
            actor=actor,
            police_unit=unit,
            exploitation_forms=forms,
            minor_at_intake=False,
            age_band="18-22",
            gender="female",
            nationality_group="nl",
            intake_date=D(2024, 1, 1),
        )
    except PermissionDenied as exc:
        return None, [type(exc).__name__]
    errors = []
    for code, date, outcome, note in events:
        try:
            event_record(
                actor=actor,
                case=case,
                event_type=ChainEventType.objects.get(code=code),
                event_date=date,
                outcome=outcome,
                note=note,
            )
        except (ValidationError, PermissionDenied, TransitionNotAllowed) as exc:
            errors.append((code, type(exc).__name__, _message(exc)))
            continue
        errors.append(None)
    return case, errors


def _message(exc) -> str:
    if isinstance(exc, TransitionNotAllowed):
        return str(exc.message)
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _bulk(actor, specs):
    types = {t.code: t for t in ChainEventType.objects.prefetch_related("outcomes")}
    codes = {code: {o.code for o in t.outcomes.all()} for code, t in types.items()}
    news = [
        NewCase(
            key=n,
            police_unit=PoliceUnit.objects.get(code=unit),
            exploitation_forms=list(ExploitationForm.objects.filter(code="sexual")),
            minor_at_intake=False,
            age_band="18-22",
            gender="female",
            nationality_group="nl",
            intake_date=D(2024, 1, 1),
            events=[
                NewEvent(key=i, event_type=types[c], event_date=d, outcome=o, note=t)
                for i, (c, d, o, t) in enumerate(events)
            ],
        )
        for n, (unit, events) in enumerate(specs)
    ]
    cases_register_bulk(actor=actor, cases=news, outcome_codes=lambda t: codes[t.code])
    out = []
    for new in news:
        if new.error is not None:
            out.append((None, [type(new.error).__name__]))
            continue
        errors = [
            None
            if e.error is None
            else (e.event_type.code, type(e.error).__name__, _message(e.error))
            for e in new.events
        ]
        out.append((Case.objects.get(pk=new.case.pk), errors))
    return out


def _state(case):
    events = list(case.events.order_by("pk"))
    position = {e.pk: n for n, e in enumerate(events)}
    return {
        "case": (case.status, case.version, case.court.code if case.court else None),
        "forms": sorted(case.exploitation_forms.values_list("code", flat=True)),
        "events": [
            (
                e.event_type.code,
                e.event_date,
                e.outcome,
                decrypt_text(e.note_ciphertext) if e.note_ciphertext else "",
                e.note_family,
                e.organisation_id,
                e.author_id,
            )
            for e in events
        ],
        "audit": [
            (
                a.action,
                a.subject_type,
                "case" if a.subject_ref == case.code else position[int(a.subject_ref)],
                a.actor_id,
                a.extra,
            )
            for a in AuditEvent.objects.filter(case_code=case.code).order_by("pk")
        ],
    }


def test_bulk_registration_writes_what_the_per_row_services_write(settings):
    settings.INBEELD_AUDIT_CHECKPOINT_EVERY = 5
    police = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    forms = list(ExploitationForm.objects.filter(code="sexual"))
    slow = [
        _per_row(police, PoliceUnit.objects.get(code=unit), forms, events)
        for unit, events in timelines()
    ]
    fast = _bulk(police, timelines())
    assert [errors for _case, errors in fast] == [errors for _case, errors in slow]
    for (slow_case, _e), (fast_case, _f) in zip(slow, fast, strict=True):
        assert (slow_case is None) == (fast_case is None)
        if slow_case is not None:
            slow_case.refresh_from_db()
            assert _state(fast_case) == _state(slow_case)
    first = fast[0][0]
    assert first.status == "trial" and first.court is not None  # the summons derived it
    assert [e and e[1] for e in fast[0][1]] == [
        None,
        None,
        "TransitionNotAllowed",
        None,
        None,
        None,
        None,
        "ValidationError",
    ]
    assert first.version == 1 + 6  # six events recorded, two refused
    assert any(a[0] == "case.updated" for a in _state(first)["audit"])
    refused = {e[1] for e in fast[1][1] if e}
    assert refused == {"TransitionNotAllowed", "PermissionDenied", "ValidationError"}
    assert fast[2] == (None, ["PermissionDenied"])
    report = audit_chain_verify()
    assert report.ok, report.reason


def test_audit_record_many_links_the_rows_like_audit_record(settings):
    settings.INBEELD_AUDIT_CHECKPOINT_EVERY = 0
    user = make_user(Role.POLICE_OFFICER)
    rows = [
        {"action": "case.read", "subject_type": "case", "subject_ref": f"IB-{n}", "extra": {}}
        for n in range(5)
    ]
    assert audit_record_many(actor=user, rows=rows) == 5
    written = list(AuditEvent.objects.order_by("pk"))[-5:]
    assert [w.subject_ref for w in written] == [f"IB-{n}" for n in range(5)]
    for before, after in zip(written, written[1:], strict=False):
        assert after.prev_hash == before.row_hash
    assert audit_chain_verify().ok
    with pytest.raises(ValueError):
        audit_record_many(actor=user, rows=[{"action": "no.such"}])


@pytest.mark.parametrize(
    "values",
    [
        {"outcome": "x" * 500, "date_precision": "bogus", "note_family": "zz"},
        {"outcome": "", "date_precision": "day", "event_date": "geen datum"},
        {"outcome": "", "date_precision": "day"},
    ],
)
def test_field_checks_once_per_value_refuse_what_full_clean_refuses(values):
    """The bulk path checks each distinct field value once (_FieldChecks); the second object
    with the same values gets its verdict from the cache and must still match full_clean."""
    from django.utils import timezone

    from inbeeld.cases.models import ChainEvent
    from inbeeld.cases.services.bulk import _EVENT_FKS, _FieldChecks

    checks = _FieldChecks()
    values = {"event_date": dt.date(2024, 1, 2), "recorded_at": timezone.now(), **values}
    for _round in range(2):
        expected, got = ChainEvent(**values), ChainEvent(**values)
        try:
            expected.full_clean(exclude=_EVENT_FKS, validate_unique=False)
            wanted = None
        except ValidationError as exc:
            wanted = exc.message_dict
        try:
            checks.full_clean(got, _EVENT_FKS)
            found = None
        except ValidationError as exc:
            found = exc.message_dict
        assert found == wanted
        assert got.event_date == expected.event_date

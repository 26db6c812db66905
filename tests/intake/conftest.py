"""Fixtures for the intake tests: the people (a signaller, the safety coordinators of Noord-Holland
and of Amsterdam), a ``submit`` helper that goes through the real ``signal_submit`` with sensible
defaults, helpers that walk a signal through the real services, and row counts to prove that a
refused write stored nothing.

Users come from tests/factories.make_user: a signaller's membership has no area (scope: own
organisation, a school); a safety coordinator's has a police unit.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditEvent
from inbeeld.cases.models import Case, ChainEvent
from inbeeld.intake import services
from inbeeld.intake.models import Channel, Signal, SignalEvent
from inbeeld.intake.workflow import NoActionReason, SignalStatus
from inbeeld.reference.models import Indicator, IndicatorCatalogueVersion
from inbeeld.reference.sync import load_indicator_document, sync_indicator_catalogue
from tests.factories import form, make_user, unit

DESCRIPTION = "Leerling Zaandam komt met dure spullen en is vaak moe in de les"
SUBJECT_NAME = "Jamila Voorbeeldnaam"
# 'Advice given' and 'no action' need a message to the signaller (issue 14).
ADVICE_MESSAGE = "Wij hebben de school geadviseerd over de volgende stappen."
NO_ACTION_MESSAGE = "Wij zien geen aanwijzingen voor uitbuiting. Dank voor uw melding."


def current_catalogue() -> IndicatorCatalogueVersion:
    """The catalogue version in force today: the one the signal form offers and a signal without
    an explicit version is recorded under."""
    return services.current_catalogue_version()


def catalogue(version: int | None = None) -> IndicatorCatalogueVersion:
    """Catalogue ``version``; without one, the version in force today."""
    if version is None:
        return current_catalogue()
    return IndicatorCatalogueVersion.objects.get(version=version)


def indicator(code: str, version: int | None = None) -> Indicator:
    """The item ``code`` of catalogue ``version`` (default: the version in force today)."""
    return Indicator.objects.get(code=code, category__catalogue_version=catalogue(version))


def next_version() -> int:
    """A version number no stored catalogue uses yet (for a test's own new version)."""
    newest = IndicatorCatalogueVersion.objects.order_by("-version").first()
    return newest.version + 1


@pytest.fixture
def signaller(db):
    """A signaller at a school (membership without area: scope 'own organisation')."""
    return make_user(Role.SIGNALLER)


@pytest.fixture
def coordinator(db):
    """The safety coordinator of Noord-Holland: triages the signals routed there."""
    return make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")


@pytest.fixture
def amsterdam_coordinator(db):
    return make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")


def _submit(**overrides) -> tuple[Signal, str]:
    """``signal_submit`` with defaults: an anonymous public signal about a 16–17-year-old, routed
    to Noord-Holland, with one item of the current catalogue and a description."""
    values = {
        "actor": None,
        "channel": Channel.PUBLIC,
        "signaller_type": "school",
        "police_unit": unit("noord-holland"),
        "indicators": [indicator("sudden-money-or-expensive-items")],
        "age_band": "16-17",
        "gender": "female",
        "urgency": "normal",
        "description": DESCRIPTION,
    }
    values.update(overrides)
    return services.signal_submit(**values)


@pytest.fixture
def submit(db):
    """``submit(**overrides)`` → (signal, receipt code), through the real service."""
    return _submit


# One way to bring a signal from 'received' into each status through the services: a list of
# (target, keyword arguments) steps; 'converted' goes through signal_convert.
PATH_TO_STATUS: dict[str, list[tuple[str, dict]]] = {
    SignalStatus.RECEIVED: [],
    SignalStatus.IN_TRIAGE: [(SignalStatus.IN_TRIAGE, {})],
    SignalStatus.REFERRED_POLICE: [
        (SignalStatus.IN_TRIAGE, {}),
        (SignalStatus.REFERRED_POLICE, {}),
    ],
    SignalStatus.REFERRED_CARE: [(SignalStatus.IN_TRIAGE, {}), (SignalStatus.REFERRED_CARE, {})],
    SignalStatus.ADVICE_GIVEN: [
        (SignalStatus.IN_TRIAGE, {}),
        (SignalStatus.ADVICE_GIVEN, {"message": ADVICE_MESSAGE}),
    ],
    SignalStatus.NO_ACTION: [
        (SignalStatus.IN_TRIAGE, {}),
        (
            SignalStatus.NO_ACTION,
            {"reason": NoActionReason.NO_INDICATIONS, "message": NO_ACTION_MESSAGE},
        ),
    ],
    SignalStatus.CONVERTED: [(SignalStatus.IN_TRIAGE, {}), (SignalStatus.CONVERTED, {})],
}


def convert(actor, signal: Signal, **overrides) -> Case:
    values = {
        "actor": actor,
        "signal": signal,
        "exploitation_forms": [form("sexual")],
        "nationality_group": "nl",
    }
    values.update(overrides)
    return services.signal_convert(**values)


def move(actor, signal: Signal, target: str, **kwargs) -> None:
    """One step through the service that owns it (conversion has its own)."""
    if target == SignalStatus.CONVERTED:
        convert(actor, signal, **kwargs)
    else:
        services.signal_triage(actor=actor, signal=signal, to_status=target, **kwargs)


def bring_to(actor, signal: Signal, status: str) -> Signal:
    """Walk ``signal`` into ``status`` along PATH_TO_STATUS, through the real services."""
    for target, kwargs in PATH_TO_STATUS[status]:
        move(actor, signal, target, **kwargs)
    signal.refresh_from_db()
    assert signal.status == status
    return signal


def row_counts() -> dict[str, int]:
    """How many signals, signal events, audit rows, cases and chain events are stored."""
    return {
        "signals": Signal.objects.count(),
        "signal_events": SignalEvent.objects.count(),
        "audit": AuditEvent.objects.count(),
        "cases": Case.objects.count(),
        "chain_events": ChainEvent.objects.count(),
    }


def raw_row(table: str, pk: int) -> tuple:
    """A row exactly as the database holds it (every column, no model in between)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def version_document(
    *,
    version: int,
    valid_from: dt.date,
    relabel: tuple[str, str] | None = None,
    remove: str | None = None,
    add: tuple[str, str, str] | None = None,
) -> dict:
    """A catalogue document holding every version of data/indicators.json and a new ``version``
    built from the newest of them: ``relabel`` (item code, new label), ``remove`` (item code),
    ``add`` (category code, item code, label)."""
    doc = load_indicator_document()
    base = max(doc["versions"], key=lambda spec: spec["version"])
    new = copy.deepcopy(base)
    new.update(version=version, label=f"Signalenlijst versie {version}", valid_from=str(valid_from))
    for category in new["categories"]:
        items = category["items"]
        if remove:
            items[:] = [item for item in items if item["code"] != remove]
        for item in items:
            if relabel and item["code"] == relabel[0]:
                item["label"] = relabel[1]
        if add and category["code"] == add[0]:
            items.append({"code": add[1], "label": add[2], "help_text": ""})
    return {"versions": [*doc["versions"], new]}


def add_catalogue_version(
    version: int | None = None, valid_from: dt.date | None = None, **changes
) -> int:
    """Store a new catalogue version (default: the next free number) through the real sync (see
    version_document); returns its number."""
    version = version or next_version()
    valid_from = valid_from or dt.date(2026, 1, 1)
    added = sync_indicator_catalogue(
        version_document(version=version, valid_from=valid_from, **changes)
    )
    assert added == [version]
    return version

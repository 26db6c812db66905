"""Fixtures of the analysis tests: an empty cache per test (results are cached per data
fingerprint, and SQLite reuses primary keys across rolled-back tests) and a small pilot world."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from inbeeld.accounts.models import Role
from inbeeld.pilot import services as pilot_services
from inbeeld.pilot.models import Intervention
from tests.factories import CaseFactory, first_outcome, make_user, record_events, unit

D = dt.date


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def record(case, code: str, day: dt.date, *, actor=None, outcome: str | None = None):
    """One event ``code`` on ``day`` through the real service."""
    outcome = first_outcome(code) if outcome is None else outcome
    (event,) = record_events(case, [(code, outcome)], actor=actor, start=day)
    return event


class SmallWorld:
    """Psychologist deployed (seeded pilot, phase 2) in Amsterdam from 2023-01-01 to 2024-12-31;
    Noord-Holland never has it. Index dates in 2023, the last event on 2024-06-01 (the cut-off):
    every case has 180 days of follow-up.

      Amsterdam  a1 contact 2023-03-01, complaint 2023-03-10, psychologist delivered
                 a2 contact 2023-04-01, complaint 2023-04-20
                 a3 contact 2023-05-01, psychologist NOT delivered
                 a4 intake 2023-06-01 only
      N-Holland  n1 contact 2023-03-01, complaint 2023-05-01
                 n2 contact 2023-04-01
                 n3 intake 2023-05-01 only; a safety assessment on 2024-06-01
      Amsterdam  x  NO research consent (contact and complaint): researchers never see it

    Psychologist ITT: with 4 (2 complaints), without 3 (1 complaint);
    as delivered (Amsterdam, with police contact): delivered 1 (1), not delivered 2 (1).
    """


@pytest.fixture
def small_world(db) -> SmallWorld:
    w = SmallWorld()
    w.officer = {
        code: make_user(Role.POLICE_OFFICER, unit_code=code)
        for code in ("amsterdam", "noord-holland")
    }
    from tests.factories import chain_recorder

    recorders = {code: chain_recorder(unit(code)) for code in ("amsterdam", "noord-holland")}

    def case(unit_code, intake, events=(), **kwargs):
        c = CaseFactory(
            police_unit=unit(unit_code), intake_date=intake, recorder=recorders[unit_code], **kwargs
        )
        for code, day in events:
            record(c, code, day, actor=recorders[unit_code])
        return c

    w.a1 = case(
        "amsterdam",
        D(2023, 3, 1),
        [("first_police_contact", D(2023, 3, 1)), ("complaint_filed", D(2023, 3, 10))],
    )
    w.a2 = case(
        "amsterdam",
        D(2023, 4, 1),
        [("first_police_contact", D(2023, 4, 1)), ("complaint_filed", D(2023, 4, 20))],
    )
    w.a3 = case("amsterdam", D(2023, 5, 1), [("first_police_contact", D(2023, 5, 1))])
    w.a4 = case("amsterdam", D(2023, 6, 1))
    w.n1 = case(
        "noord-holland",
        D(2023, 3, 1),
        [("first_police_contact", D(2023, 3, 1)), ("complaint_filed", D(2023, 5, 1))],
    )
    w.n2 = case("noord-holland", D(2023, 4, 1), [("first_police_contact", D(2023, 4, 1))])
    w.n3 = case("noord-holland", D(2023, 5, 1), [("safety_assessment", D(2024, 6, 1))])
    w.x = case(
        "amsterdam",
        D(2023, 3, 1),
        [("first_police_contact", D(2023, 3, 1)), ("complaint_filed", D(2023, 3, 2))],
        without_consent=True,
    )
    psychologist = Intervention.objects.get(code="psychologist")
    pilot_services.delivery_record(
        actor=w.officer["amsterdam"],
        case=w.a1,
        intervention=psychologist,
        date=D(2023, 3, 2),
        delivered=True,
    )
    pilot_services.delivery_record(
        actor=w.officer["amsterdam"],
        case=w.a3,
        intervention=psychologist,
        date=D(2023, 5, 2),
        delivered=False,
        reason_not_delivered="Slachtoffer wilde niet",
    )
    w.recorders = recorders
    return w

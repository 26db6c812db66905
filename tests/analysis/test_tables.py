"""analysis.tables: the evaluation's input tables built from the ORM, within the user's scope.

Fixture (events through cases.services, deliveries through pilot.services; the seeded
deployments are replaced by three known ones):

  A Amsterdam, research consent, minor, forms sexual + labour, intake 2024-03-01:
    first police contact 2024-03-05; complaint 2024-03-10, corrected to 2024-03-25; a second
    complaint 2024-03-30; other cooperation 2024-04-02 and (recorded later, dated earlier)
    2024-04-01; psychologist delivered 2024-03-06.
  B Amsterdam, research consent, form criminal, intake 2024-04-01, no events; psychologist NOT
    delivered 2024-04-03.
  C Limburg, research consent, form labour, intake 2024-02-01: contact 2024-02-03, a safety
    assessment 2024-02-10 (not an outcome event), withdrawal 2024-04-20 corrected to 2024-02-20;
    peer expert delivered 2024-02-04.
  D Amsterdam, NO research consent, intake 2024-05-01: contact 2024-06-01 (the latest event of
    all, but out of a researcher's scope).
  E Limburg, NO research consent, intake 2024-01-15, no events.

Deployments: psychologist in Amsterdam and Limburg 2024-01-01..2024-12-31; peer expert in
Limburg from 2024-02-01 (open); shorter lead times without units (no rows).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inbeeld.accounts.models import Role
from inbeeld.analysis.tables import evaluation_tables_for, research_cases, tables_for_cases
from inbeeld.cases.services import event_correct
from inbeeld.pilot import services as pilot_services
from inbeeld.pilot.models import Deployment, Intervention, Phase
from inbeeld.stats.tables import EvaluationTables
from tests.analysis.conftest import record
from tests.factories import CaseFactory, chain_recorder, event_type, make_user, unit

pytestmark = pytest.mark.django_db

D = dt.date


class World:
    pass


def _deploy(code: str, units: list[str], start, end) -> Deployment:
    deployment = Deployment.objects.create(
        intervention=Intervention.objects.get(code=code),
        phase=Phase.objects.order_by("start").last(),
        start=start,
        end=end,
    )
    deployment.police_units.set([unit(u) for u in units])
    return deployment


def _deliver(actor, case, code, day, delivered=True):
    return pilot_services.delivery_record(
        actor=actor,
        case=case,
        intervention=Intervention.objects.get(code=code),
        date=day,
        delivered=delivered,
        reason_not_delivered="" if delivered else "Niet bereikbaar",
    )


@pytest.fixture
def world(db) -> World:
    w = World()
    Deployment.objects.all().delete()
    _deploy("psychologist", ["amsterdam", "limburg"], D(2024, 1, 1), D(2024, 12, 31))
    _deploy("peer_expert", ["limburg"], D(2024, 2, 1), None)
    _deploy("shorter_lead_times", [], D(2024, 1, 1), D(2024, 12, 31))
    ams, lim = chain_recorder(unit("amsterdam")), chain_recorder(unit("limburg"))
    w.ams, w.lim = ams, lim

    w.A = CaseFactory(
        police_unit=unit("amsterdam"),
        intake_date=D(2024, 3, 1),
        minor=True,
        forms=["sexual", "labour"],
        recorder=ams,
    )
    record(w.A, "first_police_contact", D(2024, 3, 5), actor=ams)
    original = record(w.A, "complaint_filed", D(2024, 3, 10), actor=ams)
    event_correct(
        actor=ams,
        event=original,
        event_type=event_type("complaint_filed"),
        event_date=D(2024, 3, 25),
    )
    record(w.A, "complaint_filed", D(2024, 3, 30), actor=ams)
    record(w.A, "other_cooperation", D(2024, 4, 2), actor=ams)
    record(w.A, "other_cooperation", D(2024, 4, 1), actor=ams)
    _deliver(ams, w.A, "psychologist", D(2024, 3, 6))

    w.B = CaseFactory(
        police_unit=unit("amsterdam"), intake_date=D(2024, 4, 1), forms=["criminal"], recorder=ams
    )
    _deliver(ams, w.B, "psychologist", D(2024, 4, 3), delivered=False)

    w.C = CaseFactory(
        police_unit=unit("limburg"), intake_date=D(2024, 2, 1), forms=["labour"], recorder=lim
    )
    record(w.C, "first_police_contact", D(2024, 2, 3), actor=lim)
    record(w.C, "safety_assessment", D(2024, 2, 10), actor=lim)
    withdrawal = record(w.C, "withdrawal_from_process", D(2024, 4, 20), actor=lim)
    event_correct(
        actor=lim,
        event=withdrawal,
        event_type=event_type("withdrawal_from_process"),
        event_date=D(2024, 2, 20),
    )
    _deliver(lim, w.C, "peer_expert", D(2024, 2, 4))

    w.D = CaseFactory(
        police_unit=unit("amsterdam"),
        intake_date=D(2024, 5, 1),
        without_consent=True,
        recorder=ams,
    )
    record(w.D, "first_police_contact", D(2024, 6, 1), actor=ams)
    w.E = CaseFactory(police_unit=unit("limburg"), intake_date=D(2024, 1, 15), without_consent=True)
    w.researcher = make_user(Role.RESEARCHER)
    return w


def _rows(frame: pl.DataFrame) -> set[tuple]:
    return set(frame.rows())


def test_a_researcher_gets_only_consented_cases_with_their_covariates(world):
    tables = evaluation_tables_for(world.researcher)
    assert isinstance(tables, EvaluationTables)
    assert _rows(tables.cases) == {
        # case_id, unit, intake, minor, sexual, labour, criminal
        (world.A.pk, "amsterdam", D(2024, 3, 1), True, True, True, False),
        (world.B.pk, "amsterdam", D(2024, 4, 1), False, False, False, True),
        (world.C.pk, "limburg", D(2024, 2, 1), False, False, True, False),
    }
    # pseudonymised: ids only, never the case code
    assert tables.cases.columns == [
        "case_id",
        "police_unit",
        "intake_date",
        "minor",
        "form_sexual",
        "form_labour",
        "form_criminal",
    ]


def test_first_date_per_event_type_with_the_correction_in_place_of_the_original(world):
    tables = evaluation_tables_for(world.researcher)
    assert sorted(tables.events.rows()) == sorted(
        [
            (world.A.pk, "first_police_contact", D(2024, 3, 5)),
            # the complaint of 03-10 was corrected to 03-25: the original no longer counts
            (world.A.pk, "complaint_filed", D(2024, 3, 25)),
            # the earliest date, although recorded last
            (world.A.pk, "other_cooperation", D(2024, 4, 1)),
            (world.C.pk, "first_police_contact", D(2024, 2, 3)),
            (world.C.pk, "withdrawal_from_process", D(2024, 2, 20)),
        ]
    )


def test_the_cutoff_is_the_last_effective_event_in_scope(world):
    # D's contact (2024-06-01) is out of scope; C's withdrawal of 2024-04-20 was corrected away
    assert evaluation_tables_for(world.researcher).cutoff == D(2024, 4, 2)


def test_an_explicit_cutoff_drops_later_events(world):
    tables = evaluation_tables_for(world.researcher, cutoff=D(2024, 3, 20))
    assert tables.cutoff == D(2024, 3, 20)
    assert sorted(tables.events.rows()) == sorted(
        [
            (world.A.pk, "first_police_contact", D(2024, 3, 5)),
            (world.C.pk, "first_police_contact", D(2024, 2, 3)),
            (world.C.pk, "withdrawal_from_process", D(2024, 2, 20)),
        ]
    )


def test_deliveries_and_deployments_come_from_the_database(world):
    tables = evaluation_tables_for(world.researcher)
    assert _rows(tables.deliveries) == {
        (world.A.pk, "psychologist", D(2024, 3, 6), True),
        (world.B.pk, "psychologist", D(2024, 4, 3), False),
        (world.C.pk, "peer_expert", D(2024, 2, 4), True),
    }
    assert _rows(tables.deployments) == {
        ("psychologist", "amsterdam", D(2024, 1, 1), D(2024, 12, 31)),
        ("psychologist", "limburg", D(2024, 1, 1), D(2024, 12, 31)),
        ("peer_expert", "limburg", D(2024, 2, 1), None),
    }


def test_a_police_officers_tables_are_scoped_to_their_unit(world):
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    tables = evaluation_tables_for(officer)
    assert set(tables.cases.get_column("case_id")) == {world.A.pk, world.B.pk, world.D.pk}
    assert set(tables.cases.get_column("police_unit")) == {"amsterdam"}
    assert set(tables.events.get_column("case_id")) == {world.A.pk, world.D.pk}
    assert set(tables.deliveries.get_column("case_id")) == {world.A.pk, world.B.pk}
    assert tables.cutoff == D(2024, 6, 1)  # D is in the officer's scope


def test_no_role_no_cases(world):
    tables = evaluation_tables_for(make_user(None))
    assert tables.cases.height == tables.events.height == tables.deliveries.height == 0


def test_the_research_scope_of_the_cli_equals_a_researchers(world):
    cli = tables_for_cases(research_cases())
    mine = evaluation_tables_for(world.researcher)
    assert cli.cutoff == mine.cutoff
    for name in ("cases", "events", "deliveries", "deployments"):
        assert _rows(getattr(cli, name)) == _rows(getattr(mine, name)), name


def test_an_empty_database_gives_empty_valid_tables(db):
    researcher = make_user(Role.RESEARCHER)
    tables = evaluation_tables_for(researcher)
    assert tables.cases.height == 0 and tables.events.height == 0
    assert tables.cases.schema["intake_date"] == pl.Date
    assert tables.deployments.height > 0  # the seeded pilot


def _add_cases(count: int, start: dt.date) -> None:
    ams = chain_recorder(unit("amsterdam"))
    for k in range(count):
        case = CaseFactory(
            police_unit=unit("amsterdam"),
            intake_date=start + dt.timedelta(days=k),
            forms=["sexual", "criminal"],
            recorder=ams,
        )
        record(case, "first_police_contact", start + dt.timedelta(days=k + 1), actor=ams)
        record(case, "complaint_filed", start + dt.timedelta(days=k + 2), actor=ams)
        _deliver(ams, case, "psychologist", start + dt.timedelta(days=k + 1))


def _queries(user) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        tables = evaluation_tables_for(user)
    return len(queries), tables.cases.height


def test_the_number_of_queries_does_not_grow_with_the_number_of_cases(world):
    evaluation_tables_for(world.researcher)  # memberships are looked up (and kept) once
    few, n_few = _queries(world.researcher)
    _add_cases(12, D(2024, 1, 2))
    many, n_many = _queries(world.researcher)
    assert n_many == n_few + 12
    assert many == few, (few, many)
    assert few <= 8

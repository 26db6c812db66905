"""analysis.monitor_tables: the monitor's input tables from the ORM, within the user's scope.

Fixture (events through cases.services, consent through cases.services.consent_record, signals
through intake.services):

  A Amsterdam, minor, forms sexual + organ removal, nationality eu, consent for the monitor;
    intake 2019-03-01: contact 03-05, complaint 03-10, prosecution 2019-09-01 (summons), trial
    2020-01-15, verdict 2020-02-01 recorded as acquittal and corrected into a conviction;
    revictimisation 2021-03-05 and 2023-01-01.
  B Limburg, labour, non_eu, consent for the EVALUATION ONLY; contact + complaint 2020.
  C Amsterdam, form unknown, nl, consent for the monitor; intake 2021-01-10: contact 01-15,
    complaint 01-20, prosecution 2021-06-01 (dismissal_policy).
  D Amsterdam, no research consent; contact 2024-06-01.
  E Amsterdam, consent for the monitor, then withdrawn.
  F Amsterdam, research_consent set without any consent record (scope unknown).
  Signals (Amsterdam): s_case received 2021-12-31 23:30 local, converted, its case given consent
  for the monitor; s_hidden received 2022-01-01 00:15 local (still 2021-12-31 in UTC), converted,
  its case without consent; s_open (Limburg) received 2022-03-01, never converted.

A researcher counts A, C and s_case's case; a police officer or safety coordinator of Amsterdam
counts every Amsterdam case (consent is not their basis).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.analysis.monitor_tables import monitor_cases_for, monitor_tables_for
from inbeeld.cases.models import ConsentRecord
from inbeeld.cases.services import consent_record, event_correct
from inbeeld.intake import services as intake_services
from inbeeld.intake.models import Channel
from inbeeld.intake.workflow import SignalStatus
from inbeeld.reference.models import Indicator
from inbeeld.stats.monitor import MonitorTables, build_monitor
from tests.analysis.conftest import record
from tests.factories import CaseFactory, chain_recorder, event_type, form, make_user, unit

pytestmark = pytest.mark.django_db

D = dt.date
AMSTERDAM_TZ = zoneinfo.ZoneInfo("Europe/Amsterdam")
MONITOR = ConsentRecord.Scope.EVALUATION_AND_MONITOR
EVALUATION = ConsentRecord.Scope.EVALUATION


class World:
    pass


CONSENT_DAY = D(2024, 1, 1)


def _consent(actor, case, scope):
    consent_record(
        actor=actor, case=case, kind=ConsentRecord.Kind.GIVEN, date=CONSENT_DAY, scope=scope
    )


def _indicator() -> Indicator:
    version = intake_services.current_catalogue_version()
    return Indicator.objects.filter(category__catalogue_version=version).order_by("pk").first()


def _signal(monkeypatch, coordinator, unit_code, moment, *, convert=False):
    monkeypatch.setattr(timezone, "now", lambda: moment)
    signal, _ = intake_services.signal_submit(
        actor=None,
        channel=Channel.PUBLIC,
        signaller_type="school",
        police_unit=unit(unit_code),
        indicators=[_indicator()],
        age_band="23-29",
        gender="female",
        urgency="normal",
        description="Synthetisch signaal voor de monitor",
    )
    monkeypatch.undo()
    if convert:
        intake_services.signal_triage(
            actor=coordinator, signal=signal, to_status=SignalStatus.IN_TRIAGE
        )
        intake_services.signal_convert(
            actor=coordinator,
            signal=signal,
            exploitation_forms=[form("labour")],
            nationality_group="eu",
        )
    signal.refresh_from_db()
    return signal


@pytest.fixture
def world(db, monkeypatch) -> World:
    w = World()
    ams, lim = chain_recorder(unit("amsterdam")), chain_recorder(unit("limburg"))
    w.ams = ams

    w.A = CaseFactory(
        police_unit=unit("amsterdam"),
        intake_date=D(2019, 3, 1),
        minor=True,
        forms=["sexual", "organ_removal"],
        nationality_group="eu",
        without_consent=True,
        recorder=ams,
    )
    _consent(ams, w.A, MONITOR)
    record(w.A, "first_police_contact", D(2019, 3, 5), actor=ams)
    record(w.A, "complaint_filed", D(2019, 3, 10), actor=ams)
    record(w.A, "prosecution_decision", D(2019, 9, 1), actor=ams, outcome="summons")
    record(w.A, "trial_hearing", D(2020, 1, 15), actor=ams)
    acquittal = record(w.A, "verdict", D(2020, 2, 1), actor=ams, outcome="acquittal")
    event_correct(
        actor=ams,
        event=acquittal,
        event_type=event_type("verdict"),
        event_date=D(2020, 2, 1),
        outcome="conviction",
    )
    record(w.A, "revictimisation", D(2021, 3, 5), actor=ams)
    record(w.A, "revictimisation", D(2023, 1, 1), actor=ams)

    w.B = CaseFactory(
        police_unit=unit("limburg"),
        intake_date=D(2020, 5, 1),
        forms=["labour"],
        nationality_group="non_eu",
        without_consent=True,
        recorder=lim,
    )
    _consent(lim, w.B, EVALUATION)
    record(w.B, "first_police_contact", D(2020, 5, 2), actor=lim)
    record(w.B, "complaint_filed", D(2020, 5, 3), actor=lim)

    w.C = CaseFactory(
        police_unit=unit("amsterdam"),
        intake_date=D(2021, 1, 10),
        forms=["unknown"],
        nationality_group="nl",
        without_consent=True,
        recorder=ams,
    )
    _consent(ams, w.C, MONITOR)
    record(w.C, "first_police_contact", D(2021, 1, 15), actor=ams)
    record(w.C, "complaint_filed", D(2021, 1, 20), actor=ams)
    record(w.C, "prosecution_decision", D(2021, 6, 1), actor=ams, outcome="dismissal_policy")

    w.D = CaseFactory(
        police_unit=unit("amsterdam"), intake_date=D(2024, 5, 1), without_consent=True, recorder=ams
    )
    record(w.D, "first_police_contact", D(2024, 6, 1), actor=ams)

    w.E = CaseFactory(
        police_unit=unit("amsterdam"), intake_date=D(2022, 2, 1), without_consent=True, recorder=ams
    )
    _consent(ams, w.E, MONITOR)
    consent_record(
        actor=ams, case=w.E, kind=ConsentRecord.Kind.WITHDRAWN, date=D(2024, 2, 1), scope=""
    )

    w.F = CaseFactory(police_unit=unit("amsterdam"), intake_date=D(2022, 3, 1), recorder=ams)
    assert w.F.research_consent and not w.F.consent_records.exists()

    w.coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    lim_coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="limburg")
    w.s_case = _signal(
        monkeypatch,
        w.coordinator,
        "amsterdam",
        dt.datetime(2021, 12, 31, 23, 30, tzinfo=AMSTERDAM_TZ),
        convert=True,
    )
    _consent(ams, w.s_case.case, MONITOR)
    w.s_hidden = _signal(
        monkeypatch,
        w.coordinator,
        "amsterdam",
        dt.datetime(2022, 1, 1, 0, 15, tzinfo=AMSTERDAM_TZ),
        convert=True,
    )
    w.s_open = _signal(
        monkeypatch, lim_coordinator, "limburg", dt.datetime(2022, 3, 1, 12, 0, tzinfo=AMSTERDAM_TZ)
    )
    w.researcher = make_user(Role.RESEARCHER)
    w.officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    return w


def test_a_researcher_counts_only_cases_with_consent_for_the_monitor(world):
    tables = monitor_tables_for(world.researcher)
    assert isinstance(tables, MonitorTables)
    ids = set(tables.cases.get_column("case_id"))
    # not B (evaluation only), D (no consent), E (withdrawn), F (no record: scope unknown)
    assert ids == {world.A.pk, world.C.pk, world.s_case.case_id}
    assert set(monitor_cases_for(world.researcher).values_list("pk", flat=True)) == ids
    rows = {
        r["case_id"]: r
        for r in tables.cases.select(
            "case_id",
            "police_unit",
            "intake_date",
            "minor",
            "nationality_group",
            "form_sexual",
            "form_labour",
            "form_organ_removal",
            "form_unknown",
        ).iter_rows(named=True)
    }
    assert rows[world.A.pk] == {
        "case_id": world.A.pk,
        "police_unit": "amsterdam",
        "intake_date": D(2019, 3, 1),
        "minor": True,
        "nationality_group": "eu",
        "form_sexual": True,
        "form_labour": False,
        "form_organ_removal": True,
        "form_unknown": False,
    }
    assert rows[world.C.pk]["form_unknown"] and rows[world.C.pk]["nationality_group"] == "nl"
    s_case = rows[world.s_case.case_id]
    # the case's intake date is the local date the signal came in
    assert s_case["intake_date"] == D(2021, 12, 31) and s_case["form_labour"]
    # pseudonymised: no case code in any table
    assert "code" not in tables.cases.columns


def test_outcomes_and_revictimisation_are_in_the_events(world):
    tables = monitor_tables_for(world.researcher)
    assert tables.has_outcomes
    events = set(tables.events.filter(pl.col("case_id") == world.A.pk).rows())
    assert {
        (world.A.pk, "first_police_contact", D(2019, 3, 5), None),
        (world.A.pk, "complaint_filed", D(2019, 3, 10), None),
        (world.A.pk, "prosecution_decision", D(2019, 9, 1), "summons"),
        # the acquittal was corrected into a conviction: only the correction counts
        (world.A.pk, "verdict", D(2020, 2, 1), "conviction"),
        (world.A.pk, "revictimisation", D(2021, 3, 5), None),
        (world.A.pk, "revictimisation", D(2023, 1, 1), None),
    } <= events
    assert not any(row[1] == "verdict" and row[3] == "acquittal" for row in events)
    assert (world.C.pk, "prosecution_decision", D(2021, 6, 1), "dismissal_policy") in set(
        tables.events.rows()
    )
    # the cut-off is the last effective event in scope (D's contact of 2024-06-01 is not)
    assert tables.cutoff == D(2023, 1, 1)

    report = build_monitor(tables)
    total = report.funnel.total
    assert total.cases == 3
    assert total.stage("prosecution_decision").reached == 2
    assert total.stage("summons").reached == 1
    assert total.stage("conviction").reached == 1
    assert report.funnel.total.verdict_count("acquittal") == 0
    minor = report.repeat_victimisation.group("minor")
    assert (minor.n, minor.n_events) == (1, 1)  # A, first revictimised on 2021-03-05
    assert report.by_nationality.count("eu", 2019) == 1


def test_signals_for_a_researcher_hide_the_ids_of_out_of_scope_cases(world):
    tables = monitor_tables_for(world.researcher)
    rows = {r[0]: r[1:] for r in tables.signals.rows()}
    assert rows == {
        world.s_case.pk: ("amsterdam", D(2021, 12, 31), world.s_case.case_id, True),
        # converted, but its case has no consent: counted as converted, its id not passed on
        world.s_hidden.pk: ("amsterdam", D(2022, 1, 1), None, True),
        world.s_open.pk: ("limburg", D(2022, 3, 1), None, False),
    }
    funnel = build_monitor(tables).funnel
    assert funnel.year(2021).signals.signals == 1
    assert funnel.year(2022).signals.signals == 2  # by local date of receipt
    assert funnel.total.signals.converted == 2
    assert funnel.total.signals.cases_from_signal == 1


def test_a_coordinator_counts_every_case_of_the_unit_and_its_signals(world):
    tables = monitor_tables_for(world.coordinator)
    ids = set(tables.cases.get_column("case_id"))
    assert ids == {
        world.A.pk,
        world.C.pk,
        world.D.pk,
        world.E.pk,
        world.F.pk,
        world.s_case.case_id,
        world.s_hidden.case_id,
    }
    assert set(tables.signals.get_column("signal_id")) == {world.s_case.pk, world.s_hidden.pk}
    assert set(tables.signals.get_column("case_id")) == {
        world.s_case.case_id,
        world.s_hidden.case_id,
    }
    assert tables.cutoff == D(2024, 6, 1)


def test_a_police_officer_gets_no_signals(world):
    tables = monitor_tables_for(world.officer)
    assert tables.signals is None
    assert world.D.pk in set(tables.cases.get_column("case_id"))
    assert not build_monitor(tables).funnel.has_signals


def test_an_explicit_cutoff_bounds_events_and_signals(world):
    tables = monitor_tables_for(world.researcher, cutoff=D(2021, 12, 31))
    assert tables.cutoff == D(2021, 12, 31)
    assert tables.events.get_column("date").max() <= D(2021, 12, 31)
    assert set(tables.signals.get_column("signal_id")) == {world.s_case.pk}
    assert (world.A.pk, "revictimisation", D(2023, 1, 1), None) not in set(tables.events.rows())


def test_no_role_no_cases(world):
    tables = monitor_tables_for(make_user(None))
    assert tables.cases.height == 0 and tables.events.height == 0
    assert tables.signals is None
    assert build_monitor(tables).n_cases == 0


def _queries(user) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        tables = monitor_tables_for(user)
    return len(captured.captured_queries), tables.cases.height


def test_the_number_of_queries_does_not_grow_with_the_number_of_cases(world, monkeypatch):
    monitor_tables_for(world.researcher)  # memberships are looked up (and kept) once
    few, n_few = _queries(world.researcher)
    ams = world.ams
    for k in range(6):
        case = CaseFactory(
            police_unit=unit("amsterdam"),
            intake_date=D(2020, 1, 1) + dt.timedelta(days=k),
            forms=["sexual", "unknown"],
            without_consent=True,
            recorder=ams,
        )
        _consent(ams, case, MONITOR)
        record(case, "first_police_contact", D(2020, 2, 1), actor=ams)
        record(case, "complaint_filed", D(2020, 2, 2), actor=ams)
        record(case, "prosecution_decision", D(2020, 3, 1), actor=ams, outcome="summons")
        record(case, "revictimisation", D(2021, 1, 1) + dt.timedelta(days=k), actor=ams)
        record(case, "revictimisation", D(2022, 1, 1) + dt.timedelta(days=k), actor=ams)
        _signal(
            monkeypatch,
            world.coordinator,
            "amsterdam",
            dt.datetime(2020, 6, 1, 12, 0, tzinfo=AMSTERDAM_TZ),
        )
    many, n_many = _queries(world.researcher)
    assert n_many == n_few + 6
    assert many == few, (few, many)
    assert few <= 11, few

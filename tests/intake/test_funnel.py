"""The signal funnel from the database (intake.funnel: the ORM loader, scoped by the policy, whose
table stats.funnel.signal_funnel counts) on signals made through the real services, with the case
stages recorded through the real chain services. The counting itself on hand-made records:
tests/stats/test_funnel.py.

The fixture (``funnel_world``) holds, with the expected stage of every signal worked out by hand:

Noord-Holland
  nh_received       school       received only
  nh_advice         school       triaged, advice given
  nh_complaint      school       case: first police contact + complaint          consent
  nh_superseded     sports_club  case: first police contact corrected away        consent
  nh_corrected_date sports_club  case: first police contact corrected (new date)  consent
  nh_contact_nc     care         case: first police contact                       no consent
  nh_complaint_nc   care         case: first police contact + complaint           no consent
  nh_in_triage      care         triaged
Amsterdam
  ams_complaint     school       case: first police contact + complaint           consent
  ams_complaint_only school      case: complaint without a first-contact event     consent
  ams_received      neighbourhood_team  received only
  ams_case_only     neighbourhood_team  case, nothing after the conversion        consent
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.cases.models import Case, ChainEvent, ConsentRecord
from inbeeld.cases.selectors import cases_visible_to
from inbeeld.cases.services import consent_record, event_correct
from inbeeld.intake import services
from inbeeld.intake.funnel import FunnelCounts, funnel_table, signal_funnel_for
from inbeeld.intake.models import Channel, Signal
from inbeeld.intake.workflow import SignalStatus
from inbeeld.reference.models import Indicator
from tests.factories import chain_recorder, event_type, form, make_user, record_events, unit

AMSTERDAM_TZ = zoneinfo.ZoneInfo("Europe/Amsterdam")


# --- the fixture: signals through the real services ---------------------------------------------------


def _indicator() -> Indicator:
    version = services.current_catalogue_version()
    return Indicator.objects.filter(category__catalogue_version=version).order_by("pk").first()


class World:
    """Coordinators and recorders per unit, and a helper that makes one signal of the fixture."""

    def __init__(self):
        self.coordinators = {
            code: make_user(Role.SAFETY_COORDINATOR, unit_code=code)
            for code in ("noord-holland", "amsterdam")
        }
        self.recorders = {code: chain_recorder(unit(code)) for code in self.coordinators}
        self.signals: dict[str, Signal] = {}

    def signal(
        self,
        name: str,
        unit_code: str,
        kind: str,
        *,
        status: str = SignalStatus.RECEIVED,
        events=(),
        consent: bool = False,
        **submit,
    ) -> Signal:
        values = {
            "actor": None,
            "channel": Channel.PUBLIC,
            "signaller_type": kind,
            "police_unit": unit(unit_code),
            "indicators": [_indicator()],
            "age_band": "16-17",
            "gender": "female",
            "urgency": "normal",
            "description": "Synthetische beschrijving voor de trechter",
        }
        values.update(submit)
        signal, _ = services.signal_submit(**values)
        coordinator = self.coordinators[unit_code]
        if status != SignalStatus.RECEIVED:
            services.signal_triage(
                actor=coordinator, signal=signal, to_status=SignalStatus.IN_TRIAGE
            )
        if status == SignalStatus.CONVERTED:
            case = services.signal_convert(
                actor=coordinator,
                signal=signal,
                exploitation_forms=[form("sexual")],
                nationality_group="nl",
            )
            recorder = self.recorders[unit_code]
            record_events(case, events, actor=recorder)
            if consent:
                consent_record(
                    actor=recorder,
                    case=case,
                    kind=ConsentRecord.Kind.GIVEN,
                    date=timezone.localdate(),
                    scope=ConsentRecord.Scope.EVALUATION,
                )
        elif status not in (SignalStatus.RECEIVED, SignalStatus.IN_TRIAGE):
            # An outcome without a referral needs a message to the signaller (issue 14).
            services.signal_triage(
                actor=coordinator, signal=signal, to_status=status, message="Dank voor uw melding."
            )
        signal.refresh_from_db()
        assert signal.status == status
        self.signals[name] = signal
        return signal

    def first_contact(self, name: str) -> ChainEvent:
        return ChainEvent.objects.get(
            case=self.signals[name].case, event_type__code="first_police_contact"
        )


CONTACT = ("first_police_contact", "")
COMPLAINT = ("complaint_filed", "")
C = SignalStatus.CONVERTED


@pytest.fixture
def funnel_world(db) -> World:
    world = World()
    nh, ams = "noord-holland", "amsterdam"
    world.signal("nh_received", nh, "school")
    world.signal("nh_advice", nh, "school", status=SignalStatus.ADVICE_GIVEN)
    world.signal("nh_complaint", nh, "school", status=C, events=[CONTACT, COMPLAINT], consent=True)
    world.signal("nh_superseded", nh, "sports_club", status=C, events=[CONTACT], consent=True)
    world.signal("nh_corrected_date", nh, "sports_club", status=C, events=[CONTACT], consent=True)
    world.signal("nh_contact_nc", nh, "care", status=C, events=[CONTACT])
    world.signal("nh_complaint_nc", nh, "care", status=C, events=[CONTACT, COMPLAINT])
    world.signal("nh_in_triage", nh, "care", status=SignalStatus.IN_TRIAGE)
    world.signal(
        "ams_complaint", ams, "school", status=C, events=[CONTACT, COMPLAINT], consent=True
    )
    world.signal("ams_complaint_only", ams, "school", status=C, events=[COMPLAINT], consent=True)
    world.signal("ams_received", ams, "neighbourhood_team")
    world.signal("ams_case_only", ams, "neighbourhood_team", status=C, consent=True)

    today = timezone.localdate()
    recorder = world.recorders[nh]
    # The first contact turns out to have been a safety assessment: superseded, so no contact.
    event_correct(
        actor=recorder,
        event=world.first_contact("nh_superseded"),
        event_type=event_type("safety_assessment"),
        event_date=today,
    )
    # A correction of the date only: the correcting event is the effective first contact.
    event_correct(
        actor=recorder,
        event=world.first_contact("nh_corrected_date"),
        event_type=event_type("first_police_contact"),
        event_date=today - dt.timedelta(days=1),
    )
    return world


# --- the glue: records, scope, case stages -------------------------------------------------------------


@pytest.mark.django_db
def test_coordinator_of_noord_holland_counts_only_noord_holland(funnel_world):
    result = signal_funnel_for(funnel_world.coordinators["noord-holland"])

    assert [r.police_unit for r in result.by_unit] == ["noord-holland"]
    assert {r.police_unit for r in result.rows} == {"noord-holland"}
    # nh_received, nh_advice, nh_complaint
    assert result.row("noord-holland", "school").counts == (3, 2, 1, 1, 1)
    # nh_superseded (its contact was corrected away), nh_corrected_date (still a contact)
    assert result.row("noord-holland", "sports_club").counts == (2, 2, 2, 1, 0)
    # nh_contact_nc, nh_complaint_nc, nh_in_triage: the coordinator sees their cases (no research
    # consent needed for the chain itself)
    assert result.row("noord-holland", "care").counts == (3, 3, 2, 2, 1)
    assert result.total.counts == (8, 7, 5, 4, 2)
    assert result.unit_total("noord-holland") == result.total
    assert result.unit_total("amsterdam") == FunnelCounts()
    assert result.total.shares == (7 / 8, 5 / 7, 4 / 5, 2 / 4)


@pytest.mark.django_db
def test_coordinator_of_amsterdam_counts_only_amsterdam(funnel_world):
    result = signal_funnel_for(funnel_world.coordinators["amsterdam"])
    assert [r.police_unit for r in result.by_unit] == ["amsterdam"]
    # A complaint without its own first-contact event still counts as police contact.
    assert result.row("amsterdam", "school").counts == (2, 2, 2, 2, 2)
    assert result.row("amsterdam", "neighbourhood_team").counts == (2, 1, 1, 0, 0)
    assert result.total.counts == (4, 3, 3, 2, 2)


@pytest.mark.django_db
def test_researcher_counts_every_signal_but_case_stages_only_with_research_consent(funnel_world):
    researcher = make_user(Role.RESEARCHER)
    result = signal_funnel_for(researcher)

    assert [r.police_unit for r in result.by_unit] == ["amsterdam", "noord-holland"]
    # The two care cases without consent count as conversions, not for what came after (ADR 0004).
    assert result.row("noord-holland", "care").counts == (3, 3, 2, 0, 0)
    assert result.row("noord-holland", "school").counts == (3, 2, 1, 1, 1)
    assert result.row("noord-holland", "sports_club").counts == (2, 2, 2, 1, 0)
    assert result.row("amsterdam", "school").counts == (2, 2, 2, 2, 2)
    assert result.row("amsterdam", "neighbourhood_team").counts == (2, 1, 1, 0, 0)
    assert result.unit_total("noord-holland").counts == (8, 7, 5, 2, 1)
    assert result.signaller_type_total("school").counts == (5, 4, 3, 3, 3)
    assert result.signaller_type_total("care").counts == (3, 3, 2, 0, 0)
    assert result.total.counts == (12, 10, 8, 4, 3)

    # Withdrawing consent on a case takes its later stages out at once.
    case = funnel_world.signals["ams_complaint"].case
    consent_record(
        actor=funnel_world.recorders["amsterdam"],
        case=case,
        kind=ConsentRecord.Kind.WITHDRAWN,
        date=timezone.localdate(),
    )
    assert signal_funnel_for(researcher).row("amsterdam", "school").counts == (2, 2, 2, 1, 1)


@pytest.mark.django_db
def test_signaller_and_police_officer_get_an_empty_funnel(funnel_world):
    signaller = make_user(Role.SIGNALLER)
    services.signal_submit(
        actor=signaller,
        channel=Channel.ACCOUNT,
        signaller_type="school",
        police_unit=unit("noord-holland"),
        indicators=[_indicator()],
        age_band="12-15",
        gender="male",
        urgency="normal",
    )
    assert Signal.objects.filter(submitted_by=signaller).count() == 1
    for user in (signaller, make_user(Role.POLICE_OFFICER, unit_code="noord-holland")):
        result = signal_funnel_for(user)
        assert result.is_empty
        assert result.rows == ()
        assert result.total == FunnelCounts()


@pytest.mark.django_db
def test_funnel_table_keeps_converted_cases_outside_the_visible_ones(funnel_world):
    signals = Signal.objects.filter(police_unit__code="noord-holland")
    nothing_visible = funnel_table(signals, visible_cases=Case.objects.none())
    assert nothing_visible.height == 8
    assert nothing_visible.get_column("converted").sum() == 5
    assert not (
        nothing_visible.get_column("police_contact") | nothing_visible.get_column("complaint")
    ).any()

    everything = funnel_table(signals, visible_cases=Case.objects.all())
    assert everything.get_column("police_contact").sum() == 4
    assert everything.get_column("complaint").sum() == 2
    assert everything.get_column("triaged").sum() == 7


@pytest.mark.django_db
def test_funnel_table_uses_a_constant_number_of_queries(funnel_world):
    coordinator = funnel_world.coordinators["noord-holland"]
    signals = Signal.objects.filter(police_unit__code="noord-holland")

    def queries() -> int:
        visible = cases_visible_to(coordinator)
        with CaptureQueriesContext(connection) as captured:
            funnel_table(signals, visible_cases=visible)
        return len(captured.captured_queries)

    before = queries()
    for i in range(6):
        funnel_world.signal(
            f"extra_{i}",
            "noord-holland",
            "care",
            status=C,
            events=[CONTACT, COMPLAINT] if i % 2 else [CONTACT],
        )
    assert signals.count() == 14
    assert queries() == before <= 2


# --- date filters: the local date of receipt, both ends inclusive ----------------------------------


@pytest.mark.django_db
def test_date_filters_use_the_local_date_of_receipt(monkeypatch):
    world = World()
    moments = {
        "feb28": dt.datetime(2026, 2, 28, 10, 0, tzinfo=AMSTERDAM_TZ),
        # 23:30 local on 1 March is 22:30 UTC on 1 March
        "mar1_late": dt.datetime(2026, 3, 1, 23, 30, tzinfo=AMSTERDAM_TZ),
        # 00:15 local on 2 March is still 1 March in UTC
        "mar2_early": dt.datetime(2026, 3, 2, 0, 15, tzinfo=AMSTERDAM_TZ),
    }
    for name, moment in moments.items():
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        world.signal(name, "noord-holland", "school")
    monkeypatch.undo()
    early = world.signals["mar2_early"].received_at
    assert timezone.localtime(early).date() == dt.date(2026, 3, 2)
    assert early.astimezone(dt.UTC).date() == dt.date(2026, 3, 1)
    coordinator = world.coordinators["noord-holland"]

    def count(**dates) -> int:
        return signal_funnel_for(coordinator, **dates).total.signals

    march_first = dt.date(2026, 3, 1)
    assert count() == 3
    assert count(received_from=march_first, received_to=march_first) == 1
    assert count(received_to=march_first) == 2
    assert count(received_from=dt.date(2026, 3, 2)) == 1
    assert count(received_from=dt.date(2026, 2, 28), received_to=dt.date(2026, 3, 2)) == 3
    assert count(received_from=dt.date(2026, 3, 3)) == 0

"""Time targets: working days (Monday to Friday without Dutch public holidays, the `holidays`
package as the oracle), acute signals in clock hours, the settings that set the targets, and the
overdue selectors with ``now`` passed explicitly."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.utils import timezone

from inbeeld.intake.deadlines import (
    acknowledge_due,
    add_working_days,
    decision_due,
    is_working_day,
)
from inbeeld.intake.models import Signal
from inbeeld.intake.selectors import (
    QueueFilters,
    overdue_q,
    overdue_signals_for,
    signal_queue_for,
)
from inbeeld.intake.services import signal_triage
from inbeeld.intake.workflow import SignalStatus
from tests.intake.conftest import bring_to

AMS = ZoneInfo("Europe/Amsterdam")
SECOND = dt.timedelta(seconds=1)


def at(year, month, day, hour=12, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=AMS)


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(AMS)


def elapsed(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Real time between two moments (Python subtracts wall clocks within one zone)."""
    return end.astimezone(dt.UTC) - start.astimezone(dt.UTC)


# --- working days ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Plain week: Monday → Tuesday, Thursday + 3 → Tuesday.
        (at(2026, 6, 8, 9, 30), 1, at(2026, 6, 9, 9, 30)),
        (at(2026, 6, 11, 14), 3, at(2026, 6, 16, 14)),
        # Friday 15:00 → Monday 15:00; Saturday and Sunday 10:00 → Monday 10:00 (docstring).
        (at(2026, 6, 12, 15), 1, at(2026, 6, 15, 15)),
        (at(2026, 6, 13, 10), 1, at(2026, 6, 15, 10)),
        (at(2026, 6, 14, 10), 1, at(2026, 6, 15, 10)),
        # King's Day, Monday 27 April 2026: Friday → Tuesday.
        (at(2026, 4, 24, 15), 1, at(2026, 4, 28, 15)),
        # King's Day, Tuesday 27 April 2027: Monday → Wednesday.
        (at(2027, 4, 26, 9), 1, at(2027, 4, 28, 9)),
        # Easter Monday 6 April 2026 (Good Friday 3 April counts as a holiday in `holidays`):
        # Thursday 2 April → Tuesday 7 April.
        (at(2026, 4, 2, 11), 1, at(2026, 4, 7, 11)),
        # Christmas 2026: Friday 25 and Saturday 26 December. Thursday 24 → Monday 28.
        (at(2026, 12, 24, 10), 1, at(2026, 12, 28, 10)),
        # Christmas and New Year 2025/26: Wednesday 24 December + 5 working days skips 25, 26
        # December and 1 January → Monday 5 January 2026 (the holidays of the new year count).
        (at(2025, 12, 24, 16), 5, at(2026, 1, 5, 16)),
        # Ascension Day, Thursday 14 May 2026.
        (at(2026, 5, 13, 8), 1, at(2026, 5, 15, 8)),
        # Summer time starts Sunday 29 March 2026: the local time of day is kept (15:00 CET on
        # Friday → 15:00 CEST on Monday, 71 clock hours later).
        (at(2026, 3, 27, 15), 1, at(2026, 3, 30, 15)),
    ],
)
def test_add_working_days_skips_weekends_and_dutch_holidays_at_the_same_local_time(
    start, days, due
):
    result = add_working_days(start, days)
    assert result == due
    assert local(result).time() == start.time()


def test_add_working_days_keeps_local_time_across_the_change_to_summer_time():
    result = add_working_days(at(2026, 3, 27, 15), 1)
    assert elapsed(at(2026, 3, 27, 15), result) == dt.timedelta(hours=71)
    assert local(result).utcoffset() == dt.timedelta(hours=2)


def test_add_working_days_counts_from_the_local_date_not_the_utc_date():
    # 23:30 UTC on Monday 8 June 2026 is already Tuesday 01:30 in Amsterdam.
    start = dt.datetime(2026, 6, 8, 23, 30, tzinfo=dt.UTC)
    assert add_working_days(start, 1) == at(2026, 6, 10, 1, 30)


def test_kings_day_christmas_and_easter_monday_are_not_working_days():
    for day in (dt.date(2026, 4, 27), dt.date(2026, 12, 25), dt.date(2026, 4, 6)):
        assert not is_working_day(day)
    assert is_working_day(dt.date(2026, 4, 28))
    assert not is_working_day(dt.date(2026, 6, 13))  # a Saturday


def _oracle_next_working_days(start: dt.date, days: int) -> dt.date:
    nl = holidays.country_holidays("NL", years=range(start.year, start.year + 2))
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in nl:
            counted += 1
    return day


@pytest.mark.parametrize("days", [1, 5])
def test_add_working_days_agrees_with_the_holidays_package_for_every_day_of_two_years(days):
    nl = holidays.country_holidays("NL", years=[2026, 2027])
    day = dt.date(2026, 1, 1)
    while day.year < 2028:
        due = add_working_days(at(day.year, day.month, day.day, 13, 45), days)
        assert local(due).date() == _oracle_next_working_days(day, days), day
        assert local(due).time() == dt.time(13, 45)
        assert is_working_day(day) == (day.weekday() < 5 and day not in nl)
        day += dt.timedelta(days=1)


# --- targets ---------------------------------------------------------------------------------------


def test_normal_targets_are_one_and_five_working_days_by_default():
    friday = at(2026, 4, 24, 15)  # King's Day on the Monday after
    assert acknowledge_due(friday, acute=False) == at(2026, 4, 28, 15)
    assert decision_due(friday, acute=False) == at(2026, 5, 4, 15)


def test_acute_targets_are_clock_hours_through_nights_weekends_and_holidays():
    # Saturday 25 April 2026 23:30, with King's Day on the Monday: still 4 and 24 clock hours.
    saturday_night = at(2026, 4, 25, 23, 30)
    assert acknowledge_due(saturday_night, acute=True) == at(2026, 4, 26, 3, 30)
    assert decision_due(saturday_night, acute=True) == at(2026, 4, 26, 23, 30)


def test_acute_targets_are_the_same_moment_whatever_zone_the_receipt_time_is_in():
    # Submission passes UTC; the same moment in local time must give the same targets.
    in_utc = dt.datetime(2026, 3, 28, 22, 30, tzinfo=dt.UTC)  # 23:30 CET
    in_local = local(in_utc)
    for acute_target in (acknowledge_due, decision_due):
        assert acute_target(in_local, acute=True) == acute_target(in_utc, acute=True)


def test_acute_targets_count_real_hours_over_the_summer_time_change():
    # Saturday 28 March 2026 23:30 CET + 4 hours = Sunday 04:30 CEST (02:00 → 03:00).
    start = at(2026, 3, 28, 23, 30)
    due = acknowledge_due(start, acute=True)
    assert elapsed(start, due) == dt.timedelta(hours=4)
    assert (local(due).date(), local(due).time()) == (dt.date(2026, 3, 29), dt.time(4, 30))
    assert local(due).utcoffset() == dt.timedelta(hours=2)


def test_settings_change_the_targets(settings):
    friday = at(2026, 6, 12, 15)
    settings.INBEELD_SIGNAL_ACK_WORKING_DAYS = 2
    settings.INBEELD_SIGNAL_DECISION_WORKING_DAYS = 10
    settings.INBEELD_SIGNAL_ACUTE_ACK_HOURS = 1
    settings.INBEELD_SIGNAL_ACUTE_DECISION_HOURS = 8
    assert acknowledge_due(friday, acute=False) == at(2026, 6, 16, 15)
    assert decision_due(friday, acute=False) == at(2026, 6, 26, 15)
    assert acknowledge_due(friday, acute=True) == at(2026, 6, 12, 16)
    assert decision_due(friday, acute=True) == at(2026, 6, 12, 23)


def test_a_submitted_signal_gets_its_targets_from_the_settings(settings, submit):
    settings.INBEELD_SIGNAL_ACUTE_ACK_HOURS = 2
    settings.INBEELD_SIGNAL_ACUTE_DECISION_HOURS = 12
    settings.INBEELD_SIGNAL_ACK_WORKING_DAYS = 3
    settings.INBEELD_SIGNAL_DECISION_WORKING_DAYS = 7
    acute, _ = submit(urgency="acute")
    normal, _ = submit()
    acute.refresh_from_db()
    normal.refresh_from_db()
    assert elapsed(acute.received_at, acute.acknowledge_due_at) == dt.timedelta(hours=2)
    assert elapsed(acute.received_at, acute.decision_due_at) == dt.timedelta(hours=12)
    assert normal.acknowledge_due_at == add_working_days(normal.received_at, 3)
    assert normal.decision_due_at == add_working_days(normal.received_at, 7)


# --- overdue -----------------------------------------------------------------------------------------


def _overdue_pks(now) -> set[int]:
    return set(Signal.objects.filter(overdue_q(now)).values_list("pk", flat=True))


def _queue_overdue_pks(user, now, status="") -> set[int]:
    queue = signal_queue_for(user, QueueFilters(status=status, overdue=True), now=now)
    return set(queue.values_list("pk", flat=True))


def _pks(signals) -> set[int]:
    return {s.pk for s in signals}


@pytest.mark.django_db
@pytest.mark.parametrize("urgency", ["normal", "acute"])
def test_a_received_signal_is_overdue_just_after_its_acknowledgement_target(
    urgency, submit, coordinator
):
    signal, _ = submit(urgency=urgency)
    due = signal.acknowledge_due_at

    before = due - SECOND
    assert signal.pk not in _overdue_pks(before)
    assert signal.pk not in _pks(overdue_signals_for(coordinator, now=before)["acknowledge"])
    assert signal.pk not in _queue_overdue_pks(coordinator, before)

    after = due + SECOND
    assert signal.pk in _overdue_pks(after)
    assert signal.pk in _pks(overdue_signals_for(coordinator, now=after)["acknowledge"])
    assert signal.pk not in _pks(overdue_signals_for(coordinator, now=after)["decision"])
    assert signal.pk in _queue_overdue_pks(coordinator, after)


@pytest.mark.django_db
def test_a_signal_taken_into_triage_is_not_overdue_for_acknowledgement_but_can_be_for_a_decision(
    submit, coordinator
):
    signal, _ = submit()
    bring_to(coordinator, signal, SignalStatus.IN_TRIAGE)

    past_ack = signal.acknowledge_due_at + SECOND
    assert signal.pk not in _overdue_pks(past_ack)
    overdue = overdue_signals_for(coordinator, now=past_ack)
    assert signal.pk not in _pks(overdue["acknowledge"]) | _pks(overdue["decision"])
    assert signal.pk not in _queue_overdue_pks(coordinator, past_ack)

    before_decision = signal.decision_due_at - SECOND
    assert signal.pk not in _overdue_pks(before_decision)

    past_decision = signal.decision_due_at + SECOND
    assert signal.pk in _overdue_pks(past_decision)
    overdue = overdue_signals_for(coordinator, now=past_decision)
    assert signal.pk in _pks(overdue["decision"])
    assert signal.pk not in _pks(overdue["acknowledge"])
    assert signal.pk in _queue_overdue_pks(coordinator, past_decision)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [
        SignalStatus.REFERRED_POLICE,
        SignalStatus.REFERRED_CARE,
        SignalStatus.ADVICE_GIVEN,
        SignalStatus.NO_ACTION,
        SignalStatus.CONVERTED,
    ],
)
def test_a_decided_signal_is_never_overdue(status, submit, coordinator):
    signal, _ = submit(urgency="acute")
    bring_to(coordinator, signal, status)
    much_later = signal.decision_due_at + dt.timedelta(days=365)
    assert signal.pk not in _overdue_pks(much_later)
    overdue = overdue_signals_for(coordinator, now=much_later)
    assert signal.pk not in _pks(overdue["acknowledge"]) | _pks(overdue["decision"])
    assert signal.pk not in _queue_overdue_pks(coordinator, much_later, status="all")
    assert signal.pk not in _queue_overdue_pks(coordinator, much_later, status=status)


@pytest.mark.django_db
def test_a_reopened_signal_is_overdue_again_against_its_original_target(submit, coordinator):
    signal, _ = submit()
    bring_to(coordinator, signal, SignalStatus.ADVICE_GIVEN)
    late = signal.decision_due_at + SECOND
    assert signal.pk not in _overdue_pks(late)
    signal_triage(actor=coordinator, signal=signal, to_status=SignalStatus.IN_TRIAGE)
    assert signal.pk in _overdue_pks(late)


@pytest.mark.django_db
def test_overdue_lists_only_the_signals_of_the_users_unit(
    submit, coordinator, amsterdam_coordinator
):
    from tests.factories import unit

    signal, _ = submit(police_unit=unit("amsterdam"))
    late = signal.decision_due_at + SECOND
    assert signal.pk in _overdue_pks(late)
    mine = overdue_signals_for(coordinator, now=late)
    assert signal.pk not in _pks(mine["acknowledge"]) | _pks(mine["decision"])
    theirs = overdue_signals_for(amsterdam_coordinator, now=late)
    assert signal.pk in _pks(theirs["acknowledge"]) & _pks(theirs["decision"])


# --- queue order ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_queue_shows_acute_signals_on_top_then_the_oldest_first(submit, coordinator):
    # Setup writes received_at directly (submission always stamps 'now'), to fix the order.
    base = timezone.now() - dt.timedelta(days=3)
    specs = [
        ("normal", 0, "normal-oldest"),
        ("acute", 2, "acute-newest"),
        ("normal", 1, "normal-middle"),
        ("acute", 1, "acute-older"),
        ("normal", 2, "normal-newest"),
    ]
    names = {}
    for urgency, hours, name in specs:
        signal, _ = submit(urgency=urgency)
        Signal.objects.filter(pk=signal.pk).update(received_at=base + dt.timedelta(hours=hours))
        names[signal.pk] = name
    # A decided signal is not in the default (open) queue.
    decided, _ = submit(urgency="acute")
    bring_to(coordinator, decided, SignalStatus.ADVICE_GIVEN)

    order = [names[pk] for pk in signal_queue_for(coordinator).values_list("pk", flat=True)]
    assert order == [
        "acute-older",
        "acute-newest",
        "normal-oldest",
        "normal-middle",
        "normal-newest",
    ]

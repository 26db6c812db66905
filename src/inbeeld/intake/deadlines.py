"""Time targets for signals (configurable in settings):

- acknowledge (take into triage): within INBEELD_SIGNAL_ACK_WORKING_DAYS working days (default 1),
  an acute signal within INBEELD_SIGNAL_ACUTE_ACK_HOURS clock hours (default 4);
- decide (refer, advise, no action or case): within INBEELD_SIGNAL_DECISION_WORKING_DAYS working
  days (default 5), an acute signal within INBEELD_SIGNAL_ACUTE_DECISION_HOURS hours (default 24).

Working days are Monday to Friday without Dutch public holidays (the `holidays` package). "Within
n working days" keeps the time of day: a signal received on Friday 15:00 is due on Monday 15:00,
one received on Saturday 10:00 also on Monday 10:00. Acute danger does not wait for office hours,
so acute targets count clock hours.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone


@lru_cache(maxsize=64)
def _dutch_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("NL", years=year).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def add_working_days(moment: dt.datetime, days: int) -> dt.datetime:
    """``moment`` moved forward ``days`` working days, at the same local time of day."""
    local = timezone.localtime(moment)
    day, counted = local.date(), 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    naive = dt.datetime.combine(day, local.time().replace(tzinfo=None))
    return timezone.make_aware(naive, timezone.get_current_timezone())


def _plus_clock_hours(moment: dt.datetime, hours: int) -> dt.datetime:
    # In UTC: adding to a local-zone datetime would add wall-clock hours (one short or long
    # across a daylight-saving change).
    return moment.astimezone(dt.UTC) + dt.timedelta(hours=hours)


def acknowledge_due(received_at: dt.datetime, *, acute: bool) -> dt.datetime:
    if acute:
        return _plus_clock_hours(received_at, settings.INBEELD_SIGNAL_ACUTE_ACK_HOURS)
    return add_working_days(received_at, settings.INBEELD_SIGNAL_ACK_WORKING_DAYS)


def decision_due(received_at: dt.datetime, *, acute: bool) -> dt.datetime:
    if acute:
        return _plus_clock_hours(received_at, settings.INBEELD_SIGNAL_ACUTE_DECISION_HOURS)
    return add_working_days(received_at, settings.INBEELD_SIGNAL_DECISION_WORKING_DAYS)

"""Simple, explainable alerts on unusual access, for the privacy officer.

Pure functions over small aggregated rows (no Django here), so each rule is easy to test and to
explain in one Dutch sentence. The selectors in oversight.selectors build the rows from the log.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import NamedTuple

# Thresholds; deliberately simple so a privacy officer can explain every alert.
MIN_DAILY_CASES = 20  # never alert below this many distinct cases a day
DAILY_FACTOR = 3.0  # ... and only at 3× the user's own daily average of the previous 30 days
BASELINE_DAYS = 30
MIN_DENIED_PER_DAY = 3
MIN_FUNCTION_DENIED_PER_DAY = 3
MIN_NIGHT_READS = 5
MIN_FAILED_LOGINS = 5


# Named tuples rather than dataclasses: the overview builds and caches thousands of them per view
# at a year of audit rows (a tuple is made and unpickled several times faster).
class DailyCount(NamedTuple):
    user: str
    day: dt.date
    count: int


class Alert(NamedTuple):
    rule: str
    user: str
    day: dt.date
    count: int
    explanation: str


def many_cases_alerts(daily_reads: list[DailyCount], since: dt.date) -> list[Alert]:
    """Days (from ``since``) on which a user opened far more distinct cases than usual."""
    by_user: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for row in daily_reads:
        by_user[row.user][row.day] = row.count
    alerts = []
    for user, days in by_user.items():
        for day, count in days.items():
            if day < since or count < MIN_DAILY_CASES:
                continue
            window = [days.get(day - dt.timedelta(days=i), 0) for i in range(1, BASELINE_DAYS + 1)]
            baseline = sum(window) / len(window)  # (statistics.mean: 10× slower, same value)
            if count >= DAILY_FACTOR * baseline:
                alerts.append(
                    Alert(
                        rule="many_cases",
                        user=user,
                        day=day,
                        count=count,
                        explanation=(
                            f"{user} opende op {day:%d-%m-%Y} {count} verschillende casussen; "
                            f"in de {BASELINE_DAYS} dagen ervoor gemiddeld {baseline:.1f} per dag."
                        ),
                    )
                )
    return alerts


def threshold_alerts(
    rows: list[DailyCount], *, rule: str, minimum: int, sentence: str, since: dt.date
) -> list[Alert]:
    """One alert per user-day whose count reaches ``minimum``; ``sentence`` is formatted with
    user, day and count."""
    return [
        Alert(
            rule=rule,
            user=row.user,
            day=row.day,
            count=row.count,
            explanation=sentence.format(user=row.user, day=row.day, count=row.count),
        )
        for row in rows
        if row.day >= since and row.count >= minimum
    ]


def denied_alerts(rows: list[DailyCount], since: dt.date) -> list[Alert]:
    return threshold_alerts(
        rows,
        rule="denied",
        minimum=MIN_DENIED_PER_DAY,
        since=since,
        sentence="{user} probeerde op {day:%d-%m-%Y} {count} keer een casus buiten het eigen "
        "werkgebied te openen.",
    )


def function_denied_alerts(rows: list[DailyCount], since: dt.date) -> list[Alert]:
    """Repeated refused function pages (FUNCTION_ACCESS_DENIED): someone trying pages of other
    roles, such as reports, exports or this audit log."""
    return threshold_alerts(
        rows,
        rule="function_denied",
        minimum=MIN_FUNCTION_DENIED_PER_DAY,
        since=since,
        sentence="{user} kreeg op {day:%d-%m-%Y} {count} keer geen toegang tot een functie van "
        "een andere rol (bijvoorbeeld rapporten, exports of de auditlog).",
    )


def night_alerts(rows: list[DailyCount], since: dt.date) -> list[Alert]:
    return threshold_alerts(
        rows,
        rule="night",
        minimum=MIN_NIGHT_READS,
        since=since,
        sentence="{user} opende op {day:%d-%m-%Y} {count} keer een casus tussen 22.00 en 6.00 uur.",
    )


def failed_login_alerts(rows: list[DailyCount], since: dt.date) -> list[Alert]:
    return threshold_alerts(
        rows,
        rule="failed_logins",
        minimum=MIN_FAILED_LOGINS,
        since=since,
        sentence="Voor gebruikersnaam '{user}' waren er op {day:%d-%m-%Y} {count} mislukte "
        "inlogpogingen.",
    )

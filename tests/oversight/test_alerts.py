"""The privacy officer's alert rules: pure functions, and the same rules fed from the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.oversight import alerts
from inbeeld.oversight.selectors import access_alerts
from tests.factories import make_user

DAY = dt.date(2026, 3, 10)
AMS = ZoneInfo("Europe/Amsterdam")


def _daily(user, counts: dict[int, int]):
    """counts: days before DAY -> count."""
    return [alerts.DailyCount(user, DAY - dt.timedelta(days=back), n) for back, n in counts.items()]


def test_many_cases_needs_both_the_minimum_and_three_times_the_users_own_average():
    usual = {back: 10 for back in range(1, 31)}  # 10 a day for 30 days
    assert alerts.many_cases_alerts(_daily("sam", {0: 29, **usual}), since=DAY) == []
    found = alerts.many_cases_alerts(_daily("sam", {0: 30, **usual}), since=DAY)
    assert [(a.rule, a.user, a.day, a.count) for a in found] == [("many_cases", "sam", DAY, 30)]
    assert "30 verschillende casussen" in found[0].explanation
    assert "gemiddeld 10.0 per dag" in found[0].explanation
    # A quiet user: below the absolute minimum nothing is flagged, however unusual.
    assert alerts.many_cases_alerts(_daily("noor", {0: 19}), since=DAY) == []
    assert len(alerts.many_cases_alerts(_daily("noor", {0: 20}), since=DAY)) == 1
    # Days before ``since`` are baseline, not alerts.
    assert alerts.many_cases_alerts(_daily("noor", {1: 50}), since=DAY) == []


@pytest.mark.parametrize(
    ("rule", "minimum"),
    [
        (alerts.denied_alerts, alerts.MIN_DENIED_PER_DAY),
        (alerts.night_alerts, alerts.MIN_NIGHT_READS),
        (alerts.failed_login_alerts, alerts.MIN_FAILED_LOGINS),
    ],
)
def test_threshold_rules_fire_at_their_minimum(rule, minimum):
    assert rule(_daily("sam", {0: minimum - 1}), since=DAY) == []
    found = rule(_daily("sam", {0: minimum}), since=DAY)
    assert len(found) == 1 and found[0].count == minimum and "sam" in found[0].explanation


def _row(action, *, user="", at: dt.datetime, case_code="", subject_ref=""):
    # Appending rows with a chosen time (the hash chain is not what this test is about).
    AuditEvent(
        created_at=at,
        actor_label=user,
        action=action,
        case_code=case_code,
        subject_ref=subject_ref,
        prev_hash="0" * 64,
        row_hash=uuid.uuid4().hex * 2,
    ).save()


@pytest.mark.django_db
def test_alerts_from_the_audit_log():
    officer = make_user(Role.PRIVACY_OFFICER)
    noon = dt.datetime.combine(DAY, dt.time(12), tzinfo=AMS)
    for i in range(25):  # 25 distinct cases in one day, nothing before
        _row(
            AuditAction.CASE_READ,
            user="sam",
            at=noon + dt.timedelta(minutes=i),
            case_code=f"IB-AAAA-{i:04d}",
        )
    for i in range(6):  # six reads at 23:00-ish
        _row(
            AuditAction.CASE_READ,
            user="noor",
            at=dt.datetime.combine(DAY, dt.time(23, i), tzinfo=AMS),
            case_code="IB-BBBB-0001",
        )
    for i in range(5):
        _row(AuditAction.LOGIN_FAILED, at=noon + dt.timedelta(seconds=i), subject_ref="tom")
    found = {(a.rule, a.user) for a in access_alerts(officer, today=DAY)}
    assert found == {("many_cases", "sam"), ("night", "noor"), ("failed_logins", "tom")}
    assert AuditEvent.objects.filter(action=AuditAction.CASE_READ).count() == 31


@pytest.mark.django_db
def test_past_days_are_counted_once_and_today_on_every_view():
    """The counts of finished days are kept until midnight (the log only grows at the present
    moment); rows written today are counted on every view, and a row written into the past
    (a restore) is counted afresh."""
    from django.core.cache import cache

    cache.clear()
    officer = make_user(Role.PRIVACY_OFFICER)
    yesterday = dt.datetime.combine(DAY - dt.timedelta(days=1), dt.time(12), tzinfo=AMS)
    for i in range(3):
        _row(AuditAction.CASE_ACCESS_DENIED, user="kim", at=yesterday + dt.timedelta(minutes=i))
    first = {(a.rule, a.user, a.day) for a in access_alerts(officer, today=DAY)}
    assert first == {("denied", "kim", DAY - dt.timedelta(days=1))}

    noon = dt.datetime.combine(DAY, dt.time(12), tzinfo=AMS)
    for i in range(3):
        _row(AuditAction.CASE_ACCESS_DENIED, user="lex", at=noon + dt.timedelta(minutes=i))
    second = {(a.rule, a.user, a.day) for a in access_alerts(officer, today=DAY)}
    assert second == first | {("denied", "lex", DAY)}

    # A restored row two days back: the newest row before today changes, so it is counted.
    back = dt.datetime.combine(DAY - dt.timedelta(days=2), dt.time(9), tzinfo=AMS)
    for i in range(3):
        _row(AuditAction.CASE_ACCESS_DENIED, user="mo", at=back + dt.timedelta(minutes=i))
    _row(AuditAction.CASE_ACCESS_DENIED, user="mo", at=yesterday + dt.timedelta(hours=1))
    third = {(a.rule, a.user) for a in access_alerts(officer, today=DAY)}
    assert ("denied", "mo") in third


@pytest.mark.django_db
def test_the_overview_shows_alerts_25_at_a_time_newest_first(client):
    from django.urls import reverse

    from tests.conftest import verified_login

    officer = make_user(Role.PRIVACY_OFFICER)
    today = dt.datetime.now(AMS).replace(hour=12, minute=0)
    for n in range(30):  # 30 users with three failed logins each today: 30 alerts
        for i in range(alerts.MIN_FAILED_LOGINS):
            _row(
                AuditAction.LOGIN_FAILED,
                at=today - dt.timedelta(seconds=n * 10 + i),
                subject_ref=f"gebruiker{n:02d}",
            )
    verified_login(client, officer)
    first = client.get(reverse("privacy:overview"))
    assert first.context["alerts"].paginator.count == 30
    assert len(first.context["alerts"].object_list) == 25
    assert "30 waarschuwingen, de nieuwste eerst" in first.content.decode()
    second = client.get(reverse("privacy:overview") + "?pagina=2")
    assert len(second.context["alerts"].object_list) == 5
    shown = [a.user for a in first.context["alerts"].object_list] + [
        a.user for a in second.context["alerts"].object_list
    ]
    assert sorted(shown) == [f"gebruiker{n:02d}" for n in range(30)]


@pytest.mark.django_db
def test_cached_past_days_and_todays_rows_give_the_alerts_of_the_whole_window():
    """Oracle: the rules run once over the daily counts of the whole window, counted here with a
    plain loop over the rows, against access_alerts (past days from the cache, today fresh) —
    cold, cached, and after rows written today that change today's many-cases alert."""
    import random

    from django.core.cache import cache

    cache.clear()
    officer = make_user(Role.PRIVACY_OFFICER)
    rng = random.Random(15)
    users = ["sam", "noor", "kim", "lex"]
    rows = []  # (action, user, local datetime, case code)
    for back in range(0, 46):
        day = DAY - dt.timedelta(days=back)
        for user in users:
            for _ in range(rng.choice([0, 2, 5, 12, 90 if back in (0, 3, 20) else 4])):
                at = dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)), AMS)
                action = rng.choice(
                    [AuditAction.CASE_READ] * 6
                    + [AuditAction.CASE_SUMMARY_READ, AuditAction.CASE_ACCESS_DENIED]
                    + [AuditAction.FUNCTION_ACCESS_DENIED, AuditAction.LOGIN_FAILED]
                )
                rows.append((action, user, at, f"IB-AAAA-{rng.randrange(200):04d}"))

    def write(batch):
        for action, user, at, code in batch:
            if action == AuditAction.LOGIN_FAILED:
                _row(action, at=at, subject_ref=user)
            else:
                _row(action, user=user, at=at, case_code=code)

    def oracle(all_rows):
        since = DAY - dt.timedelta(days=13)
        reads, denied, function, night, logins = {}, {}, {}, {}, {}
        for action, user, at, code in all_rows:
            day = at.date()
            if day < since - dt.timedelta(days=alerts.BASELINE_DAYS):
                continue
            if action in (AuditAction.CASE_READ, AuditAction.CASE_SUMMARY_READ):
                reads.setdefault((user, day), set()).add(code)
                if day >= since and (at.hour >= 22 or at.hour < 6):
                    night[(user, day)] = night.get((user, day), 0) + 1
            elif action == AuditAction.CASE_ACCESS_DENIED:
                denied[(user, day)] = denied.get((user, day), 0) + 1
            elif action == AuditAction.FUNCTION_ACCESS_DENIED:
                function[(user, day)] = function.get((user, day), 0) + 1
            else:
                logins[(user, day)] = logins.get((user, day), 0) + 1

        def daily(counts):
            return [alerts.DailyCount(u, d, n) for (u, d), n in counts.items()]

        found = (
            alerts.many_cases_alerts(
                daily({k: len(v) for k, v in reads.items()}), since
            )
            + alerts.denied_alerts(daily(denied), since)
            + alerts.function_denied_alerts(daily(function), since)
            + alerts.night_alerts(daily(night), since)
            + alerts.failed_login_alerts(daily(logins), since)
        )
        return sorted(found, key=lambda a: (a.day, a.rule, a.user), reverse=True)

    write(rows)
    expected = oracle(rows)
    assert {a.rule for a in expected} >= {"many_cases", "denied", "night"}
    assert any(a.day == DAY for a in expected) and any(a.day < DAY for a in expected)
    assert access_alerts(officer, today=DAY) == expected  # cold
    assert access_alerts(officer, today=DAY) == expected  # past days from the cache
    # Today: one reader opens 60 cases more; only today's rows are counted again.
    noon = dt.datetime.combine(DAY, dt.time(12), tzinfo=AMS)
    more = [(AuditAction.CASE_READ, "kim", noon, f"IB-CCCC-{i:04d}") for i in range(60)]
    write(more)
    after = oracle(rows + more)
    assert after != expected
    assert access_alerts(officer, today=DAY) == after

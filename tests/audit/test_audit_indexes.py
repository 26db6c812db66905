"""The privacy officer's audit queries can use their indexes (issue 15 item 4).

At millions of rows (bench/bench_audit.py, BENCHMARKS.md) a query that cannot use an index scans
the whole log. Here, on PostgreSQL, each selector's filter is planned with sequential scans
switched off: the plan must name the index meant for it (an index that does not match the SQL
Django writes, e.g. UPPER(actor_label) for iexact, would leave a sequential scan regardless).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.audit.services import audit_record
from inbeeld.oversight.selectors import AuditFilters, audit_log_search, case_access_history
from tests.factories import make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the expression indexes serve PostgreSQL's UPPER() = UPPER(); SQLite uses LIKE",
    ),
]


def _plan(queryset, *, conditions_only: bool = False) -> str:
    """The plan without sequential scans (and with ``conditions_only`` without plain index scans,
    which could walk any index whole: only an index whose condition matches is then possible)."""
    sql, params = queryset.query.sql_with_params()
    switches = ["enable_seqscan"] + (["enable_indexscan"] if conditions_only else [])
    with connection.cursor() as cursor:
        for switch in switches:
            cursor.execute(f"SET LOCAL {switch} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        for switch in switches:
            cursor.execute(f"SET LOCAL {switch} = on")
    return plan


@pytest.fixture
def officer():
    user = make_user(Role.PRIVACY_OFFICER, username="fg.test")
    for i in range(40):
        audit_record(
            actor=user,
            action=AuditAction.CASE_READ,
            subject_type="case",
            subject_ref=f"BZ-{i:04d}",
            case_code=f"BZ-{i:04d}",
        )
    audit_record(actor=None, action=AuditAction.LOGIN_FAILED, subject_type="user", subject_ref="x")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")
    return user


def test_search_by_user_uses_the_name_indexes(officer):
    qs = audit_log_search(officer, AuditFilters(username="FG.Test")).order_by()
    plan = _plan(qs, conditions_only=True)
    assert "audit_actor_time" in plan and "audit_user_subject_time" in plan, plan
    assert qs.count() == 41  # 40 reads and the row of this search itself


def test_search_by_case_and_the_access_history_use_the_case_index(officer):
    plan = _plan(audit_log_search(officer, AuditFilters(case_code="bz-0007")).order_by())
    assert "audit_case_time" in plan, plan
    history = case_access_history(officer, "BZ-0007")
    assert "audit_case_time" in _plan(history)
    assert [r.action for r in history] == [AuditAction.AUDIT_LOG_READ, AuditAction.CASE_READ]


def test_the_alert_scans_by_action_and_period_use_their_index(officer):
    since = timezone.now() - dt.timedelta(days=44)
    qs = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, created_at__gte=since)
    assert "audit_action_time" in _plan(qs)


def test_walking_one_chain_uses_the_chain_index(officer):
    assert "audit_chain_id" in _plan(AuditEvent.objects.filter(chain=3, id__gt=10).order_by("id"))

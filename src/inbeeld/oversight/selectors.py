"""Reads of the audit log for the privacy officer. Every function checks the policy, and every
read of the log is itself logged."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate, TruncTime
from django.utils import timezone
from django.utils.translation import gettext_lazy

from inbeeld import policy
from inbeeld.accounts.models import Membership
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.audit.services import audit_query_params, audit_record
from inbeeld.oversight import alerts


def _require(user, action: policy.Action) -> None:
    if not policy.can(user, action):
        raise PermissionDenied


@dataclass(frozen=True)
class AuditFilters:
    username: str = ""
    action: str = ""
    case_code: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _local_day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


NEWEST_FIRST = ("-created_at", "-id")


class UserSearchQuerySet(QuerySet):
    """The rows of a search by user name: those the user did, or those about the user account
    (failed logins). The filter is the OR of two conditions, each with its own index
    (audit_actor_time, audit_user_subject_time). PostgreSQL answers the OR with a BitmapOr that
    reads every row of the user (about 15,000 at 5 million audit rows) for the count, and reads a
    page by walking the time index backwards past other users' rows (BENCHMARKS.md). So count()
    and a slice (what a Paginator asks) take the two conditions apart, each along its own index:
    the count is the rows of the first plus those of the second that are not in the first; a page
    is the union of the newest ``stop`` rows of each, sorted and cut (one query). The rows and
    their order are the same as the OR's. Anything chained onto this queryset (filter, order_by,
    ...) is a plain queryset with the OR again: Django's clone leaves ``_parts`` unset."""

    # (the search without the name condition, the acting-user condition, the subject condition)
    _parts: tuple[QuerySet, Q, Q] | None = None

    @classmethod
    def split(cls, combined: QuerySet, *, base: QuerySet, actor: Q, subject: Q):
        """``combined`` (``base`` filtered on ``actor | subject``) with the split count and
        slices."""
        found = cls(model=combined.model, query=combined.query.chain(), using=combined.db)
        found._parts = (base, actor, subject)
        return found

    def count(self) -> int:
        if self._parts is None or self._result_cache is not None:
            return super().count()
        base, actor, subject = self._parts
        return base.filter(actor).count() + base.filter(subject).exclude(actor).count()

    def __getitem__(self, k):
        if (
            self._parts is None
            or self._result_cache is not None
            or not isinstance(k, slice)
            or k.step is not None
            or k.stop is None
            or (k.start or 0) < 0
            or k.stop <= (k.start or 0)
        ):
            return super().__getitem__(k)
        base, actor, subject = self._parts
        start, stop = k.start or 0, k.stop
        sqls, params = [], []
        for condition in (actor, subject):
            part = base.filter(condition).order_by(*NEWEST_FIRST).values_list("created_at", "id")
            sql, part_params = part[:stop].query.sql_with_params()
            sqls.append(sql)
            params.extend(part_params)
        # Each part ordered and cut inside its own derived table: SQLite allows no ORDER BY or
        # LIMIT directly in the arms of a UNION. UNION (not ALL): a row can match both conditions.
        # The text is Django's own SQL of the two parts; every value (the name, the dates, the
        # limits) goes as a parameter.
        page = RawSQL(  # noqa: S611
            "SELECT u.id FROM (SELECT a.created_at, a.id FROM ({}) a "  # noqa: S608
            "UNION SELECT b.created_at, b.id FROM ({}) b) u "
            "ORDER BY u.created_at DESC, u.id DESC LIMIT %s OFFSET %s".format(*sqls),
            (*params, stop - start, start),
        )
        return (
            self.model._default_manager.filter(id__in=page)
            .select_related("actor")
            .order_by(*NEWEST_FIRST)
        )


def audit_log_search(user, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Audit rows matching ``filters``, newest first by time (privacy officer only; logged).
    A search by user name is a UserSearchQuerySet: the same rows, counted and paged faster."""
    _require(user, policy.Action.AUDIT_READ)
    qs = AuditEvent.objects.all()
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.case_code:
        qs = qs.filter(case_code=filters.case_code.strip().upper())
    if filters.date_from:
        qs = qs.filter(created_at__gte=_local_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_local_day_start(filters.date_to + dt.timedelta(days=1)))
    audit_record(
        actor=user,
        action=AuditAction.AUDIT_LOG_READ,
        subject_type="audit_log",
        extra={
            "filters": audit_query_params(
                {k: str(v) for k, v in filters.__dict__.items() if v}, AuditFilters.__annotations__
            )
        },
    )
    # By time: rows of the parallel audit chains interleave, so their ids only roughly follow the
    # order of events; created_at is covered by each row's MAC (docs/adr/0019-audit-that-scales.md).
    if not filters.username:
        return qs.select_related("actor").order_by(*NEWEST_FIRST)
    actor = Q(actor_label__iexact=filters.username)
    subject = Q(subject_ref__iexact=filters.username, subject_type="user")
    return UserSearchQuerySet.split(
        qs.filter(actor | subject).select_related("actor").order_by(*NEWEST_FIRST),
        base=qs,
        actor=actor,
        subject=subject,
    )


def case_access_history(user, code: str) -> QuerySet[AuditEvent]:
    """Who looked at (or tried to open, or changed) case ``code``: the case's audit rows."""
    _require(user, policy.Action.AUDIT_READ)
    code = code.strip().upper()
    audit_record(
        actor=user,
        action=AuditAction.AUDIT_LOG_READ,
        subject_type="case_access",
        subject_ref=code,
        case_code=code,
    )
    return (
        AuditEvent.objects.filter(case_code=code)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def _daily_counts(qs, *, user_field: str, distinct_field: str | None = None) -> list:
    tz = ZoneInfo(settings.TIME_ZONE)
    # COUNT(*), not COUNT(id): the id is not in audit_action_time, so counting it would read
    # every row from the table instead of the index alone.
    counter = Count(distinct_field, distinct=True) if distinct_field else Count("*")
    rows = (
        qs.annotate(day=TruncDate("created_at", tzinfo=tz))
        .values(user_field, "day")
        .annotate(n=counter)
    )
    return [alerts.DailyCount(user=r[user_field] or "?", day=r["day"], count=r["n"]) for r in rows]


def _newest_before(today: dt.date):
    """The newest audit row before ``today`` (its id): part of the cache key of the past days."""
    return (
        AuditEvent.objects.filter(created_at__lt=_local_day_start(today))
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)
        .first()
    )


def _rules(counts: dict[str, list[alerts.DailyCount]], since: dt.date) -> list[alerts.Alert]:
    return (
        alerts.many_cases_alerts(counts["reads"], since)
        + alerts.denied_alerts(counts["denied"], since)
        + alerts.function_denied_alerts(counts["function"], since)
        + alerts.night_alerts(counts["night"], since)
        + alerts.failed_login_alerts(counts["logins"], since)
    )


def _counts(queries: dict, rows: Q) -> dict[str, list[alerts.DailyCount]]:
    """The daily counts of each of ``queries`` (name: (rows, who, distinct column or None)),
    restricted to ``rows``."""
    return {
        name: _daily_counts(qs.filter(rows), user_field=user_field, distinct_field=distinct)
        for name, (qs, user_field, distinct) in queries.items()
    }


def _past_alerts(queries: dict, today: dt.date, since: dt.date, newest) -> tuple:
    """The alerts of the days before ``today`` and, per user, the daily reads of the
    BASELINE_DAYS before it (today's many-cases baseline), kept in the cache until midnight.

    The audit log only grows at the present moment (rows are written with the current time and
    never changed), so the counts of a finished day do not change, nor do the alerts the rules
    (oversight.alerts) find in them: a past day's alert depends on that day and the days before
    it only. With 5,000,000 audit rows the counts of the 44 days the rules look at took about a
    second of PostgreSQL's time, and building and judging their 14,000 daily rows again took 35 ms
    of the overview's 65 ms of CPU per view (BENCHMARKS.md). The key holds the newest row before today, so rows written into
    the past (a restore) are counted afresh. Named tuples: quick to store and read."""
    today_start = _local_day_start(today)
    sqls = [(name, *qs.query.sql_with_params(), *fields) for name, (qs, *fields) in queries.items()]
    key = (
        "inbeeld:alerts:" + hashlib.sha256(repr((sqls, today, since, newest)).encode()).hexdigest()
    )
    past = cache.get(key)
    if past is None:
        counts = _counts(queries, Q(created_at__lt=today_start))
        baseline_from = today - dt.timedelta(days=alerts.BASELINE_DAYS)
        baselines: dict[str, list[alerts.DailyCount]] = {}
        for row in counts["reads"]:
            if row.day >= baseline_from:
                baselines.setdefault(row.user, []).append(row)
        past = (_newest_first(_rules(counts, since)), baselines)
        cache.set(key, past, 24 * 60 * 60)
    return past


def access_alerts(user, *, days: int = 14, today: dt.date | None = None) -> list[alerts.Alert]:
    """Alerts of the last ``days`` days from the explainable rules in oversight.alerts: those of
    the past days from the cache (_past_alerts), today's from today's rows on every view."""
    _require(user, policy.Action.AUDIT_READ)
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=days - 1)
    window_start = _local_day_start(since - dt.timedelta(days=alerts.BASELINE_DAYS))
    recent = AuditEvent.objects.filter(created_at__gte=window_start)
    # A printable summary shows the case as well: it counts as a read of that case.
    reads = recent.filter(action__in=(AuditAction.CASE_READ, AuditAction.CASE_SUMMARY_READ))
    tz = ZoneInfo(settings.TIME_ZONE)
    # Night reads only count from ``since`` on (no baseline): no need to scan the 30 days before.
    # The local time of day rather than EXTRACT(hour ...): the same rows (hour >= 22 is time >=
    # 22:00, hour < 6 is time < 6:00), at a third of PostgreSQL's time per row.
    night = (
        reads.filter(created_at__gte=_local_day_start(since))
        .annotate(time_of_day=TruncTime("created_at", tzinfo=tz))
        .filter(Q(time_of_day__gte=dt.time(22)) | Q(time_of_day__lt=dt.time(6)))
    )
    # name: (rows, who, what is counted: distinct values of a column, or rows)
    queries = {
        "reads": (reads, "actor_label", "case_code"),
        "denied": (recent.filter(action=AuditAction.CASE_ACCESS_DENIED), "actor_label", None),
        "function": (
            recent.filter(action=AuditAction.FUNCTION_ACCESS_DENIED),
            "actor_label",
            None,
        ),
        "night": (night, "actor_label", None),
        "logins": (recent.filter(action=AuditAction.LOGIN_FAILED), "subject_ref", None),
    }
    past_found, baselines = _past_alerts(queries, today, since, _newest_before(today))
    today_start = _local_day_start(today)
    counts = _counts(queries, Q(created_at__gte=today_start))
    # Today's many-cases rule compares with each reader's own days before today.
    counts["reads"] = [
        row for reader in {row.user for row in counts["reads"]} for row in baselines.get(reader, ())
    ] + counts["reads"]
    # Today's come before every past day's: the whole list stays newest first.
    return _newest_first(_rules(counts, since=today)) + past_found


def _newest_first(found: list[alerts.Alert]) -> list[alerts.Alert]:
    return sorted(found, key=lambda a: (a.day, a.rule, a.user), reverse=True)


CHECKPOINT_KINDS = {
    "periodic": gettext_lazy("automatisch"),
    "command": gettext_lazy("handmatig"),
    "verify": gettext_lazy("na volledige controle"),
    "upgrade": gettext_lazy("bij de upgrade naar de gesleutelde keten"),
    "backup": gettext_lazy("bij het maken van een back-up"),
    "restore": gettext_lazy("na herstel van een back-up"),
}


def audit_anchoring(user) -> dict:
    """The quick check of the log against its signed checkpoints outside the database, for the
    privacy officer's overview (the full check is `inbeeld audit verify`)."""
    from inbeeld.audit.checkpoints import key_fingerprint
    from inbeeld.audit.verify import anchoring_status

    _require(user, policy.Action.AUDIT_READ)
    status = anchoring_status()
    latest = status.latest
    return {
        "ok": status.ok,
        "message": status.message,
        "checkpoints": status.checkpoints,
        "latest": latest,
        "latest_kind": CHECKPOINT_KINDS.get(latest.kind, latest.kind) if latest else "",
        "verified": status.latest_verified,
        "key": key_fingerprint(),
    }


def break_glass_queue(user, *, pending_only: bool = True):
    """Break-glass grants for review, oldest pending first."""
    from inbeeld.cases.models import BreakGlassGrant

    _require(user, policy.Action.BREAK_GLASS_REVIEW)
    qs = BreakGlassGrant.objects.select_related("case", "user", "reviewed_by").prefetch_related(
        Prefetch(
            "user__memberships",
            queryset=Membership.objects.filter(is_active=True).select_related(
                "organisation", "police_unit", "om_district", "court"
            ),
            to_attr="active_memberships",
        )
    )
    if pending_only:
        return qs.filter(review=BreakGlassGrant.Review.PENDING).order_by("granted_at")
    return qs.exclude(review=BreakGlassGrant.Review.PENDING).order_by("-reviewed_at")


def requester_unit(grant) -> str:
    """Where the user who opened ``grant`` works: the unit, district or court of each active
    membership, else the organisation ("–" when there is none). Reads the memberships that
    ``break_glass_queue`` prefetched."""
    memberships = getattr(grant.user, "active_memberships", None)
    if memberships is None:
        memberships = grant.user.memberships.filter(is_active=True).select_related(
            "organisation", "police_unit", "om_district", "court"
        )
    names = []
    for membership in memberships:
        place = membership.police_unit or membership.om_district or membership.court
        name = str(place or membership.organisation)
        if name not in names:
            names.append(name)
    return ", ".join(names) or "–"


def break_glass_get(user, grant_id: int):
    from django.http import Http404

    from inbeeld.cases.models import BreakGlassGrant

    _require(user, policy.Action.BREAK_GLASS_REVIEW)
    grant = BreakGlassGrant.objects.select_related("case", "user").filter(pk=grant_id).first()
    if grant is None:
        raise Http404
    return grant

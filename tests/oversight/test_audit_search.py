"""The audit search by user name: counted and paged per condition (UserSearchQuerySet), with the
same rows in the same order as the plain OR of the two conditions, on every page."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.oversight.selectors import AuditFilters, UserSearchQuerySet, audit_log_search
from tests.factories import make_user

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
NOON = dt.datetime(2026, 3, 10, 12, tzinfo=AMS)


def _row(*, at, actor_label="", subject_type="", subject_ref="", action=AuditAction.CASE_READ):
    # Appending rows with a chosen time (the hash chain is not what this test is about).
    AuditEvent(
        created_at=at,
        actor_label=actor_label,
        action=action,
        subject_type=subject_type,
        subject_ref=subject_ref,
        prev_hash="0" * 64,
        row_hash=uuid.uuid4().hex * 2,
    ).save()


@pytest.fixture
def officer():
    return make_user(Role.PRIVACY_OFFICER, username="fg.zoeker")


@pytest.fixture
def mixed_log():
    """Rows of sam.jansen as actor only, as subject only, as both, spelled in other cases; rows
    about the name that are not about a user account; other users' rows; many rows at the same
    moment (the id decides) and ids that do not follow time (the rows are written shuffled)."""
    rng = random.Random(5)
    spellings = ["sam.jansen", "Sam.Jansen", "SAM.JANSEN"]
    rows = []
    for i in range(260):
        # Groups of up to four rows share one moment.
        at = NOON - dt.timedelta(minutes=i // 4)
        kind = rng.choice(["actor", "subject", "both", "case_ref", "other", "other"])
        name = rng.choice(spellings)
        action = rng.choice([AuditAction.CASE_READ, AuditAction.LOGIN_FAILED])
        if kind == "actor":
            rows.append(dict(at=at, actor_label=name, subject_type="case", subject_ref="IB-1"))
        elif kind == "subject":
            rows.append(dict(at=at, actor_label="beheer", subject_type="user", subject_ref=name))
        elif kind == "both":
            rows.append(dict(at=at, actor_label=name, subject_type="user", subject_ref=name))
        elif kind == "case_ref":  # the name as subject, but not of a user account: not found
            rows.append(dict(at=at, actor_label="noor", subject_type="case", subject_ref=name))
        else:
            rows.append(dict(at=at, actor_label="noor", subject_type="user", subject_ref="kim"))
        rows[-1]["action"] = action
    rng.shuffle(rows)
    for row in rows:
        _row(**row)


def _oracle(filters: AuditFilters):
    """The search as it was: one OR of the two conditions."""
    qs = AuditEvent.objects.filter(
        Q(actor_label__iexact=filters.username)
        | Q(subject_ref__iexact=filters.username, subject_type="user")
    )
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(filters.date_from, dt.time(), AMS))
    return qs.order_by("-created_at", "-id")


@pytest.mark.parametrize("per_page", [1, 7, 50])
@pytest.mark.parametrize(
    "filters",
    [
        AuditFilters(username="sam.jansen"),
        AuditFilters(username="SaM.jAnSeN"),
        AuditFilters(username="sam.jansen", action=AuditAction.LOGIN_FAILED),
        AuditFilters(username="sam.jansen", date_from=NOON.date()),
        AuditFilters(username="nobody"),
    ],
)
def test_every_page_holds_the_rows_of_the_or_query_in_its_order(
    officer, mixed_log, filters, per_page
):
    found = audit_log_search(officer, filters)
    assert isinstance(found, UserSearchQuerySet)
    # After the search's own audit row: the oracle sees it too (it is not the searched user's).
    expected = list(_oracle(filters).values_list("id", flat=True))
    if filters.username != "nobody":
        assert len(expected) > 50
    paginator = Paginator(found, per_page)
    assert paginator.count == len(expected)
    shown = []
    for number in paginator.page_range:
        page = paginator.page(number)
        shown.extend(row.id for row in page.object_list)
    assert shown == expected
    # Slices across page boundaries, past the end, and empty.
    total = len(expected)
    for start, stop in [
        (0, 3),
        (per_page - 1, per_page + 2),
        (max(0, total - 2), total + 5),
        (5, 5),
    ]:
        assert [r.id for r in found[start:stop]] == expected[start:stop]


def test_the_search_finds_every_kind_of_match_and_nothing_else(officer, mixed_log):
    rows = list(audit_log_search(officer, AuditFilters(username="Sam.Jansen"))[:1000])
    assert {r.actor_label.lower() for r in rows} == {"sam.jansen", "beheer"}
    assert all(r.subject_type == "user" for r in rows if r.actor_label == "beheer")
    assert not any(r.actor_label == "noor" for r in rows)


def test_chained_querysets_are_the_plain_or_query(officer, mixed_log):
    found = audit_log_search(officer, AuditFilters(username="sam.jansen"))
    narrowed = found.filter(action=AuditAction.CASE_READ)
    assert narrowed._parts is None
    expected = _oracle(AuditFilters(username="sam.jansen")).filter(action=AuditAction.CASE_READ)
    assert list(narrowed.values_list("id", flat=True)) == list(
        expected.values_list("id", flat=True)
    )
    assert found.order_by().count() == _oracle(AuditFilters(username="sam.jansen")).count()


def test_the_log_page_counts_and_pages_along_each_condition(login, officer, mixed_log):
    client = login(officer)
    expected = list(_oracle(AuditFilters(username="sam.jansen")).values_list("id", flat=True))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("privacy:log"), {"username": "Sam.Jansen", "pagina": 2})
    page = response.context["page"]
    assert page.paginator.count == len(expected)
    assert [r.id for r in page.object_list] == expected[50:100]
    assert f"{len(expected)} regels" in response.content.decode()
    searches = [q["sql"] for q in queries.captured_queries if "UNION" in q["sql"]]
    assert len(searches) == 1, searches

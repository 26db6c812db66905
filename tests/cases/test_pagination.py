"""The case list's deep pages: keys first, then the rows (web.KeysFirstPaginator).

The oracle is Django's own Paginator on the same queryset: every page must hold the same cases in
the same order, whatever the sort and the filter, and the pages together every case exactly once.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inbeeld.cases import selectors
from inbeeld.cases.models import Case
from inbeeld.web import KeysFirstPaginator
from tests.factories import CaseFactory, unit

pytestmark = pytest.mark.django_db

FORMS = (["sexual"], ["labour"], ["sexual", "criminal"])
STATUSES = ("intake", "investigation", "prosecution")


@pytest.fixture
def many_cases():
    """37 cases in Amsterdam with repeated intake dates and statuses (ties in every sort but the
    code), and three in Limburg the police officer may not list."""
    cases = []
    for i in range(37):
        case = CaseFactory(
            intake_date=dt.date(2024, 1, 1) + dt.timedelta(days=i % 5), forms=FORMS[i % 3]
        )
        Case.objects.filter(pk=case.pk).update(status=STATUSES[i % 3])
        cases.append(case)
    for _ in range(3):
        CaseFactory(police_unit=unit("limburg"))
    return cases


def _pages(paginator) -> list[list[str]]:
    return [
        [case.code for case in paginator.page(n).object_list] for n in paginator.page_range
    ]


@pytest.mark.parametrize("sort", sorted(selectors.SORTS))
@pytest.mark.parametrize("form", ["", "sexual"])
def test_every_page_holds_what_djangos_paginator_gives(police_officer, many_cases, sort, form):
    filters = selectors.CaseFilters(sort=sort, exploitation_form=form)
    listed = selectors.case_list(police_officer, filters)
    keys_first = KeysFirstPaginator(listed, 4, orphans=2)
    keys_first.keys_first_from = 0  # every page keys first
    expected = _pages(Paginator(selectors.case_list(police_officer, filters), 4, orphans=2))
    got = _pages(keys_first)
    assert got == expected
    codes = [code for page in got for code in page]
    assert len(codes) == len(set(codes)) == listed.count()
    amsterdam = {c.code for c in many_cases if not form or "sexual" in FORMS[many_cases.index(c) % 3]}
    assert set(codes) == amsterdam


def test_a_deep_page_reads_keys_then_rows_with_their_unit_and_forms(police_officer, many_cases):
    listed = selectors.case_list(police_officer, selectors.CaseFilters())
    paginator = KeysFirstPaginator(listed, 5)
    paginator.keys_first_from = 10
    paginator.count  # noqa: B018 (the count is its own query)
    with CaptureQueriesContext(connection) as shallow:
        page = paginator.page(2)
        [(case.police_unit.name, list(case.exploitation_forms.all())) for case in page]
    with CaptureQueriesContext(connection) as deep:
        page = paginator.page(4)
        rows = [(case.police_unit.name, list(case.exploitation_forms.all())) for case in page]
    assert len(rows) == 5
    # Keys first: one query more than a shallow page, and none per row.
    assert len(deep) == len(shallow) + 1
    keys_query = deep.captured_queries[0]["sql"]
    assert "OFFSET 15" in keys_query and '"cases_case"."code"' not in keys_query


def test_the_case_list_view_pages_keys_first_like_the_first_pages(
    login, police_officer, many_cases, monkeypatch
):
    client = login(police_officer)
    url = reverse("cases:list")
    plain = [client.get(url, {"pagina": n, "sort": "status"}) for n in (1, 2)]
    monkeypatch.setattr(KeysFirstPaginator, "keys_first_from", 0)
    keyed = [client.get(url, {"pagina": n, "sort": "status"}) for n in (1, 2)]
    for before, after in zip(plain, keyed, strict=True):
        assert after.status_code == 200
        assert [c.code for c in after.context["page"].object_list] == [
            c.code for c in before.context["page"].object_list
        ]
    html = keyed[1].content.decode()
    assert "Pagina 2 van 2" in html
    assert all(c.code in html for c in keyed[1].context["page"].object_list)

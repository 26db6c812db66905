"""The row helpers of long lists (web.short_moment, web.row_url and the intake filters that use
them) against what they replace: Django's date filter and URL reversing, as the oracle."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation

from inbeeld import web

AMS = ZoneInfo("Europe/Amsterdam")

# Every month; both sides of the two clock changes of 2026 (29 March, 25 October, 01:00 UTC);
# single- and double-digit days, hours and minutes; midnight local time; an early year.
MOMENTS = [dt.datetime(2026, month, 1, 8, 5, tzinfo=dt.UTC) for month in range(1, 13)] + [
    dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 0, 59, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 31, 23, 0, tzinfo=dt.UTC),  # already next year in Amsterdam
    dt.datetime(2026, 6, 30, 22, 0, tzinfo=dt.UTC),  # midnight in Amsterdam
    dt.datetime(2026, 11, 9, 10, 59, 59, 999999, tzinfo=dt.UTC),
    dt.datetime(987, 5, 17, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 4, 3, 7, 9, tzinfo=AMS),
]


def _django(value, fmt: str) -> str:
    return Template("{{ v|date:f }}").render(Context({"v": value, "f": fmt}))


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("value", MOMENTS, ids=str)
def test_short_moment_shows_what_the_date_filter_shows(value, language):
    with translation.override(language):
        assert web.short_moment(value) == _django(value, "j M H:i")
        assert web.short_moment(value, year=True) == _django(value, "j M Y H:i")


@pytest.mark.parametrize("zone", ["UTC", "America/Sao_Paulo"])
def test_short_moment_follows_the_current_time_zone(zone):
    value = dt.datetime(2026, 1, 1, 2, 30, tzinfo=dt.UTC)
    with translation.override("nl"), timezone.override(ZoneInfo(zone)):
        assert web.short_moment(value, year=True) == _django(value, "j M Y H:i")
    with translation.override("nl"), timezone.override(ZoneInfo("America/Sao_Paulo")):
        assert web.short_moment(value, year=True) == "31 Dec 2025 23:30"


def test_short_moment_in_words():
    with translation.override("nl"):
        assert web.short_moment(dt.datetime(2026, 3, 4, 13, 0, tzinfo=dt.UTC)) == "4 Mrt 14:00"
        assert (
            web.short_moment(dt.datetime(2026, 10, 10, 21, 30, tzinfo=dt.UTC), year=True)
            == "10 Okt 2026 23:30"
        )


@override_settings(USE_TZ=False)
def test_short_moment_of_a_naive_moment_without_time_zones():
    value = dt.datetime(2026, 5, 2, 7, 3)  # noqa: DTZ001 (a site without time zones)
    with translation.override("nl"):
        assert (
            web.short_moment(value, year=True) == _django(value, "j M Y H:i") == "2 Mei 2026 07:03"
        )


@pytest.mark.parametrize(
    "reference", ["SIG-2026-00001", "sig-7", "a b", "é", "100%", "x:y@z", "~tilde", "a+b,c"]
)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_row_url_is_what_reverse_gives(reference, language):
    with translation.override(language):
        assert web.row_url("intake:detail", reference) == reverse("intake:detail", args=[reference])
        assert web.row_url("cases:detail", reference) == reverse("cases:detail", args=[reference])


def test_row_url_under_a_script_prefix():
    try:
        set_script_prefix("/inbeeld/")
        assert web.row_url("intake:detail", "SIG-1") == reverse("intake:detail", args=["SIG-1"])
        assert web.row_url("intake:detail", "SIG-1").startswith("/inbeeld/")
    finally:
        set_script_prefix("/")
    assert web.row_url("intake:detail", "SIG-1") == reverse("intake:detail", args=["SIG-1"])
    assert not web.row_url("intake:detail", "SIG-1").startswith("/inbeeld/")


def test_the_list_rows_tags_render_what_the_tags_they_replace_rendered():
    value = dt.datetime(2026, 10, 25, 0, 59, tzinfo=dt.UTC)
    context = Context({"at": value, "ref": "SIG-2026-00042"})
    with translation.override("nl"):
        new = Template(
            "{% load list_rows %}{{ at|row_moment }} {% row_url 'intake:detail' ref %}"
        ).render(context)
        old = Template('{{ at|date:"j M Y H:i" }} {% url "intake:detail" ref %}').render(context)
    assert new == old


@pytest.mark.parametrize("code", ["IB-ABCD-EFGH", "ib-a b", "100%"])
@pytest.mark.parametrize("pk", [0, 7, 987_650_000_000_000_000, 2**40])
@pytest.mark.parametrize("name", ["cases:event_correct", "cases:event_withdraw"])
def test_row_url_with_a_string_and_an_integer(name, code, pk):
    with translation.override("nl"):
        assert web.row_url(name, code, pk) == reverse(name, args=[code, pk])


def test_the_row_url_tag_renders_what_the_url_tag_renders():
    context = Context({"code": "IB-ABCD-EFGH", "pk": 42, "bad": "a&b"})
    new = Template(
        "{% load list_rows %}{% row_url 'cases:event_correct' code pk %} "
        "{% row_url 'cases:event_withdraw' bad pk %}"
    ).render(context)
    old = Template(
        "{% url 'cases:event_correct' code pk %} {% url 'cases:event_withdraw' bad pk %}"
    ).render(context)
    assert new == old
    assert "/42/" in new

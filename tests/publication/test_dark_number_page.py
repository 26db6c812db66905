"""The dark number reaches the monitor page and report: the page shows the same estimate as
analysis.dark_number for the researcher, and says why when there is none."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.analysis.dark_number import dark_number_for
from inbeeld.analysis.presenter import number
from inbeeld.demo.generator import generate
from inbeeld.demo.generator.data import DemoConfig
from inbeeld.publication.monitor_report import dark_number_context
from tests.conftest import verified_login
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_monitor_page_shows_the_researchers_dark_number(client):
    generate(DemoConfig(cases=4000, seed=11))
    researcher = make_user(Role.RESEARCHER)
    dark = dark_number_for(researcher)
    assert dark.result is not None, dark.reason
    verified_login(client, researcher)
    body = client.get(reverse("reports:monitor_page")).content.decode()
    assert 'data-testid="dark-number"' in body
    assert number(dark.result.estimate, 0) in body
    assert number(dark.result.observed, 0) in body
    html = client.get(reverse("reports:monitor", args=["html"])).content.decode()
    assert number(dark.result.estimate, 0) in html


def test_without_linkage_keys_the_page_says_why(client):
    researcher = make_user(Role.RESEARCHER)
    verified_login(client, researcher)
    body = client.get(reverse("reports:monitor_page")).content.decode()
    assert 'data-testid="dark-number"' not in body
    assert "Niet te schatten" in body or "geen koppelsleutels" in body


def test_a_dark_number_over_too_few_victims_is_not_published():
    class Result:
        observed, estimate, ratio, lists, model = 7, 30.0, 4.3, ("police", "om", "care"), ()

    class Dark:
        result, reason = Result(), ""

    context = dark_number_context(Dark(), min_cell=10)
    assert "estimate" not in context and context["reason"]

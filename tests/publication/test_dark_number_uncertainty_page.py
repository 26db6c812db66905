"""The monitor page and report show the dark number's model-choice uncertainty (issue 12 item 6):
what it counts (the period from the data), the sensitivity table per selection rule, and the
bootstrap interval, computed by the worker with the stored monitor and shown on the page and in
the report alike."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.demo.generator import generate
from inbeeld.demo.generator.data import DemoConfig
from inbeeld.publication.dark_number_uncertainty import period_label
from inbeeld.stats import mse_uncertainty as mu
from tests.conftest import verified_login
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_period_label_comes_from_the_years():
    assert period_label([2012, 2010, 2015]) == "verschillende slachtoffers 2010–2015, niet per jaar"
    assert period_label([2021]) == "verschillende slachtoffers 2021, niet per jaar"
    assert "hele periode" in period_label([])


def test_page_and_report_show_sensitivity_period_and_bootstrap(client, monkeypatch):
    # The 45 s cap is for production; on the shared CI machine the 40 replicates on the demo
    # data (about 20 s idle) can take longer, and a cut-short run is not cached.
    monkeypatch.setattr(mu, "DEFAULT_MAX_SECONDS", 600.0)
    cache.clear()
    generate(DemoConfig(cases=4000, seed=11))
    researcher = make_user(Role.RESEARCHER)
    verified_login(client, researcher)
    page = client.get(reverse("reports:monitor_page")).content.decode()
    assert 'data-testid="dark-number-sensitivity"' in page
    for label in ("BIC, stapsgewijs", "AIC, stapsgewijs", "regel van SparseMSE"):
        assert label in page
    assert re.search(r"verschillende slachtoffers \d{4}–\d{4}, niet per jaar", page)
    # the worker computed the bootstrap with the stored monitor (publication.stored_results)
    assert 'data-testid="dark-number-interval"' in page
    assert "nog niet berekend" not in page
    report = client.get(reverse("reports:monitor", args=["html"])).content.decode()
    assert 'data-testid="dark-number-interval"' in report
    assert "inclusief de onzekerheid over de modelkeuze" in report
    assert "startwaarde 20151231" in report
    # the page and the report show the same interval
    shown = re.search(r'data-testid="dark-number-interval">([^<]*)<', page)
    assert shown and shown.group(1) in report


@pytest.mark.django_db(transaction=True)
def test_the_worker_computes_the_bootstrap_apart_and_the_page_shows_it_for_the_same_table(
    client, settings
):
    """The monitor is stored without the bootstrap (it never waits for it); the bootstrap is a
    stored result of its own, keyed on the capture-history table; the page shows it only for
    the table its own estimate came from, and a report reuses the worker's."""
    import pickle

    from inbeeld.jobs.models import StoredResult
    from inbeeld.publication.dark_number_uncertainty import BOOTSTRAP
    from tests.jobs.helpers import run_worker

    settings.INBEELD_RESULTS_AT_ONCE = False
    cache.clear()
    generate(DemoConfig(cases=3000, seed=12))
    researcher = make_user(Role.RESEARCHER)
    verified_login(client, researcher)
    url = reverse("reports:monitor_page")
    assert 'data-testid="dark-number-interval"' not in client.get(url).content.decode()
    run_worker()  # the monitor (and the bootstrap, queued by the page's next view or this run)
    page = client.get(url).content.decode()
    run_worker()
    monitor = pickle.loads(bytes(StoredResult.objects.get(kind="monitor").payload))  # noqa: S301
    assert monitor["dark"]["boot_key"] and "boot_low" not in monitor["dark"]
    row = StoredResult.objects.get(kind=BOOTSTRAP)
    stored = pickle.loads(bytes(row.payload))  # noqa: S301
    assert stored["key"] == monitor["dark"]["boot_key"] == row.fingerprint
    boot = stored["boot"]
    assert boot.interval is not None
    assert boot.requested == settings.INBEELD_DARK_NUMBER_REPLICATES
    page = client.get(url).content.decode()
    shown = re.search(r'data-testid="dark-number-interval">([^<]*)<', page)
    assert shown, "the page shows the worker's bootstrap"
    low = f"{round(boot.interval.low):,}".replace(",", ".")
    assert low in shown.group(1)
    # another table (one more source for some victims) has another key: the stored bootstrap of
    # the old table is not shown with the new monitor
    monitor["dark"]["boot_key"] = "0" * 24
    StoredResult.objects.filter(kind="monitor").update(payload=pickle.dumps(monitor))
    page = client.get(url).content.decode()
    assert 'data-testid="dark-number-interval"' not in page
    assert "wordt nog berekend" in page

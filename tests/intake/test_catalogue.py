"""The indicator catalogue (signalenlijst) as versioned reference data: versions 1 and 2 from
reference/data/indicators.json are in every database (version 2 adds online recruitment and is in
force from 1 December 2026); a new version is added beside them, a stored version is frozen, and a
signal keeps the items (and labels) of the version it was recorded under."""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter

import pytest
from django.utils import timezone

from inbeeld.intake import selectors
from inbeeld.intake.selectors import signal_indicators
from inbeeld.intake.services import current_catalogue_version
from inbeeld.reference.models import Indicator, IndicatorCatalogueVersion, IndicatorCategory
from inbeeld.reference.sync import load_indicator_document, sync_indicator_catalogue
from tests.intake.conftest import (
    _submit,
    add_catalogue_version,
    catalogue,
    current_catalogue,
    indicator,
    version_document,
)

pytestmark = pytest.mark.django_db

RELABELLED = ("goes-out-a-lot", "Is vaak 's avonds en 's nachts weg")
REMOVED = "substance-use"
ADDED = (
    "sexual-behaviour",
    "online-contacts-older-men",
    "Heeft online contact met veel oudere mannen",
)
ONLINE = "general-online-recruitment"
ONLINE_ITEMS = {
    "online-contact-unknown-older",
    "approached-via-game",
    "advertisement-on-sex-or-ad-site",
    "online-gifts-money-or-credit",
    "nude-images-demanded-or-blackmail",
    "online-job-offer-too-good",
    "tracked-or-controlled-via-messages",
}
V2_FROM = dt.date(2026, 12, 1)


def _labels(version: int) -> dict[str, str]:
    return dict(
        Indicator.objects.filter(category__catalogue_version__version=version).values_list(
            "code", "label"
        )
    )


def _items(version: int) -> set[tuple]:
    """(category code, form code, item code, label, help text) of every item of ``version``."""
    return set(
        Indicator.objects.filter(category__catalogue_version__version=version).values_list(
            "category__code", "category__form__code", "code", "label", "help_text"
        )
    )


def _file_versions() -> list[int]:
    return [spec["version"] for spec in load_indicator_document()["versions"]]


# --- version 1 -----------------------------------------------------------------------------------------


def test_version_1_is_synced_with_its_11_categories_and_60_items():
    v1 = catalogue(1)
    assert v1.valid_from == dt.date(2026, 1, 1)
    assert v1.categories.count() == 11
    assert Indicator.objects.filter(category__catalogue_version=v1).count() == 60
    forms = Counter(v1.categories.values_list("form__code", flat=True))
    # The general categories (three-cluster model) apply to every form: no form.
    assert forms == {"sexual": 3, "criminal": 3, "labour": 2, None: 3}
    general = v1.categories.filter(form__isnull=True).values_list("code", flat=True)
    assert all(code.startswith("general-") for code in general)


@pytest.mark.parametrize("version", [1, 2])
def test_the_stored_version_matches_the_data_file_item_for_item(version):
    spec = next(v for v in load_indicator_document()["versions"] if v["version"] == version)
    expected = {
        (category["code"], item["code"], item["label"], order)
        for category in spec["categories"]
        for order, item in enumerate(category["items"], start=1)
    }
    stored = set(
        Indicator.objects.filter(category__catalogue_version__version=version).values_list(
            "category__code", "code", "label", "order"
        )
    )
    assert stored == expected
    assert all(category.source for category in catalogue(version).categories.all())


def test_every_category_and_item_has_a_dutch_label_and_help_text():
    assert _file_versions() == [1, 2]
    for item in Indicator.objects.all():
        assert item.label and item.help_text, item.code
    assert catalogue(1).label == "Signalenlijst mensenhandel 2026"
    assert catalogue(2).label == "Signalenlijst mensenhandel 2026, met online werving"


# --- version 2: online recruitment ---------------------------------------------------------------------


def test_version_2_holds_every_item_of_version_1_unchanged_plus_the_online_category():
    v2 = catalogue(2)
    assert v2.valid_from == V2_FROM
    # Same category codes, forms, item codes, labels and help texts: a count by code over both
    # versions adds up like for like (ADR 0005 decision 10).
    v1_items, v2_items = _items(1), _items(2)
    assert v1_items < v2_items
    added = v2_items - v1_items
    assert {(category, form, code) for category, form, code, _, _ in added} == {
        (ONLINE, None, code) for code in ONLINE_ITEMS
    }
    v1_orders = set(catalogue(1).categories.values_list("code", "order"))
    assert v1_orders < set(v2.categories.values_list("code", "order"))
    online = v2.categories.get(code=ONLINE)
    assert online.form is None  # online recruitment occurs for every form
    assert online.label == "Online benaderd of geworven"
    assert online.order == 12 and online.source
    labels = dict(online.items.values_list("code", "label"))
    assert labels["nude-images-demanded-or-blackmail"] == (
        "Moet naaktbeelden sturen of wordt ermee gechanteerd"
    )
    assert labels["approached-via-game"] == "Wordt via een game of gamechat benaderd"
    assert not IndicatorCategory.objects.filter(catalogue_version__version=1, code=ONLINE).exists()


def test_version_2_is_in_force_from_its_valid_from_and_version_1_before():
    assert current_catalogue_version(V2_FROM - dt.timedelta(days=1)) == catalogue(1)
    assert current_catalogue_version(V2_FROM) == catalogue(2)
    if timezone.localdate() >= V2_FROM:  # the running demo and the signal form offer version 2
        assert current_catalogue() == catalogue(2)


def _without_version_2() -> None:
    """The database as it was before version 2 was added to the file (no signal refers to it)."""
    Indicator.objects.filter(category__catalogue_version__version=2).delete()
    IndicatorCategory.objects.filter(catalogue_version__version=2).delete()
    IndicatorCatalogueVersion.objects.filter(version=2).delete()


def test_loading_version_2_leaves_a_signal_on_version_1_with_its_version_1_items():
    _without_version_2()
    old, _ = _submit(
        indicators=[
            indicator("goes-out-a-lot", version=1),
            indicator("lends-bank-card", version=1),
        ],
        catalogue_version=catalogue(1),
    )
    shown_before = signal_indicators(old)

    assert sync_indicator_catalogue() == [2]  # what `migrate` runs (post_migrate)

    old.refresh_from_db()
    assert old.catalogue_version == catalogue(1)
    assert signal_indicators(old) == shown_before
    assert {
        (category.catalogue_version.version, category.code, item.code)
        for category, items in signal_indicators(old)
        for item in items
    } == {(1, "sexual-behaviour", "goes-out-a-lot"), (1, "criminal-contacts", "lends-bank-card")}

    # A new signal (today, version 2 in force) records version 2's items, online ones included.
    new, _ = _submit(
        indicators=[
            indicator("goes-out-a-lot", version=2),
            indicator("approached-via-game", version=2),
        ],
        catalogue_version=current_catalogue_version(V2_FROM),
    )
    assert new.catalogue_version == catalogue(2)
    assert {
        (category.catalogue_version.version, category.code, item.code)
        for category, items in signal_indicators(new)
        for item in items
    } == {(2, "sexual-behaviour", "goes-out-a-lot"), (2, ONLINE, "approached-via-game")}
    # An online item does not exist in version 1: a signal on version 1 cannot record it.
    assert not Indicator.objects.filter(
        category__catalogue_version__version=1, code="approached-via-game"
    ).exists()


def test_the_same_items_of_two_versions_count_as_the_same_content_for_likely_duplicates():
    v1, _ = _submit(
        indicators=[indicator("goes-out-a-lot", version=1)], catalogue_version=catalogue(1)
    )
    v2, _ = _submit(
        indicators=[indicator("goes-out-a-lot", version=2)], catalogue_version=catalogue(2)
    )
    other, _ = _submit(
        indicators=[indicator("approached-via-game", version=2)], catalogue_version=catalogue(2)
    )
    signals = [v1, v2, other]
    selectors.flag_likely_duplicates(signals)
    assert v1.likely_duplicates == [v2.reference]
    assert v2.likely_duplicates == [v1.reference]
    assert other.likely_duplicates == []


# --- versioning ----------------------------------------------------------------------------------------


def test_a_new_version_is_added_beside_the_old_ones_which_stay_as_they_were(submit):
    old_labels = _labels(1)
    newest = max(_file_versions())
    newest_labels = _labels(newest)
    signal, _ = submit(
        indicators=[indicator("goes-out-a-lot", version=1), indicator(REMOVED, version=1)],
        catalogue_version=catalogue(1),
    )
    version = newest + 1

    added = sync_indicator_catalogue(
        version_document(
            version=version,
            valid_from=dt.date(2026, 6, 1),
            relabel=RELABELLED,
            remove=REMOVED,
            add=ADDED,
        )
    )

    assert added == [version]
    stored = set(IndicatorCatalogueVersion.objects.values_list("version", flat=True))
    assert stored == {*_file_versions(), version}
    assert _labels(1) == old_labels  # version 1 untouched
    assert _labels(newest) == newest_labels  # and so is the newest of the file
    new_labels = _labels(version)
    assert new_labels[RELABELLED[0]] == RELABELLED[1]
    assert REMOVED not in new_labels
    assert new_labels[ADDED[1]] == ADDED[2]
    assert len(new_labels) == len(newest_labels)  # one removed, one added
    categories = IndicatorCategory.objects.filter(catalogue_version__version=version).count()
    assert categories == catalogue(newest).categories.count()

    # The signal still shows its version-1 items with their old labels.
    shown = {
        item.code: (category.catalogue_version.version, item.label)
        for category, items in signal_indicators(signal)
        for item in items
    }
    assert shown == {
        "goes-out-a-lot": (1, old_labels["goes-out-a-lot"]),
        REMOVED: (1, old_labels[REMOVED]),
    }
    assert old_labels["goes-out-a-lot"] != RELABELLED[1]


def test_a_stored_version_is_frozen_a_changed_label_in_the_file_changes_nothing():
    before = _labels(1)
    doc = load_indicator_document()
    doc["versions"][0]["categories"][0]["items"][0]["label"] = "Gewijzigd label"
    doc["versions"][0]["label"] = "Andere naam"
    doc["versions"][0]["categories"][0]["items"].pop()
    assert sync_indicator_catalogue(doc) == []
    assert _labels(1) == before
    assert catalogue(1).label == "Signalenlijst mensenhandel 2026"


def test_running_the_sync_again_adds_nothing_twice():
    version = add_catalogue_version(relabel=RELABELLED)
    doc = version_document(
        version=version, valid_from=dt.date(2026, 1, 1), relabel=("self-harm", "X")
    )
    assert sync_indicator_catalogue(doc) == []
    assert sync_indicator_catalogue() == []
    assert IndicatorCatalogueVersion.objects.count() == len(_file_versions()) + 1
    assert _labels(version)["self-harm"] != "X"


# --- the version in force ------------------------------------------------------------------------------


def test_the_current_version_is_the_newest_whose_valid_from_is_not_in_the_future():
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    in_force_yesterday = current_catalogue_version(yesterday)
    assert current_catalogue_version() == current_catalogue_version(today)
    first = add_catalogue_version(valid_from=today)
    later = add_catalogue_version(valid_from=today + dt.timedelta(days=1))
    assert current_catalogue_version() == catalogue(first)
    assert current_catalogue_version(today + dt.timedelta(days=1)) == catalogue(later)
    assert current_catalogue_version(yesterday) == in_force_yesterday


def test_before_any_version_is_in_force_the_oldest_is_used():
    assert current_catalogue_version(dt.date(2025, 6, 1)) == catalogue(1)


def test_a_signal_submitted_without_a_version_is_recorded_under_the_current_one(submit):
    version = add_catalogue_version(valid_from=timezone.localdate() - dt.timedelta(days=1))
    signal, _ = submit(indicators=[indicator("goes-out-a-lot", version=version)])
    assert signal.catalogue_version == catalogue(version)


# --- the pages with two versions -----------------------------------------------------------------------


def test_the_signal_form_offers_the_version_in_force_today_with_the_online_category(client):
    page = html.unescape(client.get("/melden/").content.decode())
    current = current_catalogue()
    assert current.label in page
    items = Indicator.objects.filter(category__catalogue_version=current)
    assert page.count('name="indicators"') == items.count()
    for item in items:
        assert f'name="indicators" value="{item.pk}"' in page
    if current == catalogue(2):
        assert "Online benaderd of geworven" in page
        assert "Wordt via een game of gamechat benaderd" in page
        assert all(
            f'name="indicators" value="{i.pk}"' not in page
            for i in Indicator.objects.filter(category__catalogue_version__version=1)
        )


def test_the_coordinator_sees_each_signal_with_the_items_of_its_own_version(login, coordinator):
    old, _ = _submit(
        indicators=[indicator("lends-bank-card", version=1)], catalogue_version=catalogue(1)
    )
    new, _ = _submit(
        indicators=[indicator("online-job-offer-too-good", version=2)],
        catalogue_version=catalogue(2),
    )
    client = login(coordinator)
    old_page = html.unescape(client.get(f"/signalen/{old.reference}/").content.decode())
    new_page = html.unescape(client.get(f"/signalen/{new.reference}/").content.decode())
    assert str(catalogue(1)) in old_page and "Leent de eigen bankpas uit" in old_page
    assert "Online benaderd of geworven" not in old_page
    assert str(catalogue(2)) in new_page and "Online benaderd of geworven" in new_page
    assert "Kreeg online werk of een bijbaan aangeboden met te mooie voorwaarden" in new_page

"""The indicator catalogue (signalenlijst) as versioned reference data: version 1 from
reference/data/indicators.json is in every database; a new version is added beside it, a stored
version is frozen, and a signal keeps the items (and labels) of the version it was recorded
under."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from inbeeld.intake.selectors import signal_indicators
from inbeeld.intake.services import current_catalogue_version
from inbeeld.reference.models import Indicator, IndicatorCatalogueVersion, IndicatorCategory
from inbeeld.reference.sync import load_indicator_document, sync_indicator_catalogue
from tests.intake.conftest import add_catalogue_version, catalogue, indicator, version_document

pytestmark = pytest.mark.django_db

RELABELLED = ("goes-out-a-lot", "Is vaak 's avonds en 's nachts weg")
REMOVED = "substance-use"
ADDED = (
    "sexual-behaviour",
    "online-contacts-older-men",
    "Heeft online contact met veel oudere mannen",
)


def _labels(version: int) -> dict[str, str]:
    return dict(
        Indicator.objects.filter(category__catalogue_version__version=version).values_list(
            "code", "label"
        )
    )


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


def test_the_stored_version_matches_the_data_file_item_for_item():
    spec = next(v for v in load_indicator_document()["versions"] if v["version"] == 1)
    expected = {
        (category["code"], item["code"], item["label"], order)
        for category in spec["categories"]
        for order, item in enumerate(category["items"], start=1)
    }
    stored = set(
        Indicator.objects.filter(category__catalogue_version__version=1).values_list(
            "category__code", "code", "label", "order"
        )
    )
    assert stored == expected
    assert all(category.source for category in catalogue(1).categories.all())


def test_every_category_and_item_has_a_dutch_label_and_help_text():
    for item in Indicator.objects.filter(category__catalogue_version__version=1):
        assert item.label and item.help_text, item.code
    assert catalogue(1).label == "Signalenlijst mensenhandel 2026"


# --- versioning ----------------------------------------------------------------------------------------


def test_a_new_version_is_added_beside_the_old_one_which_stays_as_it_was(submit):
    old_labels = _labels(1)
    signal, _ = submit(
        indicators=[indicator("goes-out-a-lot"), indicator(REMOVED)],
        catalogue_version=catalogue(1),
    )

    added = sync_indicator_catalogue(
        version_document(
            version=2, valid_from=dt.date(2026, 6, 1), relabel=RELABELLED, remove=REMOVED, add=ADDED
        )
    )

    assert added == [2]
    assert set(IndicatorCatalogueVersion.objects.values_list("version", flat=True)) == {1, 2}
    assert _labels(1) == old_labels  # version 1 untouched
    new_labels = _labels(2)
    assert new_labels[RELABELLED[0]] == RELABELLED[1]
    assert REMOVED not in new_labels
    assert new_labels[ADDED[1]] == ADDED[2]
    assert len(new_labels) == 60  # one removed, one added
    assert IndicatorCategory.objects.filter(catalogue_version__version=2).count() == 11

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
    add_catalogue_version(2, relabel=RELABELLED)
    doc = version_document(version=2, valid_from=dt.date(2026, 1, 1), relabel=("self-harm", "X"))
    assert sync_indicator_catalogue(doc) == []
    assert sync_indicator_catalogue() == []
    assert IndicatorCatalogueVersion.objects.count() == 2
    assert _labels(2)["self-harm"] != "X"


# --- the version in force ------------------------------------------------------------------------------


def test_the_current_version_is_the_newest_whose_valid_from_is_not_in_the_future():
    today = timezone.localdate()
    assert current_catalogue_version() == catalogue(1)
    add_catalogue_version(2, valid_from=today)
    add_catalogue_version(3, valid_from=today + dt.timedelta(days=1))
    assert current_catalogue_version() == catalogue(2)
    assert current_catalogue_version(today + dt.timedelta(days=1)) == catalogue(3)
    assert current_catalogue_version(today - dt.timedelta(days=1)) == catalogue(1)


def test_before_any_version_is_in_force_the_oldest_is_used():
    assert current_catalogue_version(dt.date(2025, 6, 1)) == catalogue(1)


def test_a_signal_submitted_without_a_version_is_recorded_under_the_current_one(submit):
    add_catalogue_version(2, valid_from=timezone.localdate() - dt.timedelta(days=1))
    signal, _ = submit(indicators=[indicator("goes-out-a-lot", version=2)])
    assert signal.catalogue_version == catalogue(2)

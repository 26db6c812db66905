"""Load the reference data from reference/data/reference.json, idempotently.

Runs after every `migrate` (and after a test database flush), so every database, including each
test database, holds the same reference rows. Rows are matched on their code: a changed label is
updated in place, existing codes are never removed (history refers to them).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.db import transaction

DATA_FILE = Path(__file__).with_name("data") / "reference.json"
INDICATORS_FILE = Path(__file__).with_name("data") / "indicators.json"


def load_reference_document() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def sync_reference_data() -> None:
    from inbeeld.reference.models import (
        ChainEventOutcome,
        ChainEventType,
        Court,
        CourtOfAppeal,
        ExploitationForm,
        OMDistrict,
        PoliceUnit,
    )

    doc = load_reference_document()
    appeal = {}
    for row in doc["courts_of_appeal"]:
        appeal[row["code"]], _ = CourtOfAppeal.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"]}
        )
    courts = {}
    for row in doc["courts"]:
        courts[row["code"]], _ = Court.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "court_of_appeal": appeal[row["court_of_appeal"]]},
        )
    districts = {}
    for row in doc["om_districts"]:
        district, _ = OMDistrict.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "kind": row["kind"]}
        )
        district.courts.set([courts[code] for code in row["courts"]])
        districts[row["code"]] = district
    for row in doc["police_units"]:
        PoliceUnit.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "order": row["order"],
                "om_district": districts.get(row["om_district"]) if row["om_district"] else None,
            },
        )
    for row in doc["exploitation_forms"]:
        ExploitationForm.objects.update_or_create(
            code=row["code"], defaults={"label": row["label"], "order": row["order"]}
        )
    for row in doc["chain_event_types"]:
        event_type, _ = ChainEventType.objects.update_or_create(
            code=row["code"],
            defaults={
                "label": row["label"],
                "description": row["description"],
                "order": row["order"],
                "outcome_required": row["outcome_required"],
            },
        )
        for order, outcome in enumerate(row["outcomes"], start=1):
            ChainEventOutcome.objects.update_or_create(
                event_type=event_type,
                code=outcome["code"],
                defaults={"label": outcome["label"], "order": order},
            )


def load_indicator_document() -> dict:
    return json.loads(INDICATORS_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def sync_indicator_catalogue(doc: dict | None = None) -> list[int]:
    """Add the catalogue versions of ``doc`` (default: data/indicators.json) that are not stored
    yet; returns the versions added. A stored version is frozen: it is never updated, so what an
    old signal recorded keeps its meaning. A change to the list is a new version in the file."""
    from inbeeld.reference.models import (
        ExploitationForm,
        Indicator,
        IndicatorCatalogueVersion,
        IndicatorCategory,
    )

    doc = doc if doc is not None else load_indicator_document()
    forms = {f.code: f for f in ExploitationForm.objects.all()}
    stored = set(IndicatorCatalogueVersion.objects.values_list("version", flat=True))
    added = []
    for spec in doc["versions"]:
        if spec["version"] in stored:
            continue
        version = IndicatorCatalogueVersion.objects.create(
            version=spec["version"],
            label=spec["label"],
            valid_from=dt.date.fromisoformat(spec["valid_from"]),
            notes=spec.get("notes", ""),
        )
        for category_spec in spec["categories"]:
            category = IndicatorCategory.objects.create(
                catalogue_version=version,
                code=category_spec["code"],
                form=forms[category_spec["form"]] if category_spec["form"] else None,
                label=category_spec["label"],
                source=category_spec["source"],
                source_url=category_spec.get("source_url", ""),
                order=category_spec["order"],
            )
            Indicator.objects.bulk_create(
                Indicator(
                    category=category,
                    code=item["code"],
                    label=item["label"],
                    help_text=item.get("help_text", ""),
                    order=order,
                )
                for order, item in enumerate(category_spec["items"], start=1)
            )
        added.append(version.version)
    return added


def sync_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    from inbeeld.reference.models import ChainEventType, IndicatorCatalogueVersion

    # Only once the reference tables exist (a partial `migrate app 0001` may precede them).
    if ChainEventType._meta.db_table not in connections[using].introspection.table_names():
        return
    sync_reference_data()
    if IndicatorCatalogueVersion._meta.db_table in connections[using].introspection.table_names():
        sync_indicator_catalogue()

"""Load the reference data from reference/data/reference.json, idempotently.

Runs after every `migrate` (and after a test database flush), so every database, including each
test database, holds the same reference rows. Rows are matched on their code: a changed label is
updated in place, existing codes are never removed (history refers to them).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

DATA_FILE = Path(__file__).with_name("data") / "reference.json"


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


def sync_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    from inbeeld.reference.models import ChainEventType

    # Only once the reference tables exist (a partial `migrate app 0001` may precede them).
    if ChainEventType._meta.db_table not in connections[using].introspection.table_names():
        return
    sync_reference_data()

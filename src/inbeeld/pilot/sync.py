"""Load the pilot design from pilot/data/pilot.json, idempotently, after every migrate.

Phases, interventions, fidelity items and instruments are upserted by code. Seeded deployments are
created once (by their seed key) and then belong to the researchers who edit them: a later sync
never overwrites an edited deployment.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.db import transaction

DATA_FILE = Path(__file__).with_name("data") / "pilot.json"


def load_pilot_document() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def sync_pilot_design() -> None:
    from inbeeld.crypto import encrypt_text
    from inbeeld.pilot.models import Deployment, FidelityItem, Instrument, Intervention, Phase
    from inbeeld.reference.models import PoliceUnit

    doc = load_pilot_document()
    phases = {}
    for row in doc["phases"]:
        phases[row["code"]], _ = Phase.objects.update_or_create(
            code=row["code"],
            defaults={
                "label": row["label"],
                "start": dt.date.fromisoformat(row["start"]),
                "end": dt.date.fromisoformat(row["end"]),
                "target_victims": row["target_victims"],
                "description": row["description"],
            },
        )
    interventions = {}
    for order, row in enumerate(doc["interventions"], start=1):
        primary = row.get("primary", {})
        values = {
            "label": row["label"],
            "description": row["description"],
            "chain_stage": row["chain_stage"],
            "partner_type": row["partner_type"],
            # the pilot's stated aim, 10 percentage points, unless the design says otherwise
            "min_important_difference": float(
                primary.get("min_important_difference", row.get("min_important_difference", 0.10))
            ),
            # the pre-specified primary analysis (stats.primary); the model's defaults otherwise
            **_primary_values(primary),
            "order": order,
        }
        _check_design(row["code"], values)
        intervention, _ = Intervention.objects.update_or_create(code=row["code"], defaults=values)
        for item_order, (code, label) in enumerate(row["fidelity"], start=1):
            FidelityItem.objects.update_or_create(
                intervention=intervention,
                code=code,
                defaults={"label": label, "order": item_order},
            )
        interventions[row["code"]] = intervention
    units = {u.code: u for u in PoliceUnit.objects.all()}
    for row in doc["deployments"]:
        if Deployment.objects.filter(seed_key=row["key"]).exists():
            continue
        deployment = Deployment.objects.create(
            seed_key=row["key"],
            intervention=interventions[row["intervention"]],
            phase=phases[row["phase"]],
            start=dt.date.fromisoformat(row["start"]),
            end=dt.date.fromisoformat(row["end"]) if row["end"] else None,
            partners=row["partners"],
            regions_assumed=row["assumed"],
            note_ciphertext=encrypt_text(row["note"]),
        )
        deployment.police_units.set([units[code] for code in row["units"]])
    for row in doc["instruments"]:
        Instrument.objects.update_or_create(
            code=row["code"],
            version=row["version"],
            defaults={"label": row["label"], "items": row["items"]},
        )


def _primary_values(primary: dict) -> dict:
    names = {"outcome": "primary_outcome", "comparison": "primary_comparison"}
    values = {names[key]: str(primary[key]) for key in names if key in primary}
    if "horizon_days" in primary:
        values["primary_horizon_days"] = int(primary["horizon_days"])
    return values


def _check_design(code: str, values: dict) -> None:
    """Refuse a pilot.json whose design the admin would refuse (the same model validation), with
    the intervention's code in the message."""
    from django.core.exceptions import ValidationError

    from inbeeld.pilot.models import Intervention

    candidate = Intervention(code=code, **values)
    try:
        candidate.clean_fields(exclude=["code", "description"])
        candidate.clean()
    except ValidationError as exc:
        raise ValueError(f"pilot.json, intervention {code!r}: {exc.messages}") from exc


def sync_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    from inbeeld.pilot.models import Deployment

    if Deployment._meta.db_table not in connections[using].introspection.table_names():
        return
    sync_pilot_design()

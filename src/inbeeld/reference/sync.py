"""Load the reference data from reference/data/reference.json: the file seeds, the database rules.

Runs after every `migrate` (and after a test database flush), so every database, including each
test database, holds the reference rows. Rows are matched on their code. A code the database does
not hold yet is added with the file's values; a row that exists is never changed, not even its
label: after the first load the database is the source of truth (ADR 0003). An administrator
changes reference data in the admin, where every change is audited and one that widens someone's
scope (a police unit's OM district decides which cases a prosecutor sees) waits for a second
person; `migrate` never silently reverts it. `inbeeld reference diff` lists where the database and
the file differ, so a new value in the file is adopted in the admin, on purpose. Codes are never
removed (history refers to them).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

DATA_FILE = Path(__file__).with_name("data") / "reference.json"
INDICATORS_FILE = Path(__file__).with_name("data") / "indicators.json"


def load_reference_document() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Difference:
    """One value where the database differs from reference.json (the database wins)."""

    model: str
    code: str
    field: str
    database: object
    file: object


def _rows(doc: dict):
    """(model, code, values, lookup) for every row of the document, parents first; a value is a
    plain value, ``(Model, code)`` for a foreign key, or ``[(Model, code), ...]`` for courts."""
    from inbeeld.reference.models import (
        ChainEventOutcome,
        ChainEventType,
        Court,
        CourtOfAppeal,
        ExploitationForm,
        ModusOperandiValue,
        OMDistrict,
        PoliceUnit,
    )

    for row in doc["courts_of_appeal"]:
        yield CourtOfAppeal, row["code"], {"name": row["name"]}, {}
    for row in doc["courts"]:
        values = {"name": row["name"], "court_of_appeal": (CourtOfAppeal, row["court_of_appeal"])}
        yield Court, row["code"], values, {}
    for row in doc["om_districts"]:
        values = {
            "name": row["name"],
            "kind": row["kind"],
            "courts": [(Court, code) for code in row["courts"]],
        }
        yield OMDistrict, row["code"], values, {}
    for row in doc["police_units"]:
        values = {
            "name": row["name"],
            "kind": row["kind"],
            "order": row["order"],
            "om_district": (OMDistrict, row["om_district"]) if row["om_district"] else None,
        }
        yield PoliceUnit, row["code"], values, {}
    for row in doc["exploitation_forms"]:
        yield ExploitationForm, row["code"], {"label": row["label"], "order": row["order"]}, {}
    for row in doc.get("modus_operandi", []):
        values = {"label": row["label"], "order": row["order"]}
        yield ModusOperandiValue, row["code"], values, {"dimension": row["dimension"]}
    for row in doc["chain_event_types"]:
        values = {
            "label": row["label"],
            "description": row["description"],
            "order": row["order"],
            "outcome_required": row["outcome_required"],
        }
        yield ChainEventType, row["code"], values, {}
        for order, outcome in enumerate(row["outcomes"], start=1):
            lookup = {"event_type": (ChainEventType, row["code"])}
            values = {"label": outcome["label"], "order": order}
            yield ChainEventOutcome, outcome["code"], values, lookup


def _resolve(value):
    if isinstance(value, tuple):
        model, code = value
        return model.objects.get(code=code)
    return value


def _find(model, code: str, lookup: dict):
    return model.objects.filter(code=code, **{k: _resolve(v) for k, v in lookup.items()}).first()


@transaction.atomic
def sync_reference_data() -> list[str]:
    """Add the codes of reference.json the database does not hold yet; change nothing that
    exists. Returns the rows added as ``model:code``."""
    added = []
    for model, code, values, lookup in _rows(load_reference_document()):
        if _find(model, code, lookup) is not None:
            continue
        plain = {k: _resolve(v) for k, v in values.items() if not isinstance(v, list)}
        obj = model.objects.create(
            code=code, **{k: _resolve(v) for k, v in lookup.items()}, **plain
        )
        for name, items in values.items():
            if isinstance(items, list):
                getattr(obj, name).set([_resolve(item) for item in items])
        added.append(f"{model._meta.model_name}:{code}")
    return added


def _shown(value) -> object:
    if isinstance(value, tuple):
        return value[1]
    if isinstance(value, list):
        return sorted(_shown(v) for v in value)
    return value


def _stored(obj, name: str) -> object:
    value = getattr(obj, name)
    if hasattr(value, "all"):  # many-to-many
        return sorted(value.values_list("code", flat=True))
    return getattr(value, "code", value)


def reference_differences() -> list[Difference]:
    """Every value where the database differs from reference.json, and every code of the file
    the database does not hold (field ``"(ontbreekt)"``). Nothing is changed."""
    found = []
    for model, code, values, lookup in _rows(load_reference_document()):
        label = model._meta.model_name
        try:
            obj = _find(model, code, lookup)
        except model.DoesNotExist:  # its parent is missing: reported for the parent
            obj = None
        if obj is None:
            found.append(Difference(label, code, "(ontbreekt)", None, code))
            continue
        for name, value in values.items():
            stored, wanted = _stored(obj, name), _shown(value)
            if stored != wanted:
                found.append(Difference(label, code, name, stored, wanted))
    return found


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

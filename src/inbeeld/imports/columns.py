"""The two import templates: their Dutch columns, the aliases a partner's file may use, and the
Dutch values of the coded columns.

The same idea as the CTDC alias table (publication/ctdc/fields.py), generalised to a template:
one explicit table per template, header names matched trimmed and in any letter case, with
``_``, ``-`` and spaces treated alike; an unknown column is reported, never silently used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from inbeeld.cases.models import AgeBand, DatePrecision, Gender, NationalityGroup
from inbeeld.intake.models import SignallerType, Urgency


@dataclass(frozen=True)
class Column:
    name: str  # the Dutch header in the template
    help: str  # Dutch, for docs/import.md and the import page
    required: bool = False
    aliases: tuple[str, ...] = ()
    # Dutch value → stored code; empty: free text or a reference code checked later.
    values: dict[str, str] = field(default_factory=dict)
    max_length: int = 200
    # "date" | "multi" (codes separated by a comma) | "" (text)
    shape: str = ""


def _values(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Dutch label (lower case) and the code itself → code."""
    mapping = {str(label).lower(): value for value, label in choices}
    mapping.update({value: value for value, _label in choices})
    mapping.update(extra or {})
    return mapping


YES_NO = {"ja": "ja", "nee": "nee", "j": "ja", "n": "nee", "1": "ja", "0": "nee"}

CASE_COLUMNS: tuple[Column, ...] = (
    Column(
        "dossiernummer",
        _("Uw eigen nummer van de casus (uniek binnen uw organisatie)."),
        required=True,
        aliases=("casusnummer", "dossier", "zaaknummer"),
        max_length=100,
    ),
    Column(
        "eenheid",
        _("Code van de politie-eenheid, bijvoorbeeld amsterdam of noord-holland."),
        required=True,
        aliases=("politie-eenheid", "politie_eenheid"),
        max_length=40,
    ),
    Column(
        "uitbuitingsvormen",
        _("Een of meer codes van uitbuitingsvormen, gescheiden door een komma."),
        required=True,
        aliases=("uitbuitingsvorm",),
        shape="multi",
    ),
    Column(
        "minderjarig",
        _("ja of nee: minderjarig bij instroom."),
        required=True,
        aliases=("minderjarig_bij_instroom",),
        values=YES_NO,
    ),
    Column(
        "leeftijdscategorie",
        _("Bijvoorbeeld 16-17, 18-22 of onbekend."),
        required=True,
        aliases=("leeftijd",),
        values=_values(AgeBand.choices),
    ),
    Column(
        "geslacht",
        _("vrouw, man, anders of onbekend."),
        required=True,
        aliases=("gender",),
        values=_values(Gender.choices),
    ),
    Column(
        "nationaliteit",
        _("nederlands, eu, buiten de eu of onbekend."),
        required=True,
        values=_values(
            NationalityGroup.choices,
            {"eu": "eu", "buiten_eu": "non_eu", "buiten eu": "non_eu", "nederland": "nl"},
        ),
    ),
    Column(
        "datum_instroom",
        _("Datum als 2024-03-31 of 31-03-2024; niet in de toekomst."),
        required=True,
        aliases=("instroomdatum",),
        shape="date",
    ),
    Column(
        "gebeurtenisnummer",
        _(
            "Uw eigen nummer van de gebeurtenis (uniek binnen het dossier); leeg: een casus zonder gebeurtenissen."
        ),
        aliases=("gebeurtenis_nummer", "gebeurtenis_id"),
        max_length=100,
    ),
    Column(
        "gebeurtenis",
        _("Soort gebeurtenis: de code of de omschrijving uit de lijst."),
        aliases=("soort_gebeurtenis",),
        max_length=100,
    ),
    Column(
        "gebeurtenisdatum",
        _("Datum van de gebeurtenis; niet in de toekomst."),
        aliases=("datum_gebeurtenis",),
        shape="date",
    ),
    Column(
        "datumprecisie",
        _("dag, maand of jaar (leeg: dag)."),
        aliases=("precisie",),
        values=_values(DatePrecision.choices),
    ),
    Column(
        "uitkomst",
        _("Uitkomst of reden: de code of de omschrijving die bij de gebeurtenis hoort."),
        aliases=("reden",),
        max_length=150,
    ),
    Column(
        "notitie",
        _("Vrije tekst (versleuteld opgeslagen, alleen voor uw beroepsgroep zichtbaar)."),
        aliases=("toelichting",),
        max_length=5000,
    ),
)

CASE_FIELDS = (
    "eenheid",
    "uitbuitingsvormen",
    "minderjarig",
    "leeftijdscategorie",
    "geslacht",
    "nationaliteit",
    "datum_instroom",
)
EVENT_FIELDS = ("gebeurtenis", "gebeurtenisdatum", "datumprecisie", "uitkomst", "notitie")

SIGNAL_COLUMNS: tuple[Column, ...] = (
    Column(
        "meldingsnummer",
        _("Uw eigen nummer van het signaal (uniek binnen uw organisatie)."),
        required=True,
        aliases=("signaalnummer",),
        max_length=100,
    ),
    Column(
        "soort_signaalgever",
        _("school, sportvereniging, zorgorganisatie, wijkteam, anders of privépersoon."),
        required=True,
        aliases=("signaalgever",),
        values=_values(SignallerType.choices),
    ),
    Column(
        "eenheid",
        _("Code van de politie-eenheid waar het signaal heen gaat."),
        required=True,
        max_length=40,
    ),
    Column(
        "signalen",
        _("Codes van de signalen uit de huidige signalenlijst, gescheiden door een komma."),
        aliases=("indicatoren",),
        shape="multi",
    ),
    Column(
        "leeftijdscategorie",
        _("Bijvoorbeeld 16-17, 18-22 of onbekend."),
        required=True,
        values=_values(AgeBand.choices),
    ),
    Column(
        "geslacht",
        _("vrouw, man, anders of onbekend."),
        required=True,
        aliases=("gender",),
        values=_values(Gender.choices),
    ),
    Column(
        "urgentie",
        _("acuut of normaal."),
        required=True,
        values=_values(Urgency.choices, {"acuut": "acute", "normaal": "normal"}),
    ),
    Column("gemeente", _("Gemeente (mag leeg)."), max_length=100),
    Column(
        "omschrijving",
        _("Wat opviel, in eigen woorden (versleuteld opgeslagen)."),
        max_length=5000,
    ),
)

TEMPLATES: dict[str, tuple[Column, ...]] = {"cases": CASE_COLUMNS, "signals": SIGNAL_COLUMNS}
ID_COLUMN = {"cases": "dossiernummer", "signals": "meldingsnummer"}
# The two columns the report file adds to the input.
RESULT_COLUMN, MESSAGE_COLUMN = "resultaat", "melding"


def normalise_header(name: str) -> str:
    return re.sub(r"[\s_\-]+", "_", str(name or "").strip().lower()).strip("_")


def header_map(kind: str) -> dict[str, str]:
    """Normalised header or alias → the template's column name."""
    mapping: dict[str, str] = {}
    for column in TEMPLATES[kind]:
        for name in (column.name, *column.aliases):
            mapping[normalise_header(name)] = column.name
    return mapping


def column(kind: str, name: str) -> Column:
    return next(c for c in TEMPLATES[kind] if c.name == name)

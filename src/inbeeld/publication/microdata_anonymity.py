"""Disclosure control of researcher microdata: which columns are quasi-identifiers, how each is
generalised, and the Dutch codebook lines that say what was done (the algorithm itself is the
pure inbeeld.stats.anonymity).

Quasi-identifiers (what someone who knows a victim may know): intake year, police unit, age band,
minor at intake, gender, nationality group and the exploitation-form flags. Sensitive attribute
for l-diversity: the prosecution decision (blank = none yet counts as a value). The other year
columns (first police contact, complaint, decision, verdict) follow the intake year: the same
periods, blank where it is blank.

Generalisation ladders (the last level of each is "niet vrijgegeven", the whole column blank):

* intake year → two-year period → five-year period (calendar-aligned: 2020-2021, 2020-2024);
* police unit → court-of-appeal district (ressort, from the reference data: unit → OM district →
  court → court of appeal; national services → "landelijk");
* age band → 0-17 / 18-29 / 30+ → 0-17 / 18+;
* nationality group → Nederlands / niet Nederlands;
* gender, minor, every form flag: the value, or blank.

The weights say how much a column is worth to research (the generalisation step with the most
rows brought into line per weighted bit of information lost is taken first): the intake year most,
then forms, gender and age, then unit and nationality; "minor" least (it follows from the age).

The CTDC/HTCDS file is controlled on its own columns (year band, gender, majority status, the
three form flags, region of origin), since it is a different table.
"""

from __future__ import annotations

import polars as pl

from inbeeld.publication import services
from inbeeld.stats.anonymity import Hierarchy, Release, anonymise, year_period

# The share of rows that local suppression may handle before a whole column is coarsened further.
MAX_SUPPRESSED_SHARE = 0.02
SENSITIVE = "vervolgingsbeslissing"
NATIONAL = "landelijk"
OTHER_YEARS = (
    "jaar_eerste_politiecontact",
    "jaar_aangifte",
    "jaar_vervolgingsbeslissing",
    "jaar_vonnis",
)
AGE_BROAD = {
    "0-11": "0-17",
    "12-15": "0-17",
    "16-17": "0-17",
    "18-22": "18-29",
    "23-29": "18-29",
    "30-49": "30+",
    "50+": "30+",
}
AGE_ADULT = {"0-17": "0-17", "18-29": "18+", "30+": "18+"}
NATIONALITY_BROAD = {"eu": "niet-nl", "non_eu": "niet-nl"}

# The extra codes of generalised values (numeric code for .sav, Dutch label), see exports.
AGE_GROUP_CODES = (
    ("0-17", 11, "0–17 jaar"),
    ("18-29", 12, "18–29 jaar"),
    ("30+", 13, "30 jaar of ouder"),
    ("18+", 14, "18 jaar of ouder"),
)
NATIONALITY_GROUP_CODES = (("niet-nl", 5, "niet Nederlands (EU of buiten de EU)"),)
NATIONAL_CODE = (NATIONAL, 29, "landelijke diensten (geen ressort)")


def region_codes() -> tuple[tuple[str, int, str], ...]:
    """The court-of-appeal districts as generalised unit values: ("hof-<code>", 21.., label)."""
    from inbeeld.reference.models import CourtOfAppeal

    rows = CourtOfAppeal.objects.order_by("code").values_list("code", "name")
    codes = tuple(
        (f"hof-{code}", 21 + i, f"ressort {name}") for i, (code, name) in enumerate(rows) if i < 8
    )
    return (*codes, NATIONAL_CODE)


def unit_regions() -> dict[str, str]:
    """Police unit code → its court-of-appeal district ("hof-<code>"), or "landelijk" for a unit
    without a district court (the national services)."""
    from inbeeld.reference.models import PoliceUnit

    regions = {}
    units = PoliceUnit.objects.prefetch_related("om_district__courts__court_of_appeal")
    for unit in units:
        courts = list(unit.om_district.courts.all()) if unit.om_district else []
        appeal = next((c.court_of_appeal for c in courts if c.court_of_appeal_id), None)
        regions[unit.code] = f"hof-{appeal.code}" if appeal else NATIONAL
    return regions


def microdata_hierarchies(columns) -> list[Hierarchy]:
    forms = [c for c in columns if c.startswith("vorm_")]
    return [
        Hierarchy(
            "jaar_instroom",
            (year_period(2), year_period(5)),
            ("jaar", "periode van 2 jaar", "periode van 5 jaar", "niet vrijgegeven"),
            linked=tuple(c for c in OTHER_YEARS if c in columns),
            weight=3,
        ),
        Hierarchy(
            "eenheid",
            (unit_regions(),),
            ("politie-eenheid", "ressort (gerechtshof)", "niet vrijgegeven"),
            weight=1,
        ),
        Hierarchy(
            "leeftijd",
            (AGE_BROAD, {**AGE_BROAD, **AGE_ADULT}),
            ("leeftijdscategorie", "0–17 / 18–29 / 30+", "0–17 / 18+", "niet vrijgegeven"),
            weight=2,
        ),
        Hierarchy("minderjarig", (), ("ja/nee", "niet vrijgegeven"), weight=0.5),
        Hierarchy("gender", (), ("gender", "niet vrijgegeven"), weight=2),
        Hierarchy(
            "nationaliteit",
            (NATIONALITY_BROAD,),
            ("nationaliteitsgroep", "Nederlands / niet Nederlands", "niet vrijgegeven"),
            weight=1,
        ),
        *(Hierarchy(c, (), ("ja/nee", "niet vrijgegeven"), weight=2) for c in forms),
    ]


def release_microdata(df: pl.DataFrame) -> Release:
    """The microdata frame made k-anonymous and l-diverse with the administrator's k and l."""
    k, l_required = services.microdata_policy_current()
    return anonymise(
        df,
        microdata_hierarchies(df.columns),
        k=k,
        l=l_required,
        sensitive=SENSITIVE,
        max_suppressed_share=MAX_SUPPRESSED_SHARE,
    )


CTDC_QUASI_IDENTIFIERS = (
    ("yearRegister", "jaarklasse"),
    ("gender", "gender"),
    ("majorityStatus", "meerderjarig/minderjarig"),
    ("isForcedLabour", "ja/leeg"),
    ("isSexualExploit", "ja/leeg"),
    ("isOtherExploit", "ja/leeg"),
    ("UN_COO_Region", "VN-regio van herkomst"),
    # The perpetrators' attributes (issue 17): a parent as perpetrator narrows a victim down.
    ("IP_Relation", "relatie tot dader"),
    ("IP_Gender", "gender dader"),
)


def release_ctdc(ctdc: pl.DataFrame) -> Release:
    """The CTDC frame made k-anonymous with the administrator's k (it has no outcome column, so
    no l-diversity)."""
    k, _l = services.microdata_policy_current()
    hierarchies = [
        Hierarchy(column, (), (label, "niet vrijgegeven"), weight=2 if column == "gender" else 1)
        for column, label in CTDC_QUASI_IDENTIFIERS
        if column in ctdc.columns
    ]
    return anonymise(ctdc, hierarchies, k=k, max_suppressed_share=MAX_SUPPRESSED_SHARE)


def _share(value: float) -> str:
    return f"{value * 100:.0f} %".replace(".", ",")


def codebook_lines(release: Release) -> list[str]:
    """What the disclosure control did, in Dutch, for the codebook and the page."""
    lines = [
        f"Onthullingscontrole: k-anonimiteit met k = {release.k}"
        + (
            f" en l-diversiteit met l = {release.l} op '{release.sensitive}'"
            if release.sensitive and release.l > 1
            else ""
        )
        + ".",
        "Quasi-identificerend (samen herkenbaar): " + ", ".join(release.quasi_identifiers) + ".",
        "Bereikt: elke combinatie van deze kenmerken komt ten minste "
        + (f"{release.k_achieved} keer voor" if release.k_achieved else "— keer voor (leeg)")
        + (
            f"; elke groep heeft ten minste {release.l_achieved} verschillende waarden van "
            f"'{release.sensitive}'"
            if release.l_achieved is not None and release.l > 1
            else ""
        )
        + ".",
        f"Vóór de controle was {_share(release.unique_share_before)} van de rijen uniek op deze "
        "kenmerken.",
    ]
    for column in release.columns:
        text = f"{column.column}: {column.level_label}"
        if column.suppressed_cells:
            text += f"; {column.suppressed_cells} cellen leeggemaakt (lokale onderdrukking)"
        lines.append(text + ".")
    lines.append(
        f"Rijen: {release.rows_in} in de bron, {release.rows_out} vrijgegeven, "
        f"{release.records_suppressed} geheel weggelaten; {release.cells_suppressed} cellen "
        "leeggemaakt."
    )
    lines.append(
        "Een lege cel in een quasi-identificerende kolom betekent: niet vrijgegeven "
        "(onderdrukt) of onbekend."
    )
    return lines


def release_summary(release: Release) -> dict:
    """The numbers of a release for the audit row (JSON-ready)."""
    return {
        "k": release.k,
        "l": release.l,
        "k_achieved": release.k_achieved,
        "l_achieved": release.l_achieved,
        "levels": {c.column: c.level for c in release.columns},
        "cells_suppressed": release.cells_suppressed,
        "records_suppressed": release.records_suppressed,
        "unique_share_before": round(release.unique_share_before, 4),
    }

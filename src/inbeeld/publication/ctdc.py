"""HTCDS/CTDC compatibility: InBeeld microdata out as a CTDC-style file, CTDC files in for analysis.

The Counter Trafficking Data Collaborative (IOM) publishes victim data in the Human Trafficking
Case Data Standard (HTCDS) family of columns. Two generations of column names are in use:

- **CTDC 2022** (Global Victim-Perpetrator Synthetic Dataset, December 2022): ``yearRegister``
  (banded: 2005-2013, 2014-2018, 2019, 2020, 2021-2022), ``gender`` (Female/Male),
  ``majorityStatus`` (Adult/Minor), ``isForcedLabour``, ``isSexualExploit``, ``UN_COO_Region``,
  ``UN_COE_Region`` and the perpetrator attributes ``IP_*`` (multi-values joined with ';').
- **CTDC 2024** (Global Synthetic Dataset, codebook version 2, February 2024): 27 variables,
  ``yearOfRegistration`` (a year), ``gender`` (Man/Woman/Trans/Transgender/NonConforming),
  ``ageBroad``, ``citizenship``, ``CountryOfExploitation``, ``traffickMonths``, ``means*``,
  ``isForcedLabour``/``isSexualExploit``/``isOtherExploit``, the labour and sexual sectors (named
  ``typeOfLabour*``/``typeOfSex*`` in the codebook and ``sectorOfLabour*``/``sectorOfSex*`` in
  the released CSV) and ``recruiterRelation*``. The codebook's Appendix II lists the previous
  (2021) names of the means of control (``meansOfControl*``), some merged into one 2024 variable.

``read_ctdc`` accepts either generation (and the older aliases, in any letter case) through the
explicit table ``FIELDS``, normalises values (Female/Woman → female, '1'/blank → true/missing,
'a;b' → a list, '0--8'/'0—8' → '0-8') and returns one internal schema: every canonical column,
whatever generation the file was, plus the file's unknown columns unchanged (reported, not
dropped). A file that has neither generation's required columns is refused with a Dutch message
listing what is missing.

The import is read-only analysis (``ctdc_import_summary``): CTDC records are synthetic,
differentially private records of victims identified in other countries by other organisations.
They are not InBeeld cases, have no consent, no police unit and no timeline, and must never be
mixed into the case register or its figures; they serve as a reference population and as a
real-world fixture for the monitor and disclosure control.

``to_ctdc`` maps InBeeld microdata onto the CTDC 2022 columns (plus ``isOtherExploit`` of the
global dataset, for forced organ removal). What InBeeld does not know stays blank, as in CTDC:
blank means missing, flags are 1 or blank (never 0).
"""

from __future__ import annotations

import io
import logging
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

import polars as pl

logger = logging.getLogger(__name__)

MULTI_SEPARATOR = ";"

# --- the alias table ----------------------------------------------------------------------------

TEXT, FLAG, MULTI = "text", "flag", "multi"


@dataclass(frozen=True)
class Field:
    """One canonical column: its internal name, kind, the column names it has in the CTDC 2022
    and 2024 generations (empty: not in that generation), older aliases, and the older columns
    that were merged into it (any of them 1 → 1)."""

    name: str
    kind: str
    label: str
    v2022: tuple[str, ...] = ()
    v2024: tuple[str, ...] = ()
    older: tuple[str, ...] = ()
    merged_from: tuple[str, ...] = ()

    @property
    def aliases(self) -> tuple[str, ...]:
        return (*self.v2022, *self.v2024, *self.older)


FIELDS: tuple[Field, ...] = (
    Field(
        "year_register", TEXT, "jaar van registratie", ("yearRegister",), ("yearOfRegistration",)
    ),
    Field("gender", TEXT, "gender", ("gender",), ("gender",)),
    # Not in the 2024 codebook (derived from ageBroad there); the 2022 file has it.
    Field("majority_status", TEXT, "meerderjarig/minderjarig", ("majorityStatus",)),
    Field("age_broad", TEXT, "leeftijdsgroep", (), ("ageBroad",)),
    Field("citizenship", TEXT, "nationaliteit (ISO 3166-1 alpha-3)", (), ("citizenship",)),
    Field("coo_region", TEXT, "VN-regio van herkomst", ("UN_COO_Region",)),
    Field("country_of_exploitation", TEXT, "land van uitbuiting", (), ("CountryOfExploitation",)),
    Field("coe_region", TEXT, "VN-regio van uitbuiting", ("UN_COE_Region",)),
    Field("traffick_months", TEXT, "duur in maanden", (), ("traffickMonths",)),
    Field("is_forced_labour", FLAG, "dwangarbeid", ("isForcedLabour",), ("isForcedLabour",)),
    Field(
        "is_sexual_exploit", FLAG, "seksuele uitbuiting", ("isSexualExploit",), ("isSexualExploit",)
    ),
    Field("is_other_exploit", FLAG, "andere uitbuiting", (), ("isOtherExploit",)),
    Field(
        "means_debt_bondage_earnings",
        FLAG,
        "schuldslavernij/inhouden loon",
        (),
        ("meansDebtBondageEarnings",),
        merged_from=("meansOfControlDebtBondage", "meansOfControlTakesEarnings"),
    ),
    Field(
        "means_threats",
        FLAG,
        "bedreiging",
        (),
        ("meansThreats",),
        merged_from=(
            "meansOfControlThreats",
            "meansOfControlUsesChildren",
            "meansOfControlThreatOfLawEnforcement",
        ),
    ),
    Field(
        "means_abuse",
        FLAG,
        "mishandeling",
        (),
        ("meansAbusePsyPhySex",),
        merged_from=(
            "meansOfControlPsychologicalAbuse",
            "meansOfControlPhysicalAbuse",
            "meansOfControlSexualAbuse",
        ),
    ),
    Field(
        "means_false_promises",
        FLAG,
        "valse beloften",
        (),
        ("meansFalsePromises",),
        ("meansOfControlFalsePromises",),
    ),
    Field(
        "means_drugs_alcohol",
        FLAG,
        "middelen",
        (),
        ("meansDrugsAlcohol",),
        ("meansOfControlPsychoactiveSubstances",),
    ),
    Field(
        "means_deny_basic_needs",
        FLAG,
        "onthouden basisbehoeften",
        (),
        ("meansDenyBasicNeeds",),
        merged_from=(
            "meansOfControlRestrictsFinancialAccess",
            "meansOfControlRestrictsMovement",
            "meansOfControlRestrictsMedicalCare",
            "meansOfControlWithholdsNecessities",
        ),
    ),
    Field(
        "means_excessive_work_hours",
        FLAG,
        "excessieve werktijden",
        (),
        ("meansExcessiveWorkHours",),
        ("meansOfControlExcessiveWorkingHours",),
    ),
    Field(
        "means_withhold_documents",
        FLAG,
        "innemen documenten",
        (),
        ("meansWithholdDocs",),
        # The codebook names variable 14 both ways; the 2021 name came before.
        ("meansWithholdDocuments", "meansOfControlWithholdsDocuments"),
    ),
    Field(
        "labour_agriculture",
        FLAG,
        "arbeid: landbouw",
        (),
        ("typeOfLabourAgriculture", "sectorOfLabourAgriculture"),
    ),
    Field(
        "labour_construction",
        FLAG,
        "arbeid: bouw",
        (),
        ("typeOfLabourConstruction", "sectorOfLabourConstruction"),
    ),
    Field(
        "labour_domestic_work",
        FLAG,
        "arbeid: huishoudelijk werk",
        (),
        ("typeOfLabourDomesticWork", "sectorOfLabourDomesticWork"),
    ),
    Field(
        "labour_hospitality",
        FLAG,
        "arbeid: horeca",
        (),
        ("typeOfLabourHospitality", "sectorOfLabourHospitality"),
    ),
    Field(
        "sex_prostitution",
        FLAG,
        "seksueel: prostitutie",
        (),
        ("typeOfSexProstitution", "sectorOfSexProstitution"),
    ),
    Field(
        "sex_pornography",
        FLAG,
        "seksueel: pornografie",
        (),
        ("typeOfSexPornography", "sectorOfSexPornography"),
    ),
    Field(
        "recruiter_intimate_partner",
        FLAG,
        "ronselaar: partner",
        (),
        ("recruiterRelationIntimatePartner",),
    ),
    Field("recruiter_friend", FLAG, "ronselaar: vriend", (), ("recruiterRelationFriend",)),
    Field("recruiter_family", FLAG, "ronselaar: familie", (), ("recruiterRelationFamily",)),
    Field("recruiter_other", FLAG, "ronselaar: anders", (), ("recruiterRelationOther",)),
    Field("ip_exploiter", FLAG, "dader: uitbuiter", ("IP_Exploiter",)),
    Field("ip_gender", MULTI, "dader: gender", ("IP_Gender",)),
    Field("ip_age_broad", MULTI, "dader: leeftijdsgroep", ("IP_ageBroad",)),
    Field("ip_citizen_region", MULTI, "dader: VN-regio nationaliteit", ("IP_citizen_UNRegion",)),
    Field("ip_relation", MULTI, "dader: relatie", ("IP_Relation",)),
    Field("ip_pay_money", MULTI, "dader: betaalde geld", ("IP_PayMoney",)),
    Field("ip_recruiter_broker", FLAG, "dader: ronselaar/tussenpersoon", ("IP_RecruiterBroker",)),
    Field("ip_transaction_process", FLAG, "dader: transactie", ("IP_TransactionProcess",)),
    Field(
        "ip_control_abuse_kidnap", FLAG, "dader: controle/ontvoering", ("IP_ControlAbuseKidnap",)
    ),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
CANONICAL_COLUMNS = tuple(f.name for f in FIELDS)
_DTYPES = {TEXT: pl.String(), FLAG: pl.Boolean(), MULTI: pl.List(pl.String())}
CANONICAL_SCHEMA = {f.name: _DTYPES[f.kind] for f in FIELDS}

# What makes a file a CTDC file: a year, a gender, an age (majority status or age band) and the
# two main forms. Per generation, the column names that provide them.
REQUIRED = {
    "CTDC 2022 (slachtoffer-dader)": (
        "yearRegister",
        "gender",
        "majorityStatus",
        "isForcedLabour",
        "isSexualExploit",
    ),
    "CTDC 2024 (Global Synthetic)": (
        "yearOfRegistration",
        "gender",
        "ageBroad",
        "isForcedLabour",
        "isSexualExploit",
    ),
}
# The canonical requirement behind them: each entry is satisfied by any one of its fields.
REQUIRED_FIELDS = (
    ("year_register",),
    ("gender",),
    ("majority_status", "age_broad"),
    ("is_forced_labour",),
    ("is_sexual_exploit",),
)


class CtdcFormatError(ValueError):
    """The file is not a CTDC file of either generation; ``missing`` per generation."""

    def __init__(self, missing: dict[str, list[str]], found: list[str]):
        self.missing = missing
        self.found = found
        parts = [f"{generation}: {', '.join(names)}" for generation, names in missing.items()]
        super().__init__(
            "Dit is geen CTDC-bestand: verplichte kolommen ontbreken. Ontbrekend per generatie: "
            + "; ".join(parts)
            + f". Gevonden kolommen: {', '.join(found) or '(geen)'}."
        )


@dataclass(frozen=True)
class ColumnReport:
    generation: str  # "CTDC 2022 ...", "CTDC 2024 ..." or "gemengd"
    mapped: dict[str, str]  # file column -> canonical column
    unknown: list[str]  # file columns kept unchanged
    absent: list[str]  # canonical columns the file does not have (all missing)
    unrecognised_values: dict[str, dict[str, int]]  # canonical column -> value -> count


# --- reading ------------------------------------------------------------------------------------

_GENDER = {
    "female": "female",
    "woman": "female",
    "f": "female",
    "vrouw": "female",
    "male": "male",
    "man": "male",
    "m": "male",
    "trans/transgender/nonconforming": "other",
    "transgender/nonconforming": "other",
    "transgender": "other",
    "trans": "other",
    "nonconforming": "other",
    "other": "other",
}
_MAJORITY = {"adult": "adult", "minor": "minor", "meerderjarig": "adult", "minderjarig": "minor"}
_TRUE = {"1", "1.0", "true", "yes", "ja"}
_FALSE = {"0", "0.0", "false", "no", "nee"}


def _dashes(expr: pl.Expr) -> pl.Expr:
    """'0--8', '0—8' and '0–8' all become '0-8' (the codebook and the file differ)."""
    return expr.str.replace_all(r"\s*(?:--|—|–)\s*", "-")


def _year(expr: pl.Expr) -> pl.Expr:
    return _dashes(expr).str.replace(r"^(\d{4})\.0+$", "${1}")


def _minor_from_age(expr: pl.Expr) -> pl.Expr:
    """'0-8', '9-17' → minor; any band starting at 18 or later → adult."""
    upper = expr.str.extract(r"^\d+-(\d+)$", 1).cast(pl.Int32, strict=False)
    lower = expr.str.extract(r"^(\d+)", 1).cast(pl.Int32, strict=False)
    return (
        pl.when(upper <= 17)
        .then(pl.lit("minor"))
        .when(lower >= 18)
        .then(pl.lit("adult"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _read_raw(source: str | os.PathLike | IO) -> pl.DataFrame:
    if isinstance(source, io.TextIOBase):
        source = io.BytesIO(source.read().encode("utf-8"))
    # Everything as text first (blanks are missing); types come from the alias table.
    return pl.read_csv(
        source,
        infer_schema=False,
        empty_string_is_null=True,
        encoding="utf8-lossy",
    )


def inspect_columns(columns: Iterable[str]) -> tuple[dict[str, str], list[str], str]:
    """Match file columns to canonical ones (case-insensitive): (mapping, unknown, generation).

    Raises CtdcFormatError when the required columns of neither generation are there."""
    columns = list(columns)
    lookup: dict[str, str] = {}
    for f in FIELDS:
        for alias in (*f.aliases, *f.merged_from):
            lookup.setdefault(alias.lower(), f.name)
    mapped = {c: lookup[c.strip().lower()] for c in columns if c.strip().lower() in lookup}
    unknown = [c for c in columns if c not in mapped]
    present = set(mapped.values())
    lowered = {c.strip().lower() for c in columns}
    if not all(any(name in present for name in need) for need in REQUIRED_FIELDS):
        missing = {
            generation: [name for name in names if name.lower() not in lowered]
            for generation, names in REQUIRED.items()
        }
        raise CtdcFormatError(missing, columns)
    complete = [g for g, names in REQUIRED.items() if all(n.lower() in lowered for n in names)]
    generation = complete[0] if len(complete) == 1 else "gemengd"
    return mapped, unknown, generation


def read_ctdc_with_report(source: str | os.PathLike | IO) -> tuple[pl.DataFrame, ColumnReport]:
    """Read a CTDC CSV of either generation into the internal schema (see the module docstring),
    with a report of the columns and of values that could not be recognised."""
    raw = _read_raw(source)
    raw = raw.rename({c: c.strip().lstrip("\ufeff") for c in raw.columns})
    mapped, unknown, generation = inspect_columns(raw.columns)
    by_field: dict[str, list[str]] = {}
    for column, name in mapped.items():
        by_field.setdefault(name, []).append(column)
    stripped = raw.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in raw.columns)

    expressions: list[pl.Expr] = []
    unrecognised: dict[str, dict[str, int]] = {}
    for f in FIELDS:
        columns = by_field.get(f.name, [])
        if not columns:
            expressions.append(pl.lit(None, dtype=CANONICAL_SCHEMA[f.name]).alias(f.name))
            continue
        direct = [c for c in columns if c.lower() in {a.lower() for a in f.aliases}]
        if f.kind == FLAG:
            flags = [
                pl.when(pl.col(c).str.to_lowercase().is_in(_TRUE))
                .then(True)
                .when(pl.col(c).str.to_lowercase().is_in(_FALSE))
                .then(False)
                .otherwise(None)
                for c in (direct or columns)
            ]
            # A merged field is 1 when any of its parts is 1, 0 when all known parts are 0.
            expressions.append(pl.any_horizontal(flags).alias(f.name))
            bad = _unrecognised(stripped, columns, _TRUE | _FALSE)
        elif f.kind == MULTI:
            expressions.append(
                pl.col(columns[0])
                .str.split(MULTI_SEPARATOR)
                .list.eval(_dashes(pl.element().str.strip_chars()))
                .list.eval(pl.element().filter(pl.element() != ""))
                .alias(f.name)
            )
            bad = {}
        else:
            expressions.append(pl.col(columns[0]).alias(f.name))
            bad = {}
        if bad:
            unrecognised[f.name] = bad
    frame = stripped.select(*expressions, *(pl.col(c) for c in unknown))

    frame = frame.with_columns(
        _year(pl.col("year_register")).alias("year_register"),
        _dashes(pl.col("age_broad")).alias("age_broad"),
        _dashes(pl.col("traffick_months")).alias("traffick_months"),
        pl.col("gender")
        .str.to_lowercase()
        .replace_strict(_GENDER, default=None, return_dtype=pl.String)
        .alias("gender"),
        pl.col("majority_status")
        .str.to_lowercase()
        .replace_strict(_MAJORITY, default=None, return_dtype=pl.String)
        .alias("majority_status"),
    )
    for name, table, column in (
        ("gender", _GENDER, "gender"),
        ("majority_status", _MAJORITY, "majority_status"),
    ):
        if by_field.get(name):
            bad = _unrecognised(stripped, by_field[name][:1], set(table))
            if bad:
                unrecognised[column] = bad
    # The 2024 generation has no majority status: derive it from the age band.
    frame = frame.with_columns(
        pl.coalesce(pl.col("majority_status"), _minor_from_age(pl.col("age_broad"))).alias(
            "majority_status"
        )
    )
    report = ColumnReport(
        generation=generation,
        mapped=mapped,
        unknown=unknown,
        absent=[name for name in CANONICAL_COLUMNS if name not in by_field],
        unrecognised_values=unrecognised,
    )
    if unknown:
        logger.warning("CTDC-bestand: onbekende kolommen behouden: %s", ", ".join(unknown))
    return frame, report


def _unrecognised(frame: pl.DataFrame, columns: list[str], allowed: set[str]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for column in columns:
        values = frame.get_column(column).drop_nulls()
        for value, n in values.value_counts().iter_rows():
            if value.lower() not in allowed:
                counts[value] += n
    return dict(counts)


def read_ctdc(source: str | os.PathLike | IO) -> pl.DataFrame:
    """A CTDC CSV of either generation in the internal schema: the canonical columns in the order
    of FIELDS (missing ones all null), then the file's unknown columns as text."""
    frame, _ = read_ctdc_with_report(source)
    return frame


def ctdc_import_summary(df: pl.DataFrame) -> dict:
    """Counts for a read-only look at a CTDC file: rows, by gender, majority status, year and
    exploitation form; plus the unknown columns. Missing values are counted as 'missing'."""

    def counts(column: str) -> dict[str, int]:
        series = df.get_column(column).fill_null("missing")
        return dict(
            sorted(series.value_counts().iter_rows(), key=lambda kv: (kv[0] == "missing", kv[0]))
        )

    return {
        "rows": df.height,
        "gender": counts("gender"),
        "majority_status": counts("majority_status"),
        "year_register": counts("year_register"),
        "forms": {
            name: int(df.get_column(name).sum())
            for name in ("is_forced_labour", "is_sexual_exploit", "is_other_exploit")
        },
        "forms_known": int(
            df.select(
                pl.any_horizontal(
                    pl.col(
                        "is_forced_labour", "is_sexual_exploit", "is_other_exploit"
                    ).is_not_null()
                ).sum()
            ).item()
        ),
        "unknown_columns": [c for c in df.columns if c not in CANONICAL_SCHEMA],
    }


# --- writing: InBeeld microdata as CTDC ---------------------------------------------------------

CTDC_2022_COLUMNS = (
    "yearRegister",
    "gender",
    "majorityStatus",
    "isForcedLabour",
    "isSexualExploit",
    "UN_COO_Region",
    "UN_COE_Region",
    "IP_Exploiter",
    "IP_Gender",
    "IP_ageBroad",
    "IP_citizen_UNRegion",
    "IP_Relation",
    "IP_PayMoney",
    "IP_RecruiterBroker",
    "IP_TransactionProcess",
    "IP_ControlAbuseKidnap",
)
# The 2022 columns, with the global dataset's isOtherExploit after the other two forms.
CTDC_EXPORT_COLUMNS = (*CTDC_2022_COLUMNS[:5], "isOtherExploit", *CTDC_2022_COLUMNS[5:])

# CTDC's registration-year bands (2022 release); other years are written as the year.
YEAR_BANDS = ((2005, 2013), (2014, 2018), (2019, 2019), (2020, 2020), (2021, 2022))
GENDER_TO_CTDC = {"female": "Female", "male": "Male", "other": "Trans/Transgender/NonConforming"}
# UN region of origin from InBeeld's nationality group: Dutch and other EU nationals are
# European; "outside the EU" does not name a region, so it stays blank (as does unknown).
COO_REGION = {"nl": "Europe", "eu": "Europe"}
# CTDC's country of exploitation is a proxy: where the victim was identified/assisted. InBeeld
# registers victims identified in the Netherlands.
COE_REGION = "Europe"
# InBeeld form → CTDC type of exploitation. Criminal exploitation (forced criminal activity) is
# forced labour in CTDC (its older releases: typeOfLabourIllicitActivities); forced organ removal
# is "other exploitation".
FORM_TO_CTDC = {
    "isForcedLabour": ("labour", "criminal"),
    "isSexualExploit": ("sexual",),
    "isOtherExploit": ("organ_removal",),
}


def ctdc_year_band(year: int | None) -> str | None:
    if year is None:
        return None
    for low, high in YEAR_BANDS:
        if low <= year <= high:
            return str(low) if low == high else f"{low}-{high}"
    return str(year)


def to_ctdc(df: pl.DataFrame) -> pl.DataFrame:
    """InBeeld microdata (``exports.microdata_table``) in the CTDC 2022 columns (see
    CTDC_EXPORT_COLUMNS): every value text, blank (null) where InBeeld has no answer."""
    form_columns = {
        ctdc: [f"vorm_{form}" for form in forms if f"vorm_{form}" in df.columns]
        for ctdc, forms in FORM_TO_CTDC.items()
    }
    known_forms = [
        f"vorm_{code}"
        for forms in FORM_TO_CTDC.values()
        for code in forms
        if f"vorm_{code}" in df.columns
    ]
    any_form = pl.any_horizontal([pl.col(c) == 1 for c in known_forms]) if known_forms else False

    def flag(columns: list[str]) -> pl.Expr:
        if not columns:
            return pl.lit(None, dtype=pl.String)
        has = pl.any_horizontal([pl.col(c) == 1 for c in columns])
        # Blank when the case has no known form at all (CTDC: no information), else 1 or blank.
        return pl.when(any_form & has).then(pl.lit("1")).otherwise(pl.lit(None, dtype=pl.String))

    out = df.select(
        pl.col("jaar_instroom")
        .map_elements(ctdc_year_band, return_dtype=pl.String)
        .alias("yearRegister"),
        pl.col("gender")
        .replace_strict(GENDER_TO_CTDC, default=None, return_dtype=pl.String)
        .alias("gender"),
        pl.when(pl.col("minderjarig") == 1)
        .then(pl.lit("Minor"))
        .when(pl.col("minderjarig") == 0)
        .then(pl.lit("Adult"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("majorityStatus"),
        *(flag(columns).alias(name) for name, columns in form_columns.items()),
        pl.col("nationaliteit")
        .replace_strict(COO_REGION, default=None, return_dtype=pl.String)
        .alias("UN_COO_Region"),
        pl.lit(COE_REGION, dtype=pl.String).alias("UN_COE_Region"),
    )
    # InBeeld records nothing about perpetrators: the IP_* columns stay blank.
    out = out.with_columns(
        pl.lit(None, dtype=pl.String).alias(c) for c in CTDC_2022_COLUMNS if c.startswith("IP_")
    )
    return out.select(CTDC_EXPORT_COLUMNS)


def write_ctdc(df: pl.DataFrame, target: str | os.PathLike | IO) -> None:
    """CSV as CTDC publishes it: a header row, blanks for missing values; text cells that a
    spreadsheet would read as a formula are neutralised."""
    from inbeeld.spreadsheet_safety import neutralise_frame

    neutralise_frame(df).write_csv(target, null_value="")

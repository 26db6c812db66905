"""Writing InBeeld microdata as a CTDC-style file (CTDC 2022 columns plus isOtherExploit). See
the package docstring."""

from __future__ import annotations

import os
from typing import IO

import polars as pl

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

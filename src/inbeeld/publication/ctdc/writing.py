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


# InBeeld's suspect attributes → the CTDC 2022 perpetrator columns (issue 17 item 6). Filled:
# IP_Exploiter and IP_RecruiterBroker (1 when a standing link has that role), IP_Gender and
# IP_Relation (the distinct values of the case's suspects, joined with ';'). Left blank, as
# InBeeld cannot answer them: IP_ageBroad (InBeeld's age bands do not nest in CTDC's), the
# suspects' citizenship region, IP_PayMoney, IP_TransactionProcess and IP_ControlAbuseKidnap.
IP_GENDER = {"male": "Male", "female": "Female", "other": "Trans/Transgender/NonConforming"}
IP_RELATION = {
    "parent": "Family",
    "family": "Family",
    "partner": "Intimate Partner",
    "acquaintance": "Friend",
    "network": "Other",
}  # a stranger has no relationship: not written


def ip_columns(suspects: pl.DataFrame) -> pl.DataFrame:
    """Per case the IP_* values from its suspects: input one row per standing (case, suspect)
    link with ``case_id``, ``role``, ``relationship``, ``gender``; output ``case_id`` and the
    filled IP_* columns (text, null where nothing is known)."""

    def joined(column: str, mapping: dict[str, str]) -> pl.Expr:
        values = pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.String)
        listed = values.drop_nulls().unique().sort()
        return pl.when(listed.len() > 0).then(listed.str.join(";")).otherwise(pl.lit(None))

    def has(role: str) -> pl.Expr:
        return (
            pl.when((pl.col("role") == role).any())
            .then(pl.lit("1"))
            .otherwise(pl.lit(None, dtype=pl.String))
        )

    return suspects.group_by("case_id").agg(
        has("exploiter").alias("IP_Exploiter"),
        has("recruiter").alias("IP_RecruiterBroker"),
        joined("gender", IP_GENDER).alias("IP_Gender"),
        joined("relationship", IP_RELATION).alias("IP_Relation"),
    )


def ctdc_year_band(year: int | None) -> str | None:
    if year is None:
        return None
    for low, high in YEAR_BANDS:
        if low <= year <= high:
            return str(low) if low == high else f"{low}-{high}"
    return str(year)


def to_ctdc(df: pl.DataFrame, suspects: pl.DataFrame | None = None) -> pl.DataFrame:
    """InBeeld microdata (``exports.microdata_table``) in the CTDC 2022 columns (see
    CTDC_EXPORT_COLUMNS): every value text, blank (null) where InBeeld has no answer. With
    ``suspects`` (see ip_columns) and a ``case_id`` column in ``df``, the IP_* columns are filled;
    the case id itself is never written."""
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
        *([pl.col("case_id")] if "case_id" in df.columns else []),
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
    filled: list[str] = []
    if suspects is not None and "case_id" in out.columns:
        ip = ip_columns(suspects)
        filled = [c for c in ip.columns if c != "case_id"]
        out = out.join(ip, on="case_id", how="left")
    out = out.with_columns(
        pl.lit(None, dtype=pl.String).alias(c)
        for c in CTDC_2022_COLUMNS
        if c.startswith("IP_") and c not in filled
    )
    return out.select(CTDC_EXPORT_COLUMNS)


def write_ctdc(df: pl.DataFrame, target: str | os.PathLike | IO) -> None:
    """CSV as CTDC publishes it: a header row, blanks for missing values; text cells that a
    spreadsheet would read as a formula are neutralised."""
    from inbeeld.spreadsheet_safety import neutralise_frame

    neutralise_frame(df).write_csv(target, null_value="")

"""Perpetrator and non-punishment tables in the style of the National Rapporteur's perpetrator
monitor (issue 17 item 6, first tables). Pure: polars in, disclosure-controlled tables out
(stats.disclosure.protect_table), no Django.

Input ``suspects``: one row per (suspect, case) with the columns
    suspect (id), form (exploitation-form code; a case with two forms gives two rows),
    minor (bool, the victim), role, relationship,
    registered_year, prosecuted_year, convicted_year (int or null: the year of the link, of the
    first summons or penalty order, of the first conviction), unconditional_months (float/null).
A suspect is counted once per year, form and stage however many cases they are linked to.

Input ``recruitment``: one row per (case, form) of a case with a recorded modus operandi: case,
form, channel (recruitment-channel code or null).

Input ``non_punishment``: one row per case of criminal exploitation whose victim was registered
as a suspect or prosecuted: year (of the first such entry), applied (bool: not prosecuted,
dismissed or acquitted on the non-punishment ground).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from inbeeld.stats.disclosure import DisclosurePolicy, ProtectedTable, crosstab, protect_table

STAGES = ("registered", "prosecuted", "convicted")
RELATIONSHIPS = ("parent", "family", "partner", "acquaintance", "stranger", "network")


def stage_table(
    suspects: pl.DataFrame,
    stage: str,
    *,
    forms: Sequence[str],
    years: Sequence[int],
    policy: DisclosurePolicy | None = None,
) -> ProtectedTable:
    """Suspects registered / prosecuted / convicted per year (rows) and form (columns)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    column = f"{stage}_year"
    rows = (
        suspects.filter(pl.col(column).is_not_null())
        .select("suspect", "form", pl.col(column).alias("year"))
        .unique()
    )
    counts, row_labels, col_labels = crosstab(
        rows, "year", "form", row_order=list(years), col_order=list(forms)
    )
    return protect_table(counts, row_labels, col_labels, policy)


def client_table(
    suspects: pl.DataFrame, *, years: Sequence[int], policy: DisclosurePolicy | None = None
) -> ProtectedTable:
    """Clients in cases with minor victims: identified (registered), prosecuted and convicted per
    year (rows × stage). A client counts in the year of each stage they reached."""
    clients = suspects.filter((pl.col("role") == "client") & pl.col("minor"))
    long = pl.concat(
        [
            clients.filter(pl.col(f"{stage}_year").is_not_null())
            .select("suspect", pl.col(f"{stage}_year").alias("year"))
            .unique()
            .with_columns(pl.lit(stage).alias("stage"))
            for stage in STAGES
        ]
    )
    counts, row_labels, col_labels = crosstab(
        long, "year", "stage", row_order=list(years), col_order=list(STAGES)
    )
    return protect_table(counts, row_labels, col_labels, policy)


def relationship_table(
    suspects: pl.DataFrame,
    *,
    forms: Sequence[str],
    minor: bool,
    policy: DisclosurePolicy | None = None,
) -> ProtectedTable:
    """The relationship of registered suspects to the victim (rows) by form (columns), for minor
    or adult victims; one count per (suspect, form, relationship)."""
    rows = (
        suspects.filter(pl.col("minor") == minor).select("suspect", "form", "relationship").unique()
    )
    counts, row_labels, col_labels = crosstab(
        rows, "relationship", "form", row_order=list(RELATIONSHIPS), col_order=list(forms)
    )
    return protect_table(counts, row_labels, col_labels, policy)


def non_punishment_table(
    non_punishment: pl.DataFrame,
    *,
    years: Sequence[int],
    policy: DisclosurePolicy | None = None,
) -> ProtectedTable:
    """Per year: criminal-exploitation victims who were also suspects, split by whether the
    non-punishment principle was applied (columns "toegepast", "niet toegepast")."""
    rows = non_punishment.select(
        "year",
        pl.when(pl.col("applied"))
        .then(pl.lit("toegepast"))
        .otherwise(pl.lit("niet toegepast"))
        .alias("applied"),
    )
    counts, row_labels, col_labels = crosstab(
        rows, "year", "applied", row_order=list(years), col_order=["toegepast", "niet toegepast"]
    )
    return protect_table(counts, row_labels, col_labels, policy)


def recruitment_table(
    recruitment: pl.DataFrame,
    *,
    channels: Sequence[str],
    forms: Sequence[str],
    policy: DisclosurePolicy | None = None,
) -> ProtectedTable:
    """Cases by recruitment channel (rows; "unknown" when none was recorded) and exploitation
    form (columns). Input: one row per (case, form) with ``case``, ``form``, ``channel``; a case
    counts once per form. Channels are categories only: there is no platform name to show."""
    rows = recruitment.select("case", "form", pl.col("channel").fill_null("unknown")).unique()
    counts, row_labels, col_labels = crosstab(
        rows, "channel", "form", row_order=[*channels, "unknown"], col_order=list(forms)
    )
    return protect_table(counts, row_labels, col_labels, policy)


def median_unconditional_months(suspects: pl.DataFrame, *, min_n: int = 10) -> pl.DataFrame:
    """The median unconditional sentence (months) of convicted suspects per conviction year and
    form, with n; a median of fewer than ``min_n`` convictions is not published (null)."""
    convicted = (
        suspects.filter(
            pl.col("convicted_year").is_not_null() & pl.col("unconditional_months").is_not_null()
        )
        .select("suspect", "form", "convicted_year", "unconditional_months")
        .unique(subset=["suspect", "form", "convicted_year"], keep="first")
    )
    return (
        convicted.group_by("convicted_year", "form")
        .agg(pl.len().alias("n"), pl.col("unconditional_months").median().alias("median"))
        .with_columns(
            pl.when(pl.col("n") >= min_n).then(pl.col("median")).otherwise(None).alias("median")
        )
        .sort("convicted_year", "form")
    )

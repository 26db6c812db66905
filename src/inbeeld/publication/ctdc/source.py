"""The CTDC export's input from the database: a user's microdata with the perpetrator columns
filled from the suspects of the same cases (issue 17 item 6). The case id joins the two inside
the server and is dropped by to_ctdc; no suspect code or note leaves this module."""

from __future__ import annotations

import random

import polars as pl

from inbeeld.analysis.perpetrator_tables import ctdc_suspect_rows
from inbeeld.publication.ctdc.writing import to_ctdc


def ctdc_frame(user, *, rng: random.Random | None = None) -> pl.DataFrame:
    from inbeeld.publication.exports import microdata_table

    df = microdata_table(user, rng=rng, keep_case_id=True)
    return to_ctdc(df, ctdc_suspect_rows(df.get_column("case_id").to_list()))

"""InBeeld's statistics: PURE Python (numpy, scipy, polars), no Django import.

Inputs are tables (polars DataFrames or numpy arrays), validated up front with messages that say
which rows are wrong (stats.exceptions); outputs are frozen dataclasses (stats.results), so the web
page, the PDF, the CLI and the API show the same numbers. The estimators are checked in the tests
against independent oracles (scipy, statsmodels, lifelines, pm4py), which the engine itself never
imports.
"""

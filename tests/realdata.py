"""The real data sets the tests check against, read in place from ``../shared/data`` (next to the
project root; see its README.md). They are never copied into the repository.

``shared_data(name)`` is the one way a test gets such a file. Locally a missing file skips the
test (a fresh checkout without the data still runs the rest); under CI (``CI=true``) it fails it,
so a CI run can never pass with the dark-number, pm4py or CTDC checks silently left out.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NL_MSE_SIX_LISTS = "nl_mse_six_lists.csv"
CTDC_VICTIM_PERPETRATOR = "ctdc_victim_perpetrator_synthetic.csv"
ROAD_TRAFFIC_FINES = "road_traffic_fines.xes.gz"


def in_ci() -> bool:
    """True when the run is a CI run: ``CI`` set to true (as CI services and .ci/run set it)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def shared_data(name: str) -> Path:
    """The path of the real data file ``name`` in ../shared/data. When it is missing: skip the
    calling test, or, under CI, fail it."""
    path = SHARED_DATA / name
    if path.is_file():
        return path
    message = f"the real data set {name} is not here: {path} (see ../shared/data/README.md)"
    if in_ci():
        pytest.fail(f"{message}; under CI the real-data tests must run, not skip", pytrace=False)
    pytest.skip(message)

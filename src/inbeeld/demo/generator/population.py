"""Who the demo cases are: intake date, unit, exploitation forms, victim characteristics, code.

All draws are vectorised over the cases and made in a fixed order from one numpy Generator, so
the same config gives the same arrays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from inbeeld.cases.models import CODE_ALPHABET
from inbeeld.demo.generator import calibration as cal
from inbeeld.demo.generator.data import DemoConfig, Vocabulary, day_number

CODE_LENGTH = 8


@dataclass
class Population:
    """Case attributes in id order (sorted by intake date, then code)."""

    intake_day: np.ndarray
    primary_form: np.ndarray
    second_form: np.ndarray  # -1 = none
    unit: np.ndarray
    minor: np.ndarray
    age_band: np.ndarray
    gender: np.ndarray
    nationality: np.ndarray
    code_chars: np.ndarray
    court: np.ndarray  # the court the case would go to, if it reaches a hearing


def year_counts(config: DemoConfig) -> dict[int, int]:
    """Cases per intake year, proportional to the registered volumes (largest remainder, so the
    counts add up to ``config.cases`` exactly and need no random draw)."""
    years = list(range(config.first_year, config.cutoff.year + 1))
    weights = np.array([cal.YEAR_VOLUMES.get(y, cal.VOLUME_AFTER_TABLE) for y in years], float)
    last_year_days = (config.cutoff - dt.date(config.cutoff.year, 1, 1)).days + 1
    weights[-1] *= last_year_days / 365  # a cut-off inside a year gets that part of its volume
    exact = config.cases * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = config.cases - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:short]] += 1
    return dict(zip(years, counts.tolist(), strict=True))


def _choice(
    rng: np.random.Generator, weights_by_group: np.ndarray, group: np.ndarray
) -> np.ndarray:
    """One draw per element from the categorical distribution in row ``group`` of the table."""
    table = np.asarray(weights_by_group, dtype=float)
    table = np.where(table.sum(axis=1, keepdims=True) > 0, table, 1.0)  # empty row: uniform
    cumulative = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(group))
    picked = (u[:, None] >= cumulative[group]).sum(axis=1)
    return np.minimum(picked, table.shape[1] - 1).astype(np.int8)


def _intake_days(rng: np.random.Generator, config: DemoConfig) -> np.ndarray:
    parts = []
    for year, count in year_counts(config).items():
        start = day_number(dt.date(year, 1, 1))
        end = min(day_number(dt.date(year, 12, 31)), day_number(config.cutoff))
        parts.append(rng.integers(start, end + 1, size=count))
    return np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, np.int32)


def _primary_forms(rng: np.random.Generator, intake_day: np.ndarray) -> np.ndarray:
    year = intake_day.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    criminal = np.minimum(
        cal.CRIMINAL_SHARE_BASE + cal.CRIMINAL_SHARE_PER_YEAR * (year - 2015),
        cal.CRIMINAL_SHARE_MAX,
    ).clip(0.0)
    fixed = cal.LABOUR_SHARE + cal.ORGAN_SHARE + cal.UNKNOWN_FORM_SHARE
    sexual = 1.0 - fixed - criminal
    # Cumulative bounds in FORMS order: sexual, labour, criminal, organ removal, unknown.
    bounds = np.stack(
        [
            sexual,
            sexual + cal.LABOUR_SHARE,
            sexual + cal.LABOUR_SHARE + criminal,
            sexual + cal.LABOUR_SHARE + criminal + cal.ORGAN_SHARE,
        ],
        axis=1,
    )
    u = rng.random(len(intake_day))
    return (u[:, None] >= bounds).sum(axis=1).astype(np.int8)


def _codes(rng: np.random.Generator, n: int, exclude: set[str]) -> np.ndarray:
    """``n`` distinct codes as (n, 8) alphabet indexes; a code that repeats an earlier one (or one
    in ``exclude``) is redrawn, in order, until all are unique."""
    base = len(CODE_ALPHABET)
    powers = base ** np.arange(CODE_LENGTH, dtype=np.int64)
    excluded = np.array(sorted(_code_value(c) for c in exclude if _code_value(c) >= 0), np.int64)
    chars = rng.integers(0, base, size=(n, CODE_LENGTH), dtype=np.uint8)
    while True:
        values = chars.astype(np.int64) @ powers
        _, first = np.unique(values, return_index=True)
        clash = np.ones(n, dtype=bool)
        clash[first] = False
        clash |= np.isin(values, excluded)
        redo = np.flatnonzero(clash)
        if len(redo) == 0:
            return chars
        chars[redo] = rng.integers(0, base, size=(len(redo), CODE_LENGTH), dtype=np.uint8)


def _code_value(code: str) -> int:
    """The number behind a code "IB-XXXX-XXXX" (-1 if it is not in that shape)."""
    body = code.replace("IB-", "", 1).replace("-", "")
    if len(body) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in body):
        return -1
    value = 0
    for position, ch in enumerate(body):
        value += CODE_ALPHABET.index(ch) * len(CODE_ALPHABET) ** position
    return value


def _courts(rng: np.random.Generator, unit: np.ndarray, vocabulary: Vocabulary) -> np.ndarray:
    """The court each case would be heard by: one of its unit's district (see calibration)."""
    n = len(unit)
    court = np.full(n, -1, dtype=np.int8)
    u = rng.random(n)
    regional = [
        code
        for code in vocabulary.units
        if vocabulary.district_courts.get(vocabulary.unit_district[code] or "")
    ]
    regional_weights = np.array([cal.UNIT_WEIGHTS_DEFAULT[c] for c in regional], float)
    fallback_unit = rng.choice(len(regional), size=n, p=regional_weights / regional_weights.sum())
    for index, code in enumerate(vocabulary.units):
        mine = unit == index
        courts = vocabulary.district_courts.get(vocabulary.unit_district[code] or "", ())
        if courts:
            picked = np.minimum((u[mine] * len(courts)).astype(int), len(courts) - 1)
            lookup = np.array([vocabulary.courts.index(c) for c in courts], dtype=np.int8)
            court[mine] = lookup[picked]
        elif vocabulary.unit_district[code] is None:
            court[mine] = vocabulary.courts.index(cal.KMAR_COURT)
        else:
            first_courts = np.array(
                [
                    vocabulary.courts.index(
                        vocabulary.district_courts[vocabulary.unit_district[r]][0]
                    )
                    for r in regional
                ],
                dtype=np.int8,
            )
            court[mine] = first_courts[fallback_unit[mine]]
    return court


def draw_population(
    rng: np.random.Generator, config: DemoConfig, vocabulary: Vocabulary, exclude_codes: set[str]
) -> Population:
    """Draw every case attribute; returns the cases sorted by intake date (then code)."""
    intake_day = _intake_days(rng, config)
    n = len(intake_day)
    primary = _primary_forms(rng, intake_day)
    has_second = rng.random(n) < cal.SECOND_FORM_SHARE
    second = _choice(rng, cal.SECOND_FORM_GIVEN_PRIMARY, primary)
    second = np.where(has_second & (primary != cal.UNKNOWN_FORM) & (second != primary), second, -1)

    unit_default = np.array([cal.UNIT_WEIGHTS_DEFAULT[c] for c in vocabulary.units])
    unit_labour = np.array([cal.UNIT_WEIGHTS_LABOUR[c] for c in vocabulary.units])
    unit = _choice(rng, np.stack([unit_default, unit_labour]), (primary == cal.LABOUR).astype(int))

    minor = rng.random(n) < np.array(cal.MINOR_SHARE_BY_FORM)[primary]
    minor_age = _choice(rng, np.array([cal.MINOR_AGE_WEIGHTS]), np.zeros(n, int))
    adult_age = _choice(rng, cal.ADULT_AGE_WEIGHTS_BY_FORM, primary)
    age_band = np.where(minor, minor_age, adult_age).astype(np.int8)
    gender = _choice(rng, cal.GENDER_WEIGHTS_BY_FORM, primary)
    nationality_adult = _choice(rng, cal.NATIONALITY_ADULT_BY_FORM, primary)
    nationality_minor = _choice(rng, cal.NATIONALITY_MINOR_BY_FORM, primary)
    nationality = np.where(minor, nationality_minor, nationality_adult).astype(np.int8)
    court = _courts(rng, unit, vocabulary)
    code_chars = _codes(rng, n, exclude_codes)

    # Id order: by intake date, ties by code (codes are distinct, so the order is total).
    code_value = code_chars.astype(np.int64) @ (len(CODE_ALPHABET) ** np.arange(CODE_LENGTH))
    order = np.lexsort((code_value, intake_day))
    return Population(
        intake_day=intake_day[order],
        primary_form=primary[order],
        second_form=second[order].astype(np.int8),
        unit=unit[order],
        minor=minor[order],
        age_band=age_band[order],
        gender=gender[order],
        nationality=nationality[order],
        code_chars=code_chars[order],
        court=court[order],
    )

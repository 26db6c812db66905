"""stats.monitor: every monitor number against a hand-built fixture, repeat victimisation against
lifelines (1 − S(t) of KaplanMeierFitter on the same durations) and a hand computation, and input
validation.

The fixture: 12 cases, intake 2015–2017, data cut-off 2024-06-30. Forms S(exual), L(abour),
C(riminal), O(rgan removal), U(nknown); "-" = no form recorded. Outcomes in brackets.

  id unit       intake      minor forms nat.    effective chain events
   1 amsterdam  2015-02-01  -     S     nl      contact 02-10, complaint 03-01, prosecution
                                                2015-09-01 (summons), verdict 2016-05-01
                                                (conviction); revictimisation 2018-02-10
   2 amsterdam  2015-04-01  minor S+C   nl      contact 04-05, complaint 05-01, prosecution
                                                (summons), verdict (acquittal); revict. 2016-04-05
   3 rotterdam  2015-06-01  -     L     eu      contact 06-15, complaint 07-01, prosecution
                                                (dismissal_technical)
   4 limburg    2015-09-01  -     L+S   non_eu  none (index = intake); revict. 2021-09-01
   5 amsterdam  2016-01-15  -     C     non_eu  contact 02-01; its complaint of 02-15 was
                                                corrected into a complaint_declined (the original
                                                is left out upstream: the table holds effective
                                                events only); prosecution WITHOUT complaint
                                                (summons), two verdicts (conviction, acquittal)
   6 rotterdam  2016-03-01  minor S     nl      contact 03-10, complaint 04-01; revict. 2017-03-10
   7 rotterdam  2016-07-01  -     U     eu      contact 07-05
   8 limburg    2016-10-01  -     -     unknown none
   9 amsterdam  2017-01-10  minor C     non_eu  contact 02-01, complaint 02-10, prosecution
                                                (dismissal_policy); revict. 2019-02-01
  10 amsterdam  2017-05-01  -     O     non_eu  contact 05-02, complaint 05-10, prosecution
                                                (summons), no verdict yet; a revictimisation on
                                                2017-05-01, BEFORE the index date: ignored
  11 limburg    2017-08-01  minor S+L   eu      contact 09-01
  12 rotterdam  2017-12-01  -     S     nl      contact 2018-01-05, complaint, prosecution
                                                (summons), verdict (conviction); revict.
                                                2023-01-05: exactly 5 years (1,826 days) later

Signals: 2015: 3 (2 became cases 1, 2); 2016: 4 (case 6, case 9 — intake 2017 —, and one whose
case is out of scope: case_id null, converted); 2017: 2 (1 became case 11).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps

from inbeeld.stats.disclosure import DisclosurePolicy, protect_table
from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.monitor import (
    FUNNEL_STAGES,
    CountTable,
    MonitorReport,
    MonitorTables,
    build_monitor,
    chain_funnel,
    horizon_days,
    repeat_durations,
    repeat_victimisation,
    yearly_counts,
)
from inbeeld.stats.tables import EvaluationTables

lifelines = pytest.importorskip("lifelines")
from lifelines import KaplanMeierFitter  # noqa: E402

D = dt.date
CUTOFF = D(2024, 6, 30)
EXACT = 1e-12

# id: unit, intake, minor, forms, nationality
CASES = {
    1: ("amsterdam", D(2015, 2, 1), False, "S", "nl"),
    2: ("amsterdam", D(2015, 4, 1), True, "SC", "nl"),
    3: ("rotterdam", D(2015, 6, 1), False, "L", "eu"),
    4: ("limburg", D(2015, 9, 1), False, "LS", "non_eu"),
    5: ("amsterdam", D(2016, 1, 15), False, "C", "non_eu"),
    6: ("rotterdam", D(2016, 3, 1), True, "S", "nl"),
    7: ("rotterdam", D(2016, 7, 1), False, "U", "eu"),
    8: ("limburg", D(2016, 10, 1), False, "", "unknown"),
    9: ("amsterdam", D(2017, 1, 10), True, "C", "non_eu"),
    10: ("amsterdam", D(2017, 5, 1), False, "O", "non_eu"),
    11: ("limburg", D(2017, 8, 1), True, "SL", "eu"),
    12: ("rotterdam", D(2017, 12, 1), False, "S", "nl"),
}
FORM_LETTERS = {
    "sexual": "S",
    "labour": "L",
    "criminal": "C",
    "organ_removal": "O",
    "unknown": "U",
}

# case_id, event, date, outcome
EVENTS = [
    (1, "first_police_contact", D(2015, 2, 10), None),
    (1, "complaint_filed", D(2015, 3, 1), None),
    (1, "prosecution_decision", D(2015, 9, 1), "summons"),
    (1, "verdict", D(2016, 5, 1), "conviction"),
    (1, "revictimisation", D(2018, 2, 10), None),
    (2, "first_police_contact", D(2015, 4, 5), None),
    (2, "complaint_filed", D(2015, 5, 1), None),
    (2, "prosecution_decision", D(2015, 10, 1), "summons"),
    (2, "verdict", D(2016, 6, 1), "acquittal"),
    (2, "revictimisation", D(2016, 4, 5), None),
    (3, "first_police_contact", D(2015, 6, 15), None),
    (3, "complaint_filed", D(2015, 7, 1), None),
    (3, "prosecution_decision", D(2016, 1, 10), "dismissal_technical"),
    (4, "revictimisation", D(2021, 9, 1), None),
    (5, "first_police_contact", D(2016, 2, 1), None),
    (5, "complaint_declined", D(2016, 2, 15), "fear_of_retaliation"),
    (5, "prosecution_decision", D(2016, 6, 1), "summons"),
    (5, "verdict", D(2017, 3, 1), "conviction"),
    (5, "verdict", D(2017, 3, 1), "acquittal"),
    (6, "first_police_contact", D(2016, 3, 10), None),
    (6, "complaint_filed", D(2016, 4, 1), None),
    (6, "revictimisation", D(2017, 3, 10), None),
    (7, "first_police_contact", D(2016, 7, 5), None),
    (9, "first_police_contact", D(2017, 2, 1), None),
    (9, "complaint_filed", D(2017, 2, 10), None),
    (9, "prosecution_decision", D(2017, 8, 1), "dismissal_policy"),
    (9, "revictimisation", D(2019, 2, 1), None),
    (10, "revictimisation", D(2017, 5, 1), None),
    (10, "first_police_contact", D(2017, 5, 2), None),
    (10, "complaint_filed", D(2017, 5, 10), None),
    (10, "prosecution_decision", D(2017, 11, 1), "summons"),
    (11, "first_police_contact", D(2017, 9, 1), None),
    (12, "first_police_contact", D(2018, 1, 5), None),
    (12, "complaint_filed", D(2018, 2, 1), None),
    (12, "prosecution_decision", D(2018, 6, 1), "summons"),
    (12, "verdict", D(2019, 1, 15), "conviction"),
    (12, "revictimisation", D(2023, 1, 5), None),
]

# signal_id, unit, received, case_id, converted
SIGNALS = [
    (101, "amsterdam", D(2015, 1, 20), 1, True),
    (102, "amsterdam", D(2015, 3, 25), 2, True),
    (103, "rotterdam", D(2015, 5, 1), None, False),
    (104, "rotterdam", D(2016, 2, 20), 6, True),
    (105, "limburg", D(2016, 5, 1), None, True),  # its case is outside these tables
    (106, "limburg", D(2016, 8, 1), None, False),
    (107, "amsterdam", D(2016, 12, 20), 9, True),
    (108, "rotterdam", D(2017, 3, 1), None, False),
    (109, "limburg", D(2017, 7, 15), 11, True),
]


def cases_frame(cases=CASES) -> pl.DataFrame:
    rows = []
    for case_id, (unit, intake, minor, forms, nationality) in cases.items():
        row = {
            "case_id": case_id,
            "police_unit": unit,
            "intake_date": intake,
            "minor": minor,
            "nationality_group": nationality,
        }
        row |= {f"form_{name}": letter in forms for name, letter in FORM_LETTERS.items()}
        rows.append(row)
    return pl.DataFrame(rows)


def events_frame(events=EVENTS, *, outcome: bool = True) -> pl.DataFrame:
    frame = pl.DataFrame(
        events,
        schema={"case_id": pl.Int64, "event": pl.String, "date": pl.Date, "outcome": pl.String},
        orient="row",
    )
    return frame if outcome else frame.drop("outcome")


def signals_frame(signals=SIGNALS, *, converted: bool = True) -> pl.DataFrame:
    frame = pl.DataFrame(
        signals,
        schema={
            "signal_id": pl.Int64,
            "police_unit": pl.String,
            "received_date": pl.Date,
            "case_id": pl.Int64,
            "converted": pl.Boolean,
        },
        orient="row",
    )
    return frame if converted else frame.drop("converted")


@pytest.fixture(scope="module")
def tables() -> MonitorTables:
    return MonitorTables.build(
        cases=cases_frame(), events=events_frame(), cutoff=CUTOFF, signals=signals_frame()
    )


# --- yearly counts --------------------------------------------------------------------------


def _check_margins(table: CountTable) -> None:
    assert table.counts.dtype == np.int64
    assert table.counts.shape == (len(table.row_labels), len(table.years))
    assert table.row_totals.tolist() == table.counts.sum(axis=1).tolist()
    assert table.column_totals.tolist() == table.counts.sum(axis=0).tolist()
    assert table.cases_per_year.tolist() == [4, 4, 4]
    assert table.total_cases == 12
    with pytest.raises(ValueError):
        table.counts[0, 0] = 99  # read-only


def test_counts_by_form_count_a_case_once_per_form(tables):
    table = yearly_counts(tables, "form")
    assert table.years == (2015, 2016, 2017)
    assert table.col_labels == ("2015", "2016", "2017")
    assert table.row_labels == ("sexual", "labour", "criminal", "organ_removal", "unknown")
    assert table.counts.tolist() == [
        [3, 1, 2],  # sexual: 1, 2, 4 | 6 | 11, 12
        [2, 0, 1],  # labour: 3, 4 | - | 11
        [1, 1, 1],  # criminal: 2 | 5 | 9
        [0, 0, 1],  # organ removal: 10
        [0, 2, 0],  # unknown: 7 (recorded unknown) and 8 (no form)
    ]
    assert table.row_totals.tolist() == [6, 3, 3, 1, 2]
    # case-forms per year (cases 2, 4 and 11 have two forms) ...
    assert table.column_totals.tolist() == [6, 4, 5]
    assert table.grand_total == 15
    # ... and the 'total cases' line counts each case once
    assert table.overlapping
    assert "once in each" in table.note
    _check_margins(table)
    frame = table.to_frame()
    assert frame.columns == ["form", "2015", "2016", "2017", "total"]
    assert frame.row(-1) == ("total_cases", 4, 4, 4, 12)
    assert frame.row(0) == ("sexual", 3, 1, 2, 6)
    assert table.count("sexual", 2017) == 2 and table.count("labour") == 3


def test_counts_by_minor_nationality_and_unit(tables):
    minor = yearly_counts(tables, "minor")
    assert minor.row_labels == ("minor", "adult")
    assert minor.counts.tolist() == [[1, 1, 2], [3, 3, 2]]

    nationality = yearly_counts(tables, "nationality")
    assert nationality.row_labels == ("nl", "eu", "non_eu", "unknown")
    assert nationality.counts.tolist() == [[2, 1, 1], [1, 1, 1], [1, 1, 2], [0, 1, 0]]

    unit = yearly_counts(tables, "police_unit")
    assert unit.row_labels == ("amsterdam", "limburg", "rotterdam")
    assert unit.counts.tolist() == [[2, 1, 2], [1, 1, 1], [1, 2, 1]]

    for table in (minor, nationality, unit):
        _check_margins(table)
        assert not table.overlapping
        # every case in exactly one row: the column totals are the cases per year
        assert table.column_totals.tolist() == table.cases_per_year.tolist()
        assert table.to_frame().height == len(table.row_labels)


def test_a_year_without_cases_is_a_column_of_zeros():
    cases = {k: v for k, v in CASES.items() if v[1].year != 2016}
    events = [e for e in EVENTS if e[0] in cases]
    tables = MonitorTables.build(
        cases=cases_frame(cases), events=events_frame(events), cutoff=CUTOFF
    )
    table = yearly_counts(tables, "minor")
    assert table.years == (2015, 2016, 2017)
    assert table.counts.tolist() == [[1, 0, 2], [3, 0, 2]]
    assert table.cases_per_year.tolist() == [4, 0, 4]


def test_count_tables_feed_disclosure_control(tables):
    table = yearly_counts(tables, "form")
    protected = protect_table(
        table.counts, table.row_labels, table.col_labels, DisclosurePolicy(min_cell=3)
    )
    assert protected.shape == table.counts.shape
    for i, row in enumerate(protected.values):
        for j, value in enumerate(row):
            assert value is None or value == table.counts[i, j]
            assert value is None or value == 0 or value >= 3


def test_unknown_breakdown_is_refused(tables):
    with pytest.raises(StatsInputError, match="by must be one of"):
        yearly_counts(tables, "gender")
    with pytest.raises(StatsInputError, match="no row"):
        yearly_counts(tables, "minor").count("child", 2015)
    with pytest.raises(StatsInputError, match="no year"):
        yearly_counts(tables, "minor").count("minor", 2014)


# --- the chain funnel -----------------------------------------------------------------------

# Per stage after 'cases': (reached, recorded), by hand from the fixture table.
FUNNEL_BY_HAND = {
    2015: {
        "cases": (4, 4),
        "police_contact": (3, 3),  # 1, 2, 3
        "complaint": (3, 3),
        "prosecution_decision": (3, 3),
        "summons": (2, 2),  # 1, 2 (3 dismissed)
        "conviction": (1, 1),  # 1 (2 acquitted)
    },
    2016: {
        "cases": (4, 4),
        "police_contact": (3, 3),  # 5, 6, 7
        "complaint": (2, 1),  # 6 filed one; 5 reached the stage through its prosecution
        "prosecution_decision": (1, 1),  # 5
        "summons": (1, 1),
        "conviction": (1, 1),  # 5 (and an acquittal of another suspect)
    },
    2017: {
        "cases": (4, 4),
        "police_contact": (4, 4),  # 9, 10, 11, 12 (12's contact is in 2018: intake year counts)
        "complaint": (3, 3),  # 9, 10, 12
        "prosecution_decision": (3, 3),
        "summons": (2, 2),  # 10, 12 (9 dismissed)
        "conviction": (1, 1),  # 12 (10 awaits its verdict)
    },
    None: {
        "cases": (12, 12),
        "police_contact": (10, 10),
        "complaint": (8, 7),
        "prosecution_decision": (7, 7),
        "summons": (5, 5),
        "conviction": (3, 3),
    },
}
SHARES_BY_HAND = {
    2015: (None, 3 / 4, 3 / 3, 3 / 3, 2 / 3, 1 / 2),
    2016: (None, 3 / 4, 2 / 3, 1 / 2, 1 / 1, 1 / 1),
    2017: (None, 4 / 4, 3 / 4, 3 / 3, 2 / 3, 1 / 2),
    None: (None, 10 / 12, 8 / 10, 7 / 8, 5 / 7, 3 / 5),
}


@pytest.mark.parametrize("year", [2015, 2016, 2017, None])
def test_funnel_counts_and_shares_by_hand(tables, year):
    funnel = chain_funnel(tables)
    row = funnel.year(year)
    assert tuple(stage.code for stage in row.stages) == FUNNEL_STAGES
    got = {stage.code: (stage.reached, stage.recorded) for stage in row.stages}
    assert got == FUNNEL_BY_HAND[year]
    for stage, share in zip(row.stages, SHARES_BY_HAND[year], strict=True):
        assert stage.share == pytest.approx(share) if share is not None else stage.share is None
    reached = [stage.reached for stage in row.stages]
    assert reached == sorted(reached, reverse=True)  # nested


def test_funnel_verdict_outcomes(tables):
    funnel = chain_funnel(tables)
    assert funnel.year(2015).verdicts == (("conviction", 1), ("acquittal", 1), ("discharge", 0))
    assert funnel.year(2016).verdicts == (("conviction", 1), ("acquittal", 1), ("discharge", 0))
    assert funnel.year(2017).verdicts == (("conviction", 1), ("acquittal", 0), ("discharge", 0))
    assert funnel.total.verdict_count("conviction") == 3
    assert funnel.total.verdict_count("acquittal") == 2


def test_funnel_signal_stage(tables):
    funnel = chain_funnel(tables)
    assert funnel.has_signals and funnel.has_outcomes
    by_year = {
        year: (s.signals, s.converted, s.cases_from_signal)
        for year in (2015, 2016, 2017, None)
        for s in [funnel.year(year).signals]
    }
    assert by_year == {
        2015: (3, 2, 2),  # 101, 102 -> cases 1, 2
        2016: (4, 3, 1),  # 104 -> 6, 105 out of scope, 107 -> 9 (a 2017 case)
        2017: (2, 1, 2),  # 109 -> 11; cases 9 and 11 of 2017 started as a signal
        None: (9, 6, 5),
    }
    assert funnel.total.signals.converted_share == pytest.approx(6 / 9)


def test_funnel_signals_argument_and_default_conversion(tables):
    bare = dataclasses.replace(tables, signals=None)
    assert chain_funnel(bare).year(2015).signals is None
    # without a 'converted' column a signal converted when it has a case in the tables
    funnel = chain_funnel(bare, signals=signals_frame(converted=False))
    assert funnel.year(2016).signals.converted == 2  # 105 no longer counts
    assert funnel.total.signals.signals == 9


def test_signal_years_extend_the_funnel():
    signals = signals_frame([(1, "amsterdam", D(2014, 12, 1), None, False)])
    tables = MonitorTables.build(
        cases=cases_frame(), events=events_frame(), cutoff=CUTOFF, signals=signals
    )
    funnel = chain_funnel(tables)
    assert [row.year for row in funnel.years] == [2014, 2015, 2016, 2017]
    assert funnel.year(2014).cases == 0
    assert funnel.year(2014).stage("police_contact").share is None  # 0 / 0
    assert funnel.year(2014).signals.signals == 1


def test_without_outcomes_summons_and_conviction_are_unknown():
    tables = MonitorTables.build(
        cases=cases_frame(), events=events_frame(outcome=False), cutoff=CUTOFF
    )
    funnel = chain_funnel(tables)
    assert not funnel.has_outcomes and not funnel.has_signals
    total = funnel.total
    assert total.stage("prosecution_decision").reached == 7
    assert total.stage("complaint").reached == 8
    for code in ("summons", "conviction"):
        stage = total.stage(code)
        assert stage.reached is None and stage.recorded is None and stage.share is None
    assert total.verdicts == ()
    assert "cannot be counted" in funnel.note


# --- repeat victimisation -------------------------------------------------------------------

# Index date (contact, else intake) and first revictimisation on or after it (None: censored).
INDEX = {
    1: (D(2015, 2, 10), D(2018, 2, 10)),
    2: (D(2015, 4, 5), D(2016, 4, 5)),
    3: (D(2015, 6, 15), None),
    4: (D(2015, 9, 1), D(2021, 9, 1)),
    5: (D(2016, 2, 1), None),
    6: (D(2016, 3, 10), D(2017, 3, 10)),
    7: (D(2016, 7, 5), None),
    8: (D(2016, 10, 1), None),
    9: (D(2017, 2, 1), D(2019, 2, 1)),
    10: (D(2017, 5, 2), None),  # the revictimisation of 2017-05-01 precedes the index date
    11: (D(2017, 9, 1), None),
    12: (D(2018, 1, 5), D(2023, 1, 5)),
}


def _hand_durations():
    rows = []
    for case_id, (index, again) in INDEX.items():
        end = again or CUTOFF
        rows.append((case_id, CASES[case_id][2], (end - index).days, again is not None))
    return rows


def test_durations_by_hand(tables):
    frame = repeat_durations(tables)
    got = list(
        zip(
            *(frame.get_column(c).to_list() for c in ("case_id", "minor", "days", "observed")),
            strict=True,
        )
    )
    assert got == _hand_durations()
    # the literal values behind the hand KM below
    assert dict(zip(frame["case_id"], frame["days"], strict=True)) == {
        1: 1096,
        2: 366,
        3: 3303,
        4: 2192,
        5: 3072,
        6: 365,
        7: 2917,
        8: 2829,
        9: 730,
        10: 2616,
        11: 2494,
        12: 1826,
    }
    assert horizon_days(5) == 1826 and horizon_days(7) == 2557


def test_repeat_victimisation_by_hand(tables):
    result = repeat_victimisation(tables)
    overall = result.overall
    assert (overall.group, overall.n, overall.n_events, overall.n_censored) == ("all", 12, 6, 6)
    # 5 years: events at 365, 366, 730, 1096, 1826 with 12, 11, 10, 9, 8 at risk:
    # S = 11/12 · 10/11 · 9/10 · 8/9 · 7/8 = 7/12 (case 12 at exactly 1,826 days counts)
    five = overall.at(5)
    assert five.days == 1826
    assert five.estimate.estimate == pytest.approx(5 / 12, abs=EXACT)
    assert (five.at_risk, five.events) == (8, 5)
    # 7 years: and 2192 with 7 at risk: S = 7/12 · 6/7 = 1/2; censoring at 2494 changes nothing
    seven = overall.at(7)
    assert seven.estimate.estimate == pytest.approx(1 / 2, abs=EXACT)
    assert (seven.at_risk, seven.events) == (5, 6)
    for horizon in (five, seven):
        assert horizon.estimate.low < horizon.estimate.estimate < horizon.estimate.high
        assert horizon.reason == ""

    minor = result.group("minor")  # 2 (366), 6 (365), 9 (730) revictimised; 11 censored 2494
    assert (minor.n, minor.n_events) == (4, 3)
    assert minor.at(5).estimate.estimate == pytest.approx(1 - 3 / 4 * 2 / 3 * 1 / 2, abs=EXACT)
    # nobody of the minors is followed up for 7 years (longest: 2,494 days): unknown
    assert minor.at(7).estimate is None
    assert "nobody was followed up" in minor.at(7).reason

    adult = result.group("adult")  # events 1096 (8 at risk), 1826 (7), 2192 (6)
    assert (adult.n, adult.n_events) == (8, 3)
    assert adult.at(5).estimate.estimate == pytest.approx(1 - 7 / 8 * 6 / 7, abs=EXACT)
    assert adult.at(7).estimate.estimate == pytest.approx(1 - 7 / 8 * 6 / 7 * 5 / 6, abs=EXACT)
    assert result.n_excluded == 0 and result.cutoff == CUTOFF
    with pytest.raises(StatsInputError):
        result.group("child")
    with pytest.raises(StatsInputError):
        overall.at(10)


def _lifelines_incidence(durations, observed, t):
    kmf = KaplanMeierFitter().fit(durations, observed)
    s = float(kmf.survival_function_at_times(t).iloc[0])
    band = kmf.confidence_interval_survival_function_
    row = band[band.index <= t].iloc[-1]
    low, high = float(row.iloc[0]), float(row.iloc[1])
    return 1 - s, 1 - high, 1 - low


@pytest.mark.parametrize("group", ["all", "minor", "adult"])
@pytest.mark.parametrize("years", [5, 7])
def test_repeat_victimisation_agrees_with_lifelines(tables, group, years):
    rows = _hand_durations()
    if group != "all":
        rows = [r for r in rows if r[1] == (group == "minor")]
    durations = np.array([r[2] for r in rows], dtype=float)
    observed = np.array([r[3] for r in rows])
    horizon = repeat_victimisation(tables).group(group).at(years)
    if horizon.estimate is None:  # minors at 7 years: lifelines would carry the curve forward
        assert durations.max() < horizon_days(years)
        return
    estimate, low, high = _lifelines_incidence(durations, observed, horizon_days(years))
    assert horizon.estimate.estimate == pytest.approx(estimate, abs=1e-9)
    assert horizon.estimate.low == pytest.approx(low, abs=1e-9)
    assert horizon.estimate.high == pytest.approx(high, abs=1e-9)


def test_repeat_victimisation_tiny_case_by_hand():
    """Three adults, index = intake; cut-off 2024-01-01. Case 1 revictimised after 100 days,
    case 2 censored at 300 days (intake 2023-03-07), case 3 revictimised after 200 days.
    With a horizon of 250 days: S = (2/3)·(1/2) = 1/3; Greenwood Σ d/(n(n-d)) = 1/6 + 1/2."""
    cases = {
        1: ("amsterdam", D(2022, 1, 1), False, "S", "nl"),
        2: ("amsterdam", D(2023, 3, 7), False, "S", "nl"),
        3: ("amsterdam", D(2022, 6, 1), False, "S", "nl"),
    }
    events = [
        (1, "revictimisation", D(2022, 1, 1) + dt.timedelta(days=100), None),
        (3, "revictimisation", D(2022, 6, 1) + dt.timedelta(days=200), None),
    ]
    tables = MonitorTables.build(
        cases=cases_frame(cases), events=events_frame(events), cutoff=D(2024, 1, 1)
    )
    assert repeat_durations(tables).get_column("days").to_list() == [100, 300, 200]
    years = 250 / 365.25
    horizon = repeat_victimisation(tables, horizons=[years]).overall.at(years)
    assert horizon.days == 250
    s = 1 / 3
    z = sps.norm.ppf(0.975)
    v = math.log(s)
    spread = z * math.sqrt(1 / 6 + 1 / 2) / v
    s_low = math.exp(-math.exp(math.log(-v) - spread))
    s_high = math.exp(-math.exp(math.log(-v) + spread))
    assert horizon.estimate.estimate == pytest.approx(1 - s, abs=EXACT)
    assert horizon.estimate.low == pytest.approx(1 - s_high, abs=EXACT)
    assert horizon.estimate.high == pytest.approx(1 - s_low, abs=EXACT)
    assert (horizon.at_risk, horizon.events) == (1, 2)


def test_no_follow_up_and_no_cases():
    # index date after the cut-off: left out of the follow-up, counted as excluded
    cases = {1: ("amsterdam", D(2024, 5, 1), False, "S", "nl")}
    tables = MonitorTables.build(
        cases=cases_frame(cases), events=events_frame([]), cutoff=D(2024, 4, 30)
    )
    result = repeat_victimisation(tables)
    assert result.n_excluded == 1 and result.overall.n == 0
    assert result.overall.at(5).estimate is None and result.overall.at(5).reason == "no cases"

    empty = MonitorTables.build(
        cases=cases_frame().clear(),
        events=events_frame([]),
        cutoff=CUTOFF,
    )
    report = build_monitor(empty)
    assert report.n_cases == 0
    assert report.by_form.years == () and report.by_form.counts.shape == (5, 0)
    assert report.funnel.years == () and report.funnel.total.cases == 0
    assert report.repeat_victimisation.overall.at(7).estimate is None


def test_repeat_victimisation_arguments(tables):
    with pytest.raises(StatsInputError, match="horizons"):
        repeat_victimisation(tables, horizons=[0])
    with pytest.raises(StatsInputError, match="confidence"):
        repeat_victimisation(tables, confidence=1.5)


# --- the report -----------------------------------------------------------------------------


def test_build_monitor_bundles_the_figures(tables):
    report = build_monitor(tables)
    assert isinstance(report, MonitorReport)
    assert report.cutoff == CUTOFF and report.n_cases == 12
    assert report.counts("form").counts.tolist() == yearly_counts(tables, "form").counts.tolist()
    assert report.counts("police_unit") is report.by_police_unit
    assert report.funnel.total.stage("conviction").reached == 3
    assert report.repeat_victimisation.overall.at(7).estimate.estimate == pytest.approx(0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.n_cases = 13
    with pytest.raises(StatsInputError):
        report.counts("gender")
    with pytest.raises(StatsInputError, match="MonitorTables"):
        build_monitor(cases_frame())


@pytest.fixture
def evaluation() -> EvaluationTables:
    """The fixture as the evaluation holds it: no nationality, no organ removal / unknown forms,
    the first date of each event without outcomes (and no revictimisation)."""
    firsts = (
        events_frame(outcome=False)
        .filter(pl.col("event") != "revictimisation")
        .group_by("case_id", "event")
        .agg(pl.col("date").min())
    )
    return EvaluationTables.build(
        cases=cases_frame().drop("nationality_group", "form_organ_removal", "form_unknown"),
        events=firsts,
        deliveries=pl.DataFrame(
            schema={
                "case_id": pl.Int64,
                "intervention": pl.String,
                "date": pl.Date,
                "delivered": pl.Boolean,
            }
        ),
        deployments=pl.DataFrame(
            schema={
                "intervention": pl.String,
                "police_unit": pl.String,
                "start": pl.Date,
                "end": pl.Date,
            }
        ),
        cutoff=CUTOFF,
    )


def test_from_evaluation_tables(evaluation, tables):
    extra = cases_frame().select(
        "case_id", "nationality_group", "form_organ_removal", "form_unknown"
    )
    outcomes = events_frame().filter(
        pl.col("event").is_in(["prosecution_decision", "verdict", "revictimisation"])
    )
    rebuilt = MonitorTables.from_evaluation(
        evaluation,
        extra.filter(pl.col("case_id") != 8),
        outcomes=outcomes,
        replace=["prosecution_decision", "verdict", "revictimisation"],
        signals=signals_frame(),
    )
    assert rebuilt.has_outcomes
    # case 8 had no extra row: nationality unknown, no organ removal / unknown form (it has none)
    assert yearly_counts(rebuilt, "nationality").counts.tolist() == [
        [2, 1, 1],
        [1, 1, 1],
        [1, 1, 2],
        [0, 1, 0],
    ]
    assert (
        yearly_counts(rebuilt, "form").counts.tolist()
        == yearly_counts(tables, "form").counts.tolist()
    )
    expected = build_monitor(tables)
    got = build_monitor(rebuilt)
    for year in (2015, 2016, 2017, None):
        assert got.funnel.year(year) == expected.funnel.year(year)
    for group in ("all", "minor", "adult"):
        assert got.repeat_victimisation.group(group) == expected.repeat_victimisation.group(group)


def test_from_evaluation_without_outcomes_or_extra_columns(evaluation):
    tables = MonitorTables.from_evaluation(
        evaluation, cases_frame().select("case_id", "nationality_group")
    )
    assert not tables.has_outcomes
    assert chain_funnel(tables).total.stage("conviction").reached is None
    assert yearly_counts(tables, "form").count("organ_removal") == 0
    with pytest.raises(StatsInputError, match="case_extra needs"):
        MonitorTables.from_evaluation(evaluation, cases_frame().select("case_id"))
    with pytest.raises(StatsInputError, match="not unique"):
        MonitorTables.from_evaluation(
            evaluation,
            pl.concat([cases_frame(), cases_frame()]).select("case_id", "nationality_group"),
        )
    with pytest.raises(StatsInputError, match="outcome column"):
        MonitorTables.from_evaluation(
            evaluation,
            cases_frame().select("case_id", "nationality_group"),
            outcomes=events_frame(outcome=False),
        )


# --- input validation -----------------------------------------------------------------------


def _build(**changes):
    kwargs = {
        "cases": cases_frame(),
        "events": events_frame(),
        "cutoff": CUTOFF,
        "signals": signals_frame(),
    }
    kwargs.update(changes)
    return MonitorTables.build(**kwargs)


def test_optional_form_columns_default_to_false():
    tables = _build(cases=cases_frame().drop("form_organ_removal", "form_unknown"))
    counts = yearly_counts(tables, "form").counts.tolist()
    assert counts[3] == [0, 0, 0]  # organ removal
    assert counts[4] == [0, 2, 1]  # 7 and 8 (no form now) and 10 (organ removal not recorded)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cases": cases_frame().drop("nationality_group")}, "lacks column.*nationality_group"),
        ({"cases": cases_frame().drop("form_labour")}, "lacks column.*form_labour"),
        (
            {"cases": cases_frame().with_columns(pl.lit("x").alias("intake_date"))},
            "wrong type",
        ),
        (
            {
                "cases": cases_frame().with_columns(
                    pl.when(pl.col("case_id") == 3)
                    .then(None)
                    .otherwise(pl.col("minor"))
                    .alias("minor")
                )
            },
            "'minor' is empty in 1 row",
        ),
        (
            {"cases": pl.concat([cases_frame(), cases_frame().head(1)])},
            "case_id is not unique",
        ),
        (
            {
                "cases": cases_frame().with_columns(
                    pl.when(pl.col("case_id") == 3)
                    .then(pl.lit("dutch"))
                    .otherwise(pl.col("nationality_group"))
                    .alias("nationality_group")
                )
            },
            "nationality_group must be one of",
        ),
        ({"events": events_frame([(99, "verdict", D(2020, 1, 1), "conviction")])}, "unknown cases"),
        (
            {"events": events_frame([(1, "verdict", D(2024, 7, 1), "conviction")])},
            "after the cut-off",
        ),
        ({"events": events_frame().drop("date")}, "lacks column.*date"),
        ({"events": "not a frame"}, "must be a polars DataFrame"),
        ({"signals": signals_frame().drop("received_date")}, "lacks column.*received_date"),
        (
            {"signals": signals_frame([*SIGNALS, (101, "amsterdam", D(2016, 1, 1), None, False)])},
            "signal_id is not unique",
        ),
        (
            {"signals": signals_frame([(1, "amsterdam", D(2016, 1, 1), 99, True)])},
            "linked to unknown cases",
        ),
        (
            {"signals": signals_frame([(1, "amsterdam", D(2016, 1, 1), 1, False)])},
            "not marked converted",
        ),
        (
            {"signals": signals_frame([(1, "amsterdam", D(2024, 7, 1), None, False)])},
            "received after the cut-off",
        ),
        ({"cutoff": "2024-06-30"}, "cutoff must be a date"),
    ],
)
def test_input_validation(changes, message):
    with pytest.raises(StatsInputError, match=message):
        _build(**changes)


def test_chain_funnel_validates_its_signals_argument(tables):
    with pytest.raises(StatsInputError, match="linked to unknown cases"):
        chain_funnel(tables, signals=signals_frame([(1, "amsterdam", D(2016, 1, 1), 99, True)]))

"""The measures of DESIGN §6 (stats.outcomes) and the input checks (stats.tables), on a hand-built
fixture of ten cases. Every expected value below is worked out by hand from the fixture; the code
under test only computes the actual values.

Data cut-off C = 2024-06-30, horizon 180 days (C - 180 days = 2024-01-02).

Units N and Z. Case (unit, intake; events as days after the index date X):
  1 N intake 2023-01-01; contact 2023-01-10 = X; contact again X+30 (ignored); complaint X+180
    (the horizon's last day: counts); complaint again X+200 (ignored); prosecution X+240; trial
    X+340; verdict X+360.
  2 N intake 2023-02-01 = X (no police contact); other cooperation X+20; complaint X+181 (one day
    late: no); no prosecution yet, so complaint→prosecution is censored at C.
  3 Z intake 2023-03-01; contact 2023-03-04 = X; RC hearing X+50; no complaint (censored at C).
  4 Z intake 2023-04-01, contact the same day = X; withdrawal X+40; complaint X+60 (after the
    withdrawal: time to complaint censored at the withdrawal).
  5 N intake 2023-04-20; contact 2023-05-01 = X; complaint X+10; withdrawal X+70 (dropout).
  6 Z intake 2023-06-01; contact 2023-06-03 = X; complaint X+30; case closed X+130.
  7 N intake 2024-01-02 = X = C-180 (no events at all): followed up exactly 180 days.
  8 N intake 2023-04-15; contact 2024-01-03 = X = C-179 (not followed up long enough); complaint
    X+170; an informative interview (not an outcome event).
  9 Z intake and contact 2023-07-01 = X; complaint and withdrawal both X+5.
 10 N intake 2023-05-02 = X (no events).

Deployments: psy N 2023-01-10..2023-05-01 and (overlapping) psy N 2023-01-01..2023-01-31; psy Z
from 2023-06-03, open; peer Z 2023-01-01..2023-03-04; "coach" has deliveries but no deployment.
Deliveries: psy case 1 delivered; psy case 5 NOT delivered; psy case 6 delivered (twice);
peer case 3 delivered; coach case 2 delivered.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.outcomes import case_outcomes, exposures, first_dates
from inbeeld.stats.tables import EvaluationTables

D = dt.date
C = D(2024, 6, 30)
HORIZON = 180


def plus(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


# index dates, by hand
X = {
    1: D(2023, 1, 10),
    2: D(2023, 2, 1),
    3: D(2023, 3, 4),
    4: D(2023, 4, 1),
    5: D(2023, 5, 1),
    6: D(2023, 6, 3),
    7: D(2024, 1, 2),
    8: D(2024, 1, 3),
    9: D(2023, 7, 1),
    10: D(2023, 5, 2),
}

CASES = [
    # case_id, unit, intake, minor, sexual, labour, criminal
    (1, "N", D(2023, 1, 1), False, True, False, False),
    (2, "N", D(2023, 2, 1), True, False, True, False),
    (3, "Z", D(2023, 3, 1), False, True, True, False),
    (4, "Z", D(2023, 4, 1), False, False, False, True),
    (5, "N", D(2023, 4, 20), False, True, False, False),
    (6, "Z", D(2023, 6, 1), True, True, False, False),
    (7, "N", D(2024, 1, 2), False, False, True, False),
    (8, "N", D(2023, 4, 15), False, True, False, False),
    (9, "Z", D(2023, 7, 1), False, True, False, False),
    (10, "N", D(2023, 5, 2), False, False, False, True),
]

EVENTS = [
    (1, "first_police_contact", X[1]),
    (1, "first_police_contact", plus(X[1], 30)),
    (1, "complaint_filed", plus(X[1], 180)),
    (1, "complaint_filed", plus(X[1], 200)),
    (1, "prosecution_decision", plus(X[1], 240)),
    (1, "trial_hearing", plus(X[1], 340)),
    (1, "verdict", plus(X[1], 360)),
    (2, "other_cooperation", plus(X[2], 20)),
    (2, "complaint_filed", plus(X[2], 181)),
    (3, "first_police_contact", X[3]),
    (3, "rc_hearing", plus(X[3], 50)),
    (4, "first_police_contact", X[4]),
    (4, "withdrawal_from_process", plus(X[4], 40)),
    (4, "complaint_filed", plus(X[4], 60)),
    (5, "first_police_contact", X[5]),
    (5, "complaint_filed", plus(X[5], 10)),
    (5, "withdrawal_from_process", plus(X[5], 70)),
    (6, "first_police_contact", X[6]),
    (6, "complaint_filed", plus(X[6], 30)),
    (6, "case_closed", plus(X[6], 130)),
    (8, "informative_interview", D(2023, 12, 1)),
    (8, "first_police_contact", X[8]),
    (8, "complaint_filed", plus(X[8], 170)),
    (9, "first_police_contact", X[9]),
    (9, "complaint_filed", plus(X[9], 5)),
    (9, "withdrawal_from_process", plus(X[9], 5)),
]

DELIVERIES = [
    (1, "psy", D(2023, 1, 20), True),
    (5, "psy", D(2023, 5, 3), False),
    (6, "psy", D(2023, 6, 10), True),
    (6, "psy", D(2023, 6, 20), True),
    (3, "peer", D(2023, 3, 10), True),
    (2, "coach", D(2023, 2, 5), True),
]

DEPLOYMENTS = [
    ("psy", "N", D(2023, 1, 10), D(2023, 5, 1)),
    ("psy", "N", D(2023, 1, 1), D(2023, 1, 31)),
    ("psy", "Z", D(2023, 6, 3), None),
    ("peer", "Z", D(2023, 1, 1), D(2023, 3, 4)),
]

CASE_SCHEMA = {
    "case_id": pl.Int64,
    "police_unit": pl.String,
    "intake_date": pl.Date,
    "minor": pl.Boolean,
    "form_sexual": pl.Boolean,
    "form_labour": pl.Boolean,
    "form_criminal": pl.Boolean,
}
EVENT_SCHEMA = {"case_id": pl.Int64, "event": pl.String, "date": pl.Date}
DELIVERY_SCHEMA = {
    "case_id": pl.Int64,
    "intervention": pl.String,
    "date": pl.Date,
    "delivered": pl.Boolean,
}
DEPLOYMENT_SCHEMA = {
    "intervention": pl.String,
    "police_unit": pl.String,
    "start": pl.Date,
    "end": pl.Date,
}


def frames(cases=CASES, events=EVENTS, deliveries=DELIVERIES, deployments=DEPLOYMENTS) -> dict:
    return {
        "cases": pl.DataFrame(cases, schema=CASE_SCHEMA, orient="row"),
        "events": pl.DataFrame(events, schema=EVENT_SCHEMA, orient="row"),
        "deliveries": pl.DataFrame(deliveries, schema=DELIVERY_SCHEMA, orient="row"),
        "deployments": pl.DataFrame(deployments, schema=DEPLOYMENT_SCHEMA, orient="row"),
    }


def build(cutoff: dt.date = C, **overrides) -> EvaluationTables:
    return EvaluationTables.build(**{**frames(), **overrides}, cutoff=cutoff)


@pytest.fixture(scope="module")
def tables() -> EvaluationTables:
    return build()


@pytest.fixture(scope="module")
def outcomes(tables) -> dict[int, dict]:
    frame = case_outcomes(tables, horizon_days=HORIZON)
    assert frame.height == len(CASES)
    return {row["case_id"]: row for row in frame.iter_rows(named=True)}


# --- index date, follow-up, willingness to report -------------------------------------------


def test_index_date_is_first_police_contact_else_intake(outcomes):
    for case_id, day in X.items():
        assert outcomes[case_id]["index_date"] == day, case_id
    # case 8's intake (2023-04-15) is long before its contact: the contact is the index date
    assert outcomes[8]["intake_date"] == D(2023, 4, 15)


def test_only_the_first_occurrence_counts(tables):
    firsts = {row["case_id"]: row for row in first_dates(tables).iter_rows(named=True)}
    assert firsts[1]["first_police_contact"] == D(2023, 1, 10)
    assert firsts[1]["complaint_filed"] == D(2023, 7, 9)  # X+180, not X+200
    assert firsts[2]["first_police_contact"] is None
    assert firsts[2]["complaint_filed"] == D(2023, 8, 1)
    assert 7 not in firsts and 10 not in firsts  # no events at all
    assert "informative_interview" not in first_dates(tables).columns


@pytest.mark.parametrize(
    ("case_id", "complete"),
    [
        (1, True),
        (2, True),
        (3, True),
        (4, True),
        (5, True),
        (6, True),
        (7, True),  # index = C - 180: the horizon ends on the cut-off itself
        (8, False),  # index = C - 179: one day short
        (9, True),
        (10, True),
    ],
)
def test_complete_followup_at_the_cutoff(outcomes, case_id, complete):
    assert outcomes[case_id]["complete_followup"] is complete


@pytest.mark.parametrize(
    ("case_id", "within"),
    [
        (1, True),  # complaint on day 180: counts
        (2, False),  # complaint on day 181: does not
        (3, False),  # no complaint
        (4, True),  # complaint on day 60 (after a withdrawal, but filed within the horizon)
        (5, True),
        (6, True),
        (7, False),
        (8, True),  # day 170, although follow-up is incomplete (left out of the share)
        (9, True),
        (10, False),
    ],
)
def test_complaint_within_the_horizon(outcomes, case_id, within):
    assert outcomes[case_id]["complaint_within"] is within


def test_the_horizon_is_a_parameter(tables):
    rows = {r["case_id"]: r for r in case_outcomes(tables, horizon_days=181).iter_rows(named=True)}
    assert rows[2]["complaint_within"] is True  # day 181 now counts
    assert rows[7]["complete_followup"] is False  # C - 180 + 181 > C
    rows = {r["case_id"]: r for r in case_outcomes(tables, horizon_days=30).iter_rows(named=True)}
    assert [c for c in sorted(rows) if rows[c]["complaint_within"]] == [5, 6, 9]


@pytest.mark.parametrize(
    ("case_id", "cooperation"),
    [
        (1, True),  # complaint
        (2, True),  # other cooperation on day 20 (its complaint on day 181 is too late)
        (3, True),  # RC hearing on day 50
        (4, True),
        (5, True),
        (6, True),
        (7, False),
        (8, True),
        (9, True),
        (10, False),
    ],
)
def test_any_cooperation(outcomes, case_id, cooperation):
    assert outcomes[case_id]["cooperation_within"] is cooperation


# --- time to complaint and dropout -----------------------------------------------------------


@pytest.mark.parametrize(
    ("case_id", "days", "observed"),
    [
        (1, 180, True),
        (2, 181, True),
        (3, 484, False),  # censored at the cut-off: 2023-03-04 → 2024-06-30
        (4, 40, False),  # complaint after the withdrawal: censored at the withdrawal
        (5, 10, True),
        (6, 30, True),
        (7, 180, False),  # censored at the cut-off
        (8, 170, True),
        (9, 5, True),  # complaint on the day of the withdrawal: seen
        (10, 425, False),  # 2023-05-02 → 2024-06-30
    ],
)
def test_time_to_complaint_with_censoring(outcomes, case_id, days, observed):
    row = outcomes[case_id]
    assert (row["complaint_days"], row["complaint_observed"]) == (days, observed)


@pytest.mark.parametrize(
    ("case_id", "days", "event"),
    [
        (1, 180, 1),
        (2, 181, 1),
        (3, 484, 0),  # censored at the cut-off
        (4, 40, 2),  # withdrawal before the complaint: a competing event, not censoring
        (5, 10, 1),
        (6, 30, 1),  # complaint before the closure
        (7, 180, 0),
        (8, 170, 1),
        (9, 5, 1),  # complaint on the day of the withdrawal counts as the complaint
        (10, 425, 0),
    ],
)
def test_time_to_complaint_with_competing_events(outcomes, case_id, days, event):
    """Issue 12 item 3: withdrawal and closure without a complaint compete (event 2)."""
    row = outcomes[case_id]
    assert (row["complaint_event_days"], row["complaint_event"]) == (days, event)


@pytest.mark.parametrize(
    ("case_id", "dropout"),
    [(1, False), (2, False), (3, False), (4, False), (5, True), (6, False), (9, True)],
)
def test_dropout_after_the_complaint(outcomes, case_id, dropout):
    # 4: the withdrawal came BEFORE the complaint; 9: withdrawal on the complaint's day counts
    assert outcomes[case_id]["dropout_after_complaint"] is dropout


# --- lead times ------------------------------------------------------------------------------

STAGE_EXPECTED = {
    # case: {stage: (days, observed)}; None = start milestone never reached
    1: {
        "contact_complaint": (180, True),
        "complaint_prosecution": (60, True),
        "prosecution_trial": (100, True),
        "trial_verdict": (20, True),
        "contact_verdict": (360, True),
    },
    2: {
        "contact_complaint": None,  # no police contact
        "complaint_prosecution": (334, False),  # 2023-08-01 → cut-off 2024-06-30
        "prosecution_trial": None,
        "trial_verdict": None,
        "contact_verdict": None,
    },
    3: {
        "contact_complaint": (484, False),  # censored at the cut-off
        "complaint_prosecution": None,
        "contact_verdict": (484, False),
    },
    4: {
        "contact_complaint": (60, True),  # the step happened (descriptive lead time)
        "complaint_prosecution": (0, False),  # withdrawal before the complaint: clipped at 0
        "contact_verdict": (40, False),  # censored at the withdrawal
    },
    5: {
        "contact_complaint": (10, True),
        "complaint_prosecution": (60, False),  # censored at the withdrawal X+70
        "contact_verdict": (70, False),
    },
    6: {
        "contact_complaint": (30, True),
        "complaint_prosecution": (100, False),  # censored at the closure X+130
        "prosecution_trial": None,
        "contact_verdict": (130, False),
    },
    7: {stage: None for stage in ("contact_complaint", "complaint_prosecution", "contact_verdict")},
    8: {
        "contact_complaint": (170, True),
        "complaint_prosecution": (9, False),  # 2024-06-21 → cut-off
        "contact_verdict": (179, False),
    },
    9: {
        "contact_complaint": (5, True),
        "complaint_prosecution": (0, False),  # withdrawn the same day
        "contact_verdict": (5, False),
    },
}


@pytest.mark.parametrize(
    ("case_id", "stage", "expected"),
    [
        (case_id, stage, expected)
        for case_id, stages in STAGE_EXPECTED.items()
        for stage, expected in stages.items()
    ],
)
def test_lead_time_stages_observed_or_censored(outcomes, case_id, stage, expected):
    row = outcomes[case_id]
    if expected is None:
        assert row[f"{stage}_days"] is None
        assert row[f"{stage}_observed"] is False
    else:
        assert (row[f"{stage}_days"], row[f"{stage}_observed"]) == expected


def test_covariates_are_carried_through(outcomes):
    assert outcomes[2]["minor"] is True and outcomes[1]["minor"] is False
    assert outcomes[3]["form_sexual"] and outcomes[3]["form_labour"]
    assert not outcomes[3]["form_criminal"]
    assert outcomes[4]["police_unit"] == "Z"


# --- exposures -------------------------------------------------------------------------------

# (intervention, case) → (itt, delivered); every other pair is (False, False)
EXPOSED = {
    ("psy", 1): (True, True),  # index = the deployment's first day (two overlapping deployments)
    ("psy", 2): (True, False),
    ("psy", 5): (True, False),  # index = the deployment's last day; its delivery failed
    ("psy", 6): (True, True),  # Z opened on its index date; two deliveries, one row
    ("psy", 9): (True, False),  # open end
    ("peer", 3): (True, True),  # index = the last day of the peer deployment
    ("coach", 2): (False, True),  # delivered without any deployment
}


def test_exposures_itt_by_unit_and_index_date_and_delivered(tables, outcomes):
    frame = exposures(tables, case_outcomes(tables, horizon_days=HORIZON))
    assert frame.columns == ["case_id", "intervention", "itt", "delivered"]
    assert frame.height == 10 * 3  # every case × {coach, peer, psy}: no duplicate rows
    got = {(r["intervention"], r["case_id"]): (r["itt"], r["delivered"]) for r in frame.to_dicts()}
    expected = {
        (code, case_id): EXPOSED.get((code, case_id), (False, False))
        for code in ("coach", "peer", "psy")
        for case_id in range(1, 11)
    }
    assert got == expected
    # in words: case 8's intake lies in the N window but its index date does not; case 10's
    # intake is the day after the window; case 4 is in Z before the psy deployment opened.
    assert got[("psy", 8)] == got[("psy", 10)] == got[("psy", 4)] == (False, False)


def test_exposures_follow_the_index_date_not_the_intake(tables):
    # Moving case 8's contact into the window makes it ITT.
    events = [
        e if e[:2] != (8, "first_police_contact") else (8, e[1], D(2023, 4, 16)) for e in EVENTS
    ]
    events = [e for e in events if not (e[0] == 8 and e[1] == "complaint_filed")]
    moved = build(events=pl.DataFrame(events, schema=EVENT_SCHEMA, orient="row"))
    frame = exposures(moved, case_outcomes(moved))
    row = frame.filter((pl.col("case_id") == 8) & (pl.col("intervention") == "psy")).row(
        0, named=True
    )
    assert row["itt"] is True


# --- edge shapes -----------------------------------------------------------------------------


def test_no_events_at_all():
    empty = build(
        events=pl.DataFrame(schema=EVENT_SCHEMA),
        deliveries=pl.DataFrame(schema=DELIVERY_SCHEMA),
    )
    rows = case_outcomes(empty)
    assert rows.height == 10
    assert rows.get_column("index_date").to_list() == [c[2] for c in CASES]
    assert not rows.get_column("complaint_within").any()
    assert rows.get_column("contact_complaint_days").null_count() == 10
    exp = exposures(empty, rows)
    assert exp.height == 10 * 2  # psy, peer: the deployments' interventions
    assert not exp.get_column("delivered").any()


# --- input validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"cases": frames()["cases"].drop("minor")},
            r"table 'cases' lacks column\(s\): minor",
            id="missing-column",
        ),
        pytest.param(
            {"deployments": frames()["deployments"].drop("start", "end")},
            r"table 'deployments' lacks column\(s\): start, end",
            id="missing-columns",
        ),
        pytest.param(
            {
                "events": frames()["events"].with_columns(
                    pl.when(pl.col("case_id") == 3)
                    .then(None)
                    .otherwise(pl.col("date"))
                    .alias("date")
                )
            },
            r"table 'events': column 'date' is empty in 2 row\(s\)",
            id="null-date",
        ),
        pytest.param(
            {"cases": frames()["cases"].with_columns(pl.lit(None, pl.String).alias("police_unit"))},
            r"table 'cases': column 'police_unit' is empty in 10 row\(s\)",
            id="null-unit",
        ),
        pytest.param(
            {"cases": pl.concat([frames()["cases"], frames()["cases"].head(1)])},
            r"table 'cases': case_id is not unique",
            id="duplicate-case-id",
        ),
        pytest.param(
            {
                "events": pl.concat(
                    [
                        frames()["events"],
                        pl.DataFrame(
                            [(99, "complaint_filed", D(2023, 1, 1))],
                            schema=EVENT_SCHEMA,
                            orient="row",
                        ),
                    ]
                )
            },
            r"table 'events': 1 row\(s\) of unknown cases, e\.g\. \[99\]",
            id="events-of-unknown-case",
        ),
        pytest.param(
            {
                "deliveries": pl.DataFrame(
                    [(42, "psy", D(2023, 1, 1), True)], schema=DELIVERY_SCHEMA, orient="row"
                )
            },
            r"table 'deliveries': 1 row\(s\) of unknown cases, e\.g\. \[42\]",
            id="delivery-of-unknown-case",
        ),
        pytest.param(
            {
                "events": pl.concat(
                    [
                        frames()["events"],
                        pl.DataFrame(
                            [(1, "verdict", D(2024, 7, 1))], schema=EVENT_SCHEMA, orient="row"
                        ),
                    ]
                )
            },
            r"table 'events': 1 event\(s\) after the cut-off 2024-06-30",
            id="event-after-cutoff",
        ),
        pytest.param(
            {
                "deployments": pl.DataFrame(
                    [("psy", "N", D(2023, 5, 1), D(2023, 4, 30))],
                    schema=DEPLOYMENT_SCHEMA,
                    orient="row",
                )
            },
            r"table 'deployments': 1 deployment\(s\) end before they start",
            id="deployment-ends-before-start",
        ),
        pytest.param(
            {"cases": frames()["cases"].with_columns(pl.col("intake_date").cast(pl.String) + "x")},
            r"table 'cases': a column has the wrong type",
            id="wrong-type",
        ),
    ],
)
def test_input_errors_name_the_problem(overrides, message):
    with pytest.raises(StatsInputError, match=message):
        build(**overrides)


def test_an_event_on_the_cutoff_and_an_open_or_one_day_deployment_are_fine():
    events = pl.concat(
        [frames()["events"], pl.DataFrame([(1, "verdict", C)], schema=EVENT_SCHEMA, orient="row")]
    )
    deployments = pl.DataFrame(
        [("psy", "N", D(2023, 5, 1), D(2023, 5, 1)), ("psy", "Z", D(2023, 5, 1), None)],
        schema=DEPLOYMENT_SCHEMA,
        orient="row",
    )
    built = build(events=events, deployments=deployments)
    assert built.cutoff == C
    exp = exposures(built, case_outcomes(built)).filter(pl.col("itt"))
    assert exp.get_column("case_id").sort().to_list() == [5, 6, 9]


def test_closure_before_the_complaint_competes():
    """A case closed without a complaint is a competing event at its closure (event 2), whichever
    of withdrawal and closure comes first; a complaint after it does not count."""
    extra = [
        (3, "case_closed", plus(X[3], 90)),
        (3, "complaint_filed", plus(X[3], 120)),
        (10, "case_closed", plus(X[10], 50)),
        (10, "withdrawal_from_process", plus(X[10], 20)),
    ]
    frame = case_outcomes(
        build(events=pl.DataFrame(EVENTS + extra, schema=EVENT_SCHEMA, orient="row"))
    )
    rows = {row["case_id"]: row for row in frame.iter_rows(named=True)}
    assert (rows[3]["complaint_event_days"], rows[3]["complaint_event"]) == (90, 2)
    assert (rows[10]["complaint_event_days"], rows[10]["complaint_event"]) == (20, 2)
    assert (rows[6]["complaint_event_days"], rows[6]["complaint_event"]) == (30, 1)

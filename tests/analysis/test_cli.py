"""`inbeeld evaluate --format json|csv`: strict JSON and CSV with the same numbers as
analysis.evaluation.research_evaluation (what every researcher sees), a file with --output, a
Dutch error for a bad horizon, and an audit row per export."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inbeeld.analysis.evaluation import research_evaluation
from inbeeld.analysis.presenter import STAGE_LABELS
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.pilot.models import Intervention
from inbeeld.spreadsheet_safety import dutch_number_text, float_from_dutch_text, read_dutch_csv
from tests.factories import command_researcher

OUTCOME_WORDS = {
    "complaint_within": "aangifte binnen",
    "cooperation_within": "medewerking binnen",
    "retained_after_complaint": "in het strafproces gebleven",
}
# What a researcher reads in Excel: every column name in Dutch (issue 14 item 13).
CSV_HEADER = [
    "tabel",
    "interventiecode",
    "interventie",
    "blootstelling",
    "uitkomst",
    "maat",
    "schatting",
    "ondergrens 95 %-BI",
    "bovengrens 95 %-BI",
    "aantal casussen",
    "aantal gebeurtenissen",
    "indicatief",
    "analyse",
]

pytestmark = pytest.mark.django_db


def _no_constants(name):
    raise AssertionError(f"non-standard JSON constant {name}")


def run(*args) -> str:
    buffer = io.StringIO()
    call_command("evaluate", *args, user=command_researcher().username, stdout=buffer)
    return buffer.getvalue()


def strict_json(text: str):
    return json.loads(text, parse_constant=_no_constants)


def _by_code(payload) -> dict:
    return {item["spec"]["code"]: item for item in payload["interventions"]}


def test_json_is_strict_and_has_the_same_numbers(small_world):
    payload = strict_json(run("--format", "json"))
    result = research_evaluation()
    assert payload["_type"] == "Evaluation"
    assert payload["n_cases"] == result.n_cases == 7
    assert payload["n_complete_followup"] == result.n_complete_followup
    assert payload["cutoff"] == "2024-06-01"
    items = _by_code(payload)
    assert set(items) == set(Intervention.objects.values_list("code", flat=True))
    for item in result.interventions:
        exported = items[item.spec.code]
        for name in ("itt", "delivered", "cooperation_itt"):
            comparison = getattr(item, name)
            got = exported[name]
            if comparison is None:  # an intervention acting after the complaint: no cooperation
                assert got is None and item.spec.after_complaint
                continue
            assert (got["n1"], got["x1"], got["n0"], got["x0"]) == (
                comparison.n1,
                comparison.x1,
                comparison.n0,
                comparison.x0,
            )
            assert got["indicative"] is comparison.indicative
            if comparison.risk_difference is None:
                assert got["risk_difference"] is None
            else:
                rd = got["risk_difference"]
                assert (rd["estimate"], rd["low"], rd["high"]) == (
                    comparison.risk_difference.estimate,
                    comparison.risk_difference.low,
                    comparison.risk_difference.high,
                )
    psychologist = items["psychologist"]["itt"]
    assert (psychologist["x1"], psychologist["n1"], psychologist["x0"], psychologist["n0"]) == (
        2,
        4,
        1,
        3,
    )
    assert psychologist["risk_difference"]["estimate"] == pytest.approx(2 / 4 - 1 / 3)


def test_json_on_an_empty_database(db):
    payload = strict_json(run())  # json is the default
    assert payload["n_cases"] == 0
    assert payload["complaint_within"] is None


def test_non_finite_numbers_become_strings_not_nan(small_world):
    """The small world has infinite numbers: as delivered, the one delivered case filed a
    complaint, so Fisher's sample odds ratio 1·1 / (0·1) is infinite. JSON has no infinity: it
    is written as the string "inf" and the output stays strict JSON."""
    text = run("--format", "json")
    assert "NaN" not in text and "Infinity" not in text
    payload = strict_json(text)
    fisher = _by_code(payload)["psychologist"]["delivered"]["fisher"]
    assert fisher["odds_ratio"] == "inf"


def test_csv_has_the_header_and_rows_for_every_intervention(small_world):
    text = run("--format", "csv")
    assert text.startswith("\ufeff")  # Excel reads UTF-8 only with the byte-order mark
    rows = read_dutch_csv(text)
    assert rows[0] == CSV_HEADER
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    codes = dict(Intervention.objects.values_list("code", "label"))
    effect_rows = [row for row in rows[1:] if row[0] == "effect"]
    assert {row[1] for row in effect_rows} == set(codes)
    assert {(row[1], row[2]) for row in effect_rows} <= set(codes.items())
    result = research_evaluation()
    for item in result.interventions:
        (rd,) = [
            row
            for row in effect_rows
            if row[1] == item.spec.code
            and row[3] == "naar toewijzing"
            and row[4].startswith(OUTCOME_WORDS[item.itt.outcome])
            and row[5] == "verschil in aandeel"
        ]
        itt = item.itt
        assert rd[9:12] == [
            str(itt.n1 + itt.n0),
            str(itt.x1 + itt.x0),
            "ja" if itt.indicative else "nee",
        ]
        if itt.risk_difference is None:
            assert rd[6:9] == ["", "", ""]
        else:
            assert [float_from_dutch_text(v) for v in rd[6:9]] == [
                itt.risk_difference.estimate,
                itt.risk_difference.low,
                itt.risk_difference.high,
            ]
    tables = {row[0] for row in rows[1:]}
    assert {
        "totaal",
        "effect",
        "tijd tot aangifte",
        "doorlooptijd",
        "knelpunt per eenheid",
    } <= tables
    # Lead times: the conditional median with its interval and the share that reached the step,
    # the same numbers as the evaluation's own summary.
    lead = {(row[4], row[5]): row for row in rows[1:] if row[0] == "doorlooptijd"}
    for stage in (*result.lead_times, result.end_to_end):
        s = stage.summary
        label = str(STAGE_LABELS[stage.stage])
        median = lead[(label, "mediaan (dagen)")]
        assert median[6] == dutch_number_text(s.median)
        assert median[7:9] == [dutch_number_text(s.median_low), dutch_number_text(s.median_high)]
        reached = lead[(label, "aandeel dat de stap bereikte")]
        if s.share_reached is None:
            assert reached[6] == ""
        else:
            assert float_from_dutch_text(reached[6]) == s.share_reached.estimate
        assert lead[(label, "eerder op een andere manier geëindigd")][6] == str(s.n_terminal)
        assert lead[(label, "nog onderweg")][6] == str(s.n_censored)


def test_csv_shows_no_code_words(small_world):
    """Every cell a researcher reads is Dutch: no snake_case code, no yes/no, no English verdict
    (the intervention code column is the organisation's own identifier and is left out)."""
    rows = read_dutch_csv(run("--format", "csv"))
    code_word = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
    english = {"yes", "no", "primary", "sensitivity", "overall", "share", "median", "itt"}
    for row in rows[1:]:
        for cell in (row[0], *row[3:6], *row[11:]):
            assert not code_word.search(cell), (cell, row)
            assert cell not in english, (cell, row)


def test_output_writes_a_file(small_world, tmp_path):
    target = tmp_path / "evaluatie.json"
    assert run("--format", "json", "--output", str(target)) == ""
    payload = strict_json(target.read_text(encoding="utf-8"))
    assert payload["n_cases"] == 7
    target = tmp_path / "evaluatie.csv"
    run("--format", "csv", "--output", str(target))
    with target.open(encoding="utf-8-sig", newline="") as stream:
        assert next(csv.reader(stream, delimiter=";")) == CSV_HEADER


@pytest.mark.parametrize("horizon", ["10", "29", "731"])
def test_a_bad_horizon_is_refused_in_dutch(db, horizon):
    before = AuditEvent.objects.filter(action=AuditAction.EVALUATION_EXPORTED).count()
    with pytest.raises(CommandError, match="--horizon moet tussen 30 en 730 dagen liggen"):
        run("--horizon", horizon)
    assert AuditEvent.objects.filter(action=AuditAction.EVALUATION_EXPORTED).count() == before


def test_another_horizon_changes_the_numbers(small_world):
    payload = strict_json(run("--horizon", "30"))
    assert payload["horizon_days"] == 30
    itt = _by_code(payload)["psychologist"]["itt"]
    assert (itt["x1"], itt["n1"], itt["x0"], itt["n0"]) == (2, 4, 0, 3)


def test_every_export_is_audited(small_world):
    before = AuditEvent.objects.filter(action=AuditAction.EVALUATION_EXPORTED).count()
    run("--format", "csv")
    rows = AuditEvent.objects.filter(action=AuditAction.EVALUATION_EXPORTED)
    assert rows.count() == before + 1
    row = rows.latest("created_at")
    assert row.actor == command_researcher()
    assert row.subject_type == "evaluation"
    assert row.extra == {"format": "csv", "horizon": 180, "cases": 7}

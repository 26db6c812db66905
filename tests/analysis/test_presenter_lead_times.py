"""The Dutch lead-time rows and sentences (page) and the report section (PDF) show the numbers of
stats.lead_times, with the definition in plain words and disclosure control in the report. The
lead times are computed for real from simulated stages (no database needed)."""

from __future__ import annotations

import types

import numpy as np
import polars as pl
import pytest

from inbeeld.analysis import presenter_lead_times as p
from inbeeld.publication import report_lead_times
from inbeeld.stats.lead_time_simulation import StageScenario
from inbeeld.stats.lead_times import lead_times
from inbeeld.stats.outcomes import END_TO_END, STAGES

QUICK = StageScenario("quick", 1.0, 20.0, 3000.0)
SLOW = StageScenario("slow", 1.0, 150.0, 3000.0)
CLOSE_TO_SLOW = StageScenario("close", 1.0, 140.0, 3000.0)


def _result(per_stage: dict, n: int = 200, seed: int = 1, few: str | None = None):
    """An evaluation-shaped result from real lead times: ``per_stage`` scenario per stage code;
    stage ``few`` gets only 6 cases (below the minimum reached and a report threshold of 10)."""
    rng = np.random.default_rng(seed)
    columns: dict[str, list] = {"police_unit": ["A"] * n}
    for stage in (*STAGES, END_TO_END):
        days, events = per_stage.get(stage.code, QUICK).draw(n, rng)
        if stage.code == few:
            events = np.where(np.arange(n) < 6, events, -1)
        columns[f"{stage.code}_event_days"] = days.tolist()
        columns[f"{stage.code}_event"] = [None if e < 0 else int(e) for e in events]
    lead = lead_times(pl.DataFrame(columns))
    return types.SimpleNamespace(
        lead_times=lead.stages,
        end_to_end=lead.end_to_end,
        bottleneck=lead.bottleneck,
        bottlenecks_by_unit=lead.by_unit,
    )


def test_rows_show_the_conditional_quantiles_and_the_median_interval():
    result = _result({"prosecution_trial": SLOW})
    rows = {row["code"]: row for row in p.lead_time_rows(result)}
    s = result.lead_times[2].summary
    assert result.bottleneck == "prosecution_trial" and rows["prosecution_trial"]["bottleneck"]
    low, high = (f"{v:.0f}" for v in (s.median_low, s.median_high))
    assert rows["prosecution_trial"]["median_ci"] == (
        f"{s.median:.0f} dagen (95 %-BI {low} tot {high} dagen)"
    )
    assert rows["prosecution_trial"]["q1"] == f"{s.q1:.0f} dagen"
    assert rows["prosecution_trial"]["reached"] == str(s.n_reached)
    share = s.share_reached
    assert rows["prosecution_trial"]["share_reached"] == (
        f"{100 * share.estimate:.1f} % ({100 * share.low:.1f}–{100 * share.high:.1f})".replace(
            ".", ","
        )
    )


def test_sentences_explain_the_definition_and_name_the_bottleneck():
    result = _result({"prosecution_trial": SLOW})
    sentences = p.lead_time_sentences(result)
    text = " ".join(sentences)
    assert "hoe lang de stap duurt als hij plaatsvindt" in text
    assert "bereikt de volgende stap niet: dat is een uitkomst" in text
    s = result.lead_times[2].summary
    assert (
        f"Het knelpunt is de stap beslissing OM → zitting: als die stap plaatsvindt, duurt hij het langst (mediaan {s.median:.0f} dagen"
        in text
    )
    assert "Dat is niet zeker" not in text  # 150 against 20 days: clearly apart
    assert sentences[-1].startswith("Van eerste politiecontact tot uitspraak:")


def test_overlapping_intervals_make_the_bottleneck_uncertain():
    result = _result({"prosecution_trial": SLOW, "trial_verdict": CLOSE_TO_SLOW}, n=60, seed=3)
    text = " ".join(p.lead_time_sentences(result))
    assert result.bottleneck in {"prosecution_trial", "trial_verdict"}
    assert "Dat is niet zeker: het interval van de mediaan overlapt met dat van" in text


def test_too_few_reached_is_not_yet_determinable():
    result = _result({}, few="trial_verdict")
    rows = {row["code"]: row for row in p.lead_time_rows(result)}
    assert rows["trial_verdict"]["median"] == "nog niet te bepalen"
    assert rows["trial_verdict"]["median_ci"] == "nog niet te bepalen"
    assert rows["trial_verdict"]["n"] == "6"


@pytest.mark.django_db
def test_the_report_hides_the_figures_of_a_small_step_and_small_counts():
    rare_closure = StageScenario("rare closure", 1.0, 20.0, 800.0)
    result = _result(
        {"contact_complaint": rare_closure, "trial_verdict": SLOW}, few="trial_verdict"
    )
    context = report_lead_times.lead_time_context(result, threshold=10)
    rows = {row["code"]: row for row in context["lead_rows"]}
    assert rows["trial_verdict"]["n"] == "<10"
    assert {rows["trial_verdict"][key] for key in report_lead_times.FIGURES} == {"–"}
    big = rows["contact_complaint"]
    assert big["median_ci"] == p.median_interval(result.lead_times[0].summary)
    # closures are rare: the few closed cases are shown as "<10", not counted out
    s = result.lead_times[0].summary
    assert 0 < s.n_terminal < 10 and big["terminal"] == "<10"
    assert "nog niet te bepalen" not in str(context["lead_chart"])  # the small step is left out
    assert "zitting → uitspraak" not in str(context["lead_chart"])
    assert "beslissing OM → zitting" in str(context["lead_chart"])
    assert context["lead_sentences"][-1].startswith("Van eerste politiecontact tot uitspraak:")

"""The primary analysis's Dutch sentence (analysis.presenter_primary): one sentence per verdict
with the interval's bounds in percentage points, the reason when there is no verdict (every reason
code stats.did can give has Dutch text, an unknown one a fallback), and never English."""

from __future__ import annotations

import pytest

from inbeeld.analysis import presenter_primary
from inbeeld.stats import assurance, did_inference
from inbeeld.stats.primary import (
    COMPLAINT_WITHIN,
    ITT_CONCURRENT,
    NO_DEPLOYMENTS,
    RETAINED_AFTER_COMPLAINT,
    STAGGERED_ATT,
    TOO_FEW,
    PrimaryResult,
    Verdict,
)
from inbeeld.stats.results import Interval

V = Verdict


def result(low, high, verdict, *, outcome=COMPLAINT_WITHIN, horizon=180, **extra):
    interval = None if low is None else Interval((low + high) / 2, low, high)
    return PrimaryResult(
        outcome=outcome,
        comparison=extra.pop("comparison", ITT_CONCURRENT),
        horizon_days=horizon,
        mid=0.10,
        after_complaint=outcome == RETAINED_AFTER_COMPLAINT,
        verdict=verdict,
        estimate=None if interval is None else interval.estimate,
        interval=interval,
        **extra,
    )


@pytest.mark.parametrize(
    ("low", "high", "verdict", "expected"),
    [
        (
            0.021,
            0.112,
            V.POSITIVE,
            "Waarschijnlijk een positief effect: 2,1 tot 11,2 procentpunt meer slachtoffers die "
            "binnen 180 dagen aangifte doen.",
        ),
        (
            0.021,
            0.08,
            V.POSITIVE_SMALL,
            "Waarschijnlijk een klein positief effect: 2,1 tot 8,0 procentpunt meer slachtoffers "
            "die binnen 180 dagen aangifte doen, minder dan het kleinste relevante verschil van "
            "10 procentpunt.",
        ),
        (
            -0.051,
            0.086,
            V.NO_IMPORTANT_EFFECT,
            "Waarschijnlijk geen belangrijk effect: het verschil in het aandeel slachtoffers dat "
            "binnen 180 dagen aangifte doet ligt tussen −5,1 en +8,6 procentpunt, binnen het "
            "kleinste relevante verschil van 10 procentpunt naar beide kanten.",
        ),
        (
            -0.171,
            0.063,
            V.NO_IMPORTANT_BENEFIT,
            "Waarschijnlijk geen belangrijk positief effect: hoogstens 6,3 procentpunt meer "
            "slachtoffers die binnen 180 dagen aangifte doen (het kleinste relevante verschil is "
            "10 procentpunt), en een nadelig effect tot 17,1 procentpunt minder is niet "
            "uitgesloten.",
        ),
        (
            -0.026,
            0.112,
            V.INCONCLUSIVE,
            "Nog geen conclusie: het verschil in het aandeel slachtoffers dat binnen 180 dagen "
            "aangifte doet ligt tussen −2,6 en +11,2 procentpunt, dus zowel geen effect als een "
            "effect van 10 procentpunt (het kleinste relevante verschil) past bij de gegevens.",
        ),
        (
            -0.08,
            -0.02,
            V.NEGATIVE_SMALL,
            "Waarschijnlijk een klein nadelig effect: 2,0 tot 8,0 procentpunt minder slachtoffers "
            "die binnen 180 dagen aangifte doen, minder dan het kleinste relevante verschil van "
            "10 procentpunt.",
        ),
        (
            -0.25,
            -0.02,
            V.NEGATIVE,
            "Waarschijnlijk een nadelig effect: 2,0 tot 25,0 procentpunt minder slachtoffers die "
            "binnen 180 dagen aangifte doen.",
        ),
    ],
)
def test_one_sentence_per_verdict(low, high, verdict, expected):
    assert presenter_primary.primary_sentence(result(low, high, verdict)) == expected


def test_retention_sentence_names_the_process_not_the_complaint():
    sentence = presenter_primary.primary_sentence(
        result(0.02, 0.15, V.POSITIVE, outcome=RETAINED_AFTER_COMPLAINT, horizon=365)
    )
    assert sentence == (
        "Waarschijnlijk een positief effect: 2,0 tot 15,0 procentpunt meer slachtoffers die in "
        "de 365 dagen na hun aangifte niet afhaken uit het strafproces."
    )
    assert "aangifte doen" not in sentence


def test_inconclusive_says_how_many_cases_are_needed():
    plan = assurance.Planning(mid=0.10, n_per_group=387, low=373, high=400, n1=300, n0=280, x0=90)
    sentence = presenter_primary.primary_sentence(
        result(-0.026, 0.112, V.INCONCLUSIVE, planning=plan, n1=300, n0=280)
    )
    assert sentence.endswith(
        "past bij de gegevens; om een verschil van 10 procentpunt te kunnen aantonen zijn naar "
        "verwachting 373 tot 400 casussen per groep nodig (nu 300 en 280)."
    )


def test_too_few_cases_gives_the_counts_and_the_rule():
    sentence = presenter_primary.primary_sentence(
        result(None, None, V.NOT_YET_POSSIBLE, reason=TOO_FEW, n1=23, x1=10, n0=431, x0=154)
    )
    assert sentence == (
        "Nog geen uitspraak mogelijk, want de groepen zijn nog te klein: 23 casussen met en 431 "
        "zonder de interventie, waarvan 10 en 154 met de uitkomst (nodig: ten minste 30 "
        "casussen en 5 met de uitkomst per groep)."
    )


def test_every_reason_code_of_stats_did_has_dutch_text():
    for code in did_inference.NO_INTERVAL_REASONS:
        assert code in presenter_primary.REASONS, code
        sentence = presenter_primary.primary_sentence(
            result(None, None, V.NOT_YET_POSSIBLE, reason=code, comparison=STAGGERED_ATT)
        )
        assert sentence.startswith("Nog geen uitspraak mogelijk, want ")
        assert did_inference.NO_INTERVAL_REASONS[code] not in sentence  # not the English


def test_an_unknown_reason_code_gets_the_fallback():
    sentence = presenter_primary.primary_sentence(
        result(None, None, V.NOT_YET_POSSIBLE, reason="brand_new_code", comparison=STAGGERED_ATT)
    )
    assert sentence == (
        "Nog geen uitspraak mogelijk, want met deze regio's en startmomenten is geen betrouwbaar "
        "95 %-interval te geven."
    )
    assert "brand_new_code" not in sentence


def test_no_deployments():
    sentence = presenter_primary.primary_sentence(
        result(None, None, V.NOT_YET_POSSIBLE, reason=NO_DEPLOYMENTS)
    )
    assert (
        sentence
        == "Nog geen uitspraak mogelijk, want de interventie heeft (nog) geen inzet per regio."
    )


def test_staggered_numbers_sentence_without_an_interval():
    primary = PrimaryResult(
        outcome=COMPLAINT_WITHIN,
        comparison=STAGGERED_ATT,
        horizon_days=180,
        mid=0.1,
        after_complaint=False,
        verdict=V.NOT_YET_POSSIBLE,
        estimate=0.421,
        reason="too_few_assignments",
    )
    assert presenter_primary.primary_numbers_sentence(primary) == (
        "Geschat effect in de regio's met de interventie: +42,1 procentpunt, zonder "
        "betrouwbaar interval."
    )


@pytest.mark.parametrize(
    ("low", "high", "says"),
    [
        (-1.0, 1.0, "het hele mogelijke bereik"),
        (-0.2, 1.0, "maar aan één kant"),
        (-1.0, 0.3, "maar aan één kant"),
        (-0.2, 0.3, None),
    ],
)
def test_a_staggered_interval_at_the_edge_of_the_possible_range_says_so(low, high, says):
    """stats.did cuts the randomisation set at [-1, 1] for a 0/1 outcome; an interval reaching
    that edge is not a finding, and the page says so instead of only printing -100 to +100."""
    from types import SimpleNamespace

    from inbeeld.analysis.presenter import _staggered_sentences

    did = SimpleNamespace(
        cs=Interval(0.05, low, high),
        cs_estimate=0.05,
        no_interval_reason=None,
        cs_analytic=None,
        twfe=None,
    )
    sentences = " ".join(_staggered_sentences(SimpleNamespace(staggered=did, staggered_note="")))
    if says is None:
        assert "bereik" not in sentences and "één kant" not in sentences
    else:
        assert says in sentences

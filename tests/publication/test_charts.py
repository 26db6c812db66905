"""The evaluation's and the monitor's SVG charts (publication.charts, publication.bar_charts):
every text stays inside the chart's viewBox for the longest labels they are given (estimated
generously per character), the cumulative-incidence chart draws each group's pointwise 95 % band
from the estimator's own interval, and a chart without data is a Dutch sentence, not an empty
frame."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from inbeeld.analysis.presenter import STAGE_LABELS as LEAD_TIME_LABELS
from inbeeld.analysis.presenter import pct
from inbeeld.publication import bar_charts, charts
from inbeeld.publication.monitor_report import STAGE_LABELS as FUNNEL_LABELS
from inbeeld.stats.competing import aalen_johansen
from inbeeld.stats.lead_times import LeadTimeEstimate

SVG = "{http://www.w3.org/2000/svg}"
# Chart text is 12 px; the widest glyphs of the fonts we name average under 7 px, so 7.4 px per
# character and an ascent of 10 px are on the safe side.
CHAR_PX, ASCENT, DESCENT = 7.4, 10.0, 3.0
LONG_LABELS = [
    "Nederlandse Arbeidsinspectie (Opsporingsdienst)",
    "Veroordeling (eerste aanleg) na hoger beroep en cassatie",
]


def _text_boxes(
    svg: str,
) -> tuple[tuple[float, float], list[tuple[str, float, float, float, float]]]:
    """(viewBox size, (text, left, top, right, bottom) per line of text)."""
    root = ET.fromstring(svg)  # noqa: S314 (markup this process just drew)
    _x0, _y0, width, height = (float(v) for v in root.get("viewBox").split())
    boxes = []
    for text in root.iter(f"{SVG}text"):
        anchor = text.get("text-anchor", "start")
        x, y = float(text.get("x", 0)), float(text.get("y", 0))
        lines = [(x, y, text.text or "")]
        for span in text.iter(f"{SVG}tspan"):
            y += float(span.get("dy", 0))
            lines.append((float(span.get("x", x)), y, span.text or ""))
        for lx, ly, content in lines:
            if not content.strip():
                continue
            w = len(content) * CHAR_PX
            left = {"start": lx, "middle": lx - w / 2, "end": lx - w}[anchor]
            boxes.append((content, left, ly - ASCENT, left + w, ly + DESCENT))
    return (width, height), boxes


def _assert_inside(svg: str) -> int:
    (width, height), boxes = _text_boxes(svg)
    outside = [
        box for box in boxes if box[1] < 0 or box[2] < 0 or box[3] > width or box[4] > height
    ]
    assert outside == [], f"text outside the viewBox 0 0 {width} {height}: {outside}"
    assert "style=" not in svg  # colours and opacity are presentation attributes (CSP)
    return len(boxes)


def _estimate(median, q1=None, q3=None, p90=None, n=200) -> LeadTimeEstimate:
    return LeadTimeEstimate(
        n=n,
        n_reached=n,
        n_terminal=0,
        n_censored=0,
        followup_days=None,
        share_reached=None,
        shares=(),
        determinable=median is not None,
        median=median,
        q1=q1,
        q3=q3,
        p90=p90,
    )


def test_the_lead_time_chart_keeps_the_longest_stage_labels_and_values_inside():
    labels = [str(label) for label in LEAD_TIME_LABELS.values()] + LONG_LABELS
    rows = [
        (label, _estimate(900.0 * (i + 1), 400.0 * (i + 1), 1500.0 * (i + 1), 2500.0 * (i + 1)))
        for i, label in enumerate(labels)
    ]
    rows.append(("zitting → uitspraak", _estimate(None)))  # "nog niet te bepalen"
    svg = str(bar_charts.lead_time_chart(rows, title="Doorlooptijd per ketenstap"))
    assert _assert_inside(svg) >= len(rows) + 3
    # A long label wraps over tspans instead of running off the left edge.
    assert "<tspan" in svg
    assert "mediaan 6.300 d" in svg and "nog niet te bepalen" in svg


def test_the_bar_chart_keeps_the_chain_labels_and_large_counts_inside():
    labels = [str(label) for label in FUNNEL_LABELS.values()] + LONG_LABELS
    rows = [(label, 1_234_567 // (i + 1)) for i, label in enumerate(labels)]
    rows[2] = (rows[2][0], None)  # suppressed: the symbol only
    svg = str(bar_charts.bar_chart(rows, title="De keten", desc="Aantallen."))
    assert _assert_inside(svg) >= len(rows)
    assert "1.234.567" in svg and ">×<" in svg


def _curve(seed: int, n: int = 300):
    rng = np.random.default_rng(seed)
    t1, t2 = rng.exponential(150, n), rng.exponential(250, n)
    cutoff = rng.uniform(100, 500, n)
    time = np.floor(np.minimum(np.minimum(t1, t2), cutoff))
    event = np.where(time == np.floor(t1), 1, np.where(time == np.floor(t2), 2, 0))
    return aalen_johansen(time, event)


def test_the_incidence_chart_draws_each_groups_band_from_its_interval():
    exposed, unexposed = _curve(1), _curve(2)
    curves = [
        ("regio's met de interventie (een lange naam van een groep)", exposed),
        ("regio's zonder", unexposed),
    ]
    svg = str(charts.incidence_chart(curves, title="Aangifte in de tijd"))
    _assert_inside(svg)
    root = ET.fromstring(svg)  # noqa: S314 (markup this process just drew)
    bands = [p for p in root.iter(f"{SVG}path") if p.get("class") == "ci-band"]
    assert len(bands) == 2
    assert all(b.get("fill-opacity") and b.get("fill") for b in bands)
    assert [b.get("fill") for b in bands] == ["#0072B2", "#E69F00"]  # the colour of its line
    # The band's upper edge at its highest point is the interval's highest upper bound (the
    # chart maps a share q to y = 16 + 220 (1 − q)).
    ys = [float(v) for v in re.findall(r"[ML][\d.]+,([\d.]+)", bands[0].get("d"))]
    followed = exposed.times <= 365
    assert min(ys) == pytest.approx(16 + 220 * (1 - exposed.ci_high[followed].max()), abs=0.1)
    assert max(ys) == pytest.approx(16 + 220, abs=0.1)
    assert "95 %-betrouwbaarheidsband" in svg


def test_the_incidence_table_gives_the_bands_numbers():
    exposed, unexposed = _curve(1), _curve(2)
    table = charts.incidence_table([("met", exposed), ("zonder", unexposed)])
    assert table["columns"] == ["met", "zonder"]
    assert [row["day"] for row in table["rows"]] == [90, 180, 270, 365]
    at = exposed.at(180.0)
    assert table["rows"][1]["cells"][0].replace("\u00a0", " ") == (
        f"{pct(at.estimate)} ({pct(at.low)} tot {pct(at.high)})"
    )


def test_a_chart_without_data_is_a_dutch_sentence():
    empty = [
        charts.incidence_chart([("met", None), ("zonder", None)], title="t"),
        bar_charts.lead_time_chart([], title="t"),
        bar_charts.lead_time_chart([("aangifte → beslissing OM", _estimate(None))], title="t"),
        bar_charts.bar_chart([("2024", 0), ("2025", None)], title="t", desc="d"),
        bar_charts.bar_chart([], title="t", desc="d"),
    ]
    for html in empty:
        assert "<svg" not in html
        assert "Geen gegevens om te tonen" in html
    assert charts.incidence_table([("met", None)]) is None

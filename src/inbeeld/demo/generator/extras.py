"""The small additions on top of the bulk rows: synthetic notes, corrections, case assignments."""

from __future__ import annotations

import datetime as dt

import numpy as np

from inbeeld.demo.generator import calibration as cal
from inbeeld.demo.generator.data import DemoConfig, Vocabulary, day_number
from inbeeld.demo.generator.population import Population
from inbeeld.demo.generator.timeline import Timelines
from inbeeld.stats import vocabulary as ev


def draw_notes(
    rng: np.random.Generator, timelines: Timelines, vocabulary: Vocabulary
) -> tuple[np.ndarray, list[str], list[str]]:
    """A capped number of events (1 %, at most NOTE_MAX) get a short synthetic Dutch note from the
    role family that would write it. Returns (event positions ascending, texts, families)."""
    family_codes = sorted(set(cal.NOTE_FAMILY_BY_EVENT.values()))
    family_of_type = np.full(len(vocabulary.event_types), -1, dtype=np.int8)
    for code, family in cal.NOTE_FAMILY_BY_EVENT.items():
        family_of_type[vocabulary.event(code)] = family_codes.index(family)
    candidates = np.flatnonzero(family_of_type[timelines.event_type] >= 0)
    count = min(cal.NOTE_MAX, int(len(timelines.event_type) * cal.NOTE_SHARE), len(candidates))
    chosen = np.sort(rng.choice(candidates, size=count, replace=False)) if count else candidates[:0]
    families = [family_codes[f] for f in family_of_type[timelines.event_type[chosen]]]
    picks = rng.integers(0, 1 << 30, size=count)
    texts = [cal.NOTES[f][p % len(cal.NOTES[f])] for f, p in zip(families, picks, strict=True)]
    return chosen.astype(np.int64), texts, families


def draw_corrections(
    rng: np.random.Generator, timelines: Timelines, config: DemoConfig, vocabulary: Vocabulary
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A handful of corrections: a declined complaint recorded with reason "other" that is the
    last event of its case gets its specific reason in a later correction. Same type and date, so
    the replay and the date order stay as they were. Returns (event positions, new outcomes,
    recording days)."""
    n_events = len(timelines.event_type)
    last = np.zeros(n_events, dtype=bool)
    if n_events:
        last[:-1] = timelines.event_case[:-1] != timelines.event_case[1:]
        last[-1] = True
    candidates = np.flatnonzero(
        last
        & (timelines.event_type == vocabulary.event(ev.COMPLAINT_DECLINED))
        & (timelines.event_outcome == vocabulary.outcome("other"))
    )
    count = min(cal.CORRECTION_MAX, config.cases // cal.CORRECTIONS_PER_CASES, len(candidates))
    chosen = np.sort(rng.choice(candidates, size=count, replace=False)) if count else candidates[:0]
    specific = [r for r in cal.DECLINE_REASONS if r != "other"]
    outcomes = np.array([vocabulary.outcome(r) for r in specific], dtype=np.int8)
    new_outcome = outcomes[rng.integers(0, len(specific), size=count)]
    recorded = np.minimum(timelines.event_day[chosen] + 21, day_number(config.cutoff))
    return chosen.astype(np.int64), new_outcome, recorded.astype(np.int32)


def draw_assignments(
    rng: np.random.Generator, pop: Population, timelines: Timelines, vocabulary: Vocabulary
) -> list[tuple[int, str, str]]:
    """About 30 Amsterdam cases with police contact since the Proeftuin started get the demo
    psychologist; about 30 recent Limburg cases (phase 2) get the demo peer expert."""
    amsterdam_from = day_number(dt.date.fromisoformat(cal.PROEFTUIN_AMSTERDAM_FROM))
    limburg_from = day_number(dt.date.fromisoformat(cal.PROEFTUIN_LIMBURG_FROM))
    plans = [
        (
            cal.AMSTERDAM,
            timelines.police_day >= amsterdam_from,
            "psycholoog.amsterdam",
            "psychologist",
        ),
        (cal.LIMBURG, pop.intake_day >= limburg_from, "ervaringsdeskundige.limburg", "peer_expert"),
    ]
    assignments = []
    for unit, preferred, username, role in plans:
        in_unit = pop.unit == vocabulary.unit(unit)
        candidates = np.flatnonzero(in_unit & preferred)
        if len(candidates) < cal.ASSIGNMENTS_PER_USER:
            candidates = np.flatnonzero(in_unit)
        count = min(cal.ASSIGNMENTS_PER_USER, len(candidates))
        chosen = np.sort(rng.choice(candidates, size=count, replace=False)) if count else []
        assignments.extend((int(case), username, role) for case in chosen)
    return assignments

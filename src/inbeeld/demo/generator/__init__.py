"""Synthetic, deterministic demo data: cases with chain-event timelines, calibrated to DOMAIN.md §9.

Two steps that can be timed apart:

- ``build_demo_data(config)``: numpy only, no database. The same config (cases, seed, cut-off)
  always gives the same rows: codes, attributes, dates, events, notes' plain text.
- ``write_demo_data(data)``: bulk insert in one transaction, plus one DEMO_LOADED audit row.

``generate(config)`` does both after making sure the demo accounts exist, with the pilot design
(deployments, interventions, questionnaire) as it stands in the database; ``build_demo_data``
alone takes it from pilot/data/pilot.json unless given one. The pilot part (exposure,
deliveries, measures and the true effect of the psychologist) is described in generator/pilot.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from inbeeld.demo.generator.data import DemoConfig, DemoData, Vocabulary, day_number
from inbeeld.demo.generator.extras import draw_assignments, draw_corrections, draw_notes
from inbeeld.demo.generator.linkage import LinkageSummary, generate_demo_linkage
from inbeeld.demo.generator.pilot import PilotDesign, PilotPlan
from inbeeld.demo.generator.population import draw_population
from inbeeld.demo.generator.safety import generate_demo_safety
from inbeeld.demo.generator.signals import generate_demo_signals
from inbeeld.demo.generator.suspects import generate_demo_suspects
from inbeeld.demo.generator.timeline import build_timelines
from inbeeld.demo.generator.writer import WriteSummary, write_demo_data

# Share of victims who consent to research use (assumed; the pilot asks every victim).
CONSENT_SHARE = 0.85


@dataclass(frozen=True)
class GenerateResult:
    cases: int
    events: int
    seconds: float
    skipped: bool = False
    generate_seconds: float = 0.0  # building the arrays (numpy)
    write_seconds: float = 0.0  # inserting them (SQL, including the commit)
    deliveries: int = 0  # pilot deliveries (delivered or not)
    measures: int = 0  # victim-reported measures
    signals: int = 0  # early signals (generator/signals/)
    linkage_keys: int = 0  # linkage keys (generator/linkage.py)
    linkage: LinkageSummary | None = None  # with the simulated true number of victims
    suspects: int = 0  # demo suspects (generator/suspects.py, issue 17)
    modus_operandi: int = 0  # modus operandi records (generator/safety.py)
    safety_facts: int = 0  # safety facts (generator/safety.py)


def build_demo_data(
    config: DemoConfig,
    *,
    exclude_codes: frozenset[str] = frozenset(),
    pilot_design: PilotDesign | None = None,
) -> DemoData:
    """Generate all demo rows for ``config`` in memory. Deterministic in ``config`` (and the
    pilot design: pilot.json unless ``pilot_design`` is given); a code in ``exclude_codes``
    (already in the database) is redrawn."""
    rng = np.random.Generator(np.random.PCG64(config.seed))
    vocabulary = Vocabulary.load()
    design = pilot_design if pilot_design is not None else PilotDesign.from_document()
    population = draw_population(rng, config, vocabulary, set(exclude_codes))
    # The psychologist's delivery is decided inside the timeline, before the complaint (its own
    # random streams: the main stream's draws stay as they were).
    plan = PilotPlan(config, design, vocabulary, population)
    timelines = build_timelines(rng, population, config, vocabulary, plan.complaint_effect())
    note_event, note_text, note_family = draw_notes(rng, timelines, vocabulary)
    correction_of, correction_outcome, correction_day = draw_corrections(
        rng, timelines, config, vocabulary
    )
    assignments = draw_assignments(rng, population, timelines, vocabulary)

    n = len(population.intake_day)
    # Research consent from its own stream, so adding it left every other drawn value unchanged.
    consent_rng = np.random.Generator(np.random.PCG64([config.seed, 4]))
    consent = consent_rng.random(n) < CONSENT_SHARE
    consent_day = np.minimum(
        population.intake_day + consent_rng.integers(0, 60, n), day_number(config.cutoff)
    ).astype(np.int32)
    second = np.flatnonzero(population.second_form >= 0)
    form_case = np.concatenate([np.arange(n), second]).astype(np.int32)
    form = np.concatenate([population.primary_form, population.second_form[second]]).astype(np.int8)
    order = np.lexsort((form, form_case))
    pilot = plan.finish(timelines, consent, consent_day)
    return DemoData(
        config=config,
        vocabulary=vocabulary,
        code_chars=population.code_chars,
        unit=population.unit,
        court=np.where(timelines.heard, population.court, -1).astype(np.int8),
        minor=population.minor,
        age_band=population.age_band,
        gender=population.gender,
        nationality=population.nationality,
        intake_day=population.intake_day,
        status=timelines.status,
        form_case=form_case[order],
        form=form[order],
        event_case=timelines.event_case,
        event_type=timelines.event_type,
        event_outcome=timelines.event_outcome,
        event_day=timelines.event_day,
        note_event=note_event,
        note_text=note_text,
        note_family=note_family,
        correction_of=correction_of,
        correction_outcome=correction_outcome,
        correction_recorded_day=correction_day,
        assignments=assignments,
        consent=consent,
        consent_day=consent_day,
        pilot=pilot,
    )


def generate(config: DemoConfig, *, if_empty: bool = False) -> GenerateResult:
    """Ensure the demo accounts, then generate and insert ``config.cases`` cases.

    With ``if_empty`` nothing is generated when any case exists (``skipped`` is then True). Codes
    already in the database are never reused. Exactly one DEMO_LOADED audit row is written.
    """
    from inbeeld.cases.models import Case
    from inbeeld.demo.accounts import ensure_demo_accounts, ensure_demo_privacy_budget

    start = time.perf_counter()
    ensure_demo_privacy_budget(ensure_demo_accounts())
    has_cases = Case.objects.exists()
    if if_empty and has_cases:
        return GenerateResult(0, 0, time.perf_counter() - start, skipped=True)
    existing = frozenset(Case.objects.values_list("code", flat=True)) if has_cases else frozenset()
    design = PilotDesign.from_database()
    built = time.perf_counter()
    data = build_demo_data(config, exclude_codes=existing, pilot_design=design)
    written = time.perf_counter()
    summary = write_demo_data(data, if_empty=if_empty)
    if summary is None:
        return GenerateResult(0, 0, time.perf_counter() - start, skipped=True)
    signals = generate_demo_signals(data)  # its own transaction, after the cases it links to
    linkage = generate_demo_linkage(data)  # likewise
    suspects, _seconds = generate_demo_suspects(data)  # likewise
    records, facts, _seconds = generate_demo_safety(data)  # likewise
    end = time.perf_counter()
    return GenerateResult(
        cases=summary.cases,
        events=summary.events,
        seconds=end - start,
        generate_seconds=written - built,
        write_seconds=end - written,
        deliveries=summary.deliveries,
        measures=summary.measures,
        signals=signals,
        linkage_keys=linkage.keys,
        linkage=linkage,
        suspects=suspects,
        modus_operandi=records,
        safety_facts=facts,
    )


__all__ = [
    "DemoConfig",
    "DemoData",
    "GenerateResult",
    "PilotDesign",
    "WriteSummary",
    "build_demo_data",
    "generate",
    "write_demo_data",
]

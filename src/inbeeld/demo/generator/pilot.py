"""The pilot in the demo data: exposure, deliveries with fidelity gaps, measures, the true effect.

- Exposure (intention to treat): a case is eligible for an intervention when its police unit is
  in a deployment of that intervention active on its index date (the first police contact by the
  cut-off, else the intake date; start and end inclusive, an open end runs on). The rule is
  stats.vocabulary's (index_day, deployment_active), applied over arrays; the tests check it
  agrees with pilot.eligibility row by row.
- Delivery: of the eligible cases an intervention can reach (its chain stage happened by the
  cut-off, calibration.REACH_EVENTS), a share (the uptake) receives it, dated at that stage, with
  every fidelity item met with its own probability. Of the others some get a "not delivered"
  record with a reason; the rest were not registered.
- The true effect: the psychologist's delivery is decided before the complaint is drawn (the
  timeline asks ``PilotPlan.psychologist_treated`` for it), and a delivered case's probability
  of a complaint within 180 days of the index date is raised by ``config.psychologist_effect``
  (see timeline.ComplaintEffect).
- Measures: cases with research consent that were eligible for an intervention answer the
  questionnaire at the moments that happened (intake, after the informative interview, after the
  complaint, after the RC hearing, at closure), on or after the moment and the consent, by the
  cut-off; about 10 % of the answers missing, a little higher for cases that received an
  intervention.

Every draw comes from a stream of its own (PCG64 keyed by [seed, stream, ...]), so the pilot never
shifts the draws of the population, the timelines or the consent. The design (interventions,
fidelity items, deployments, questionnaire) is read from the database by ``generate`` (the
researchers may have edited the deployments) and from pilot/data/pilot.json otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from inbeeld.demo.generator import calibration as cal
from inbeeld.demo.generator.data import DemoConfig, PilotData, Vocabulary, day_number
from inbeeld.demo.generator.population import Population
from inbeeld.demo.generator.timeline import ComplaintEffect, Timelines
from inbeeld.stats import vocabulary as ev

# Random streams: PCG64([seed, STREAM, ...]); the main stream is PCG64(seed), consent is [seed, 4].
STREAM_UPTAKE = 5  # [seed, 5, intervention position]
STREAM_DELIVERY = 6  # [seed, 6, intervention position]: recorded-or-not, reasons, fidelity
STREAM_MEASURES = 7
STREAM_COMPLAINT_TIMING = 8


def _stream(*key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(list(key)))


@dataclass(frozen=True)
class DeploymentSpec:
    intervention: str
    units: tuple[str, ...]
    start: dt.date
    end: dt.date | None  # None: open-ended


@dataclass(frozen=True)
class PilotDesign:
    """What the demo needs of the pilot design, from the database or from pilot.json."""

    interventions: tuple[str, ...]
    fidelity_items: tuple[tuple[str, ...], ...]  # per intervention
    deployments: tuple[DeploymentSpec, ...]
    instrument: tuple[str, int] | None  # (code, version)
    instrument_items: tuple[str, ...]

    @classmethod
    def from_document(cls, doc: dict | None = None) -> PilotDesign:
        from inbeeld.pilot.sync import load_pilot_document

        doc = doc if doc is not None else load_pilot_document()
        deployments = tuple(
            DeploymentSpec(
                intervention=row["intervention"],
                units=tuple(sorted(row["units"])),
                start=dt.date.fromisoformat(row["start"]),
                end=dt.date.fromisoformat(row["end"]) if row["end"] else None,
            )
            for row in doc["deployments"]
        )
        instruments = [
            (row["code"], int(row["version"]), tuple(item["code"] for item in row["items"]))
            for row in doc["instruments"]
        ]
        instrument, items = _pick_instrument(instruments)
        return cls(
            interventions=tuple(row["code"] for row in doc["interventions"]),
            fidelity_items=tuple(
                tuple(code for code, _ in row["fidelity"]) for row in doc["interventions"]
            ),
            deployments=deployments,
            instrument=instrument,
            instrument_items=items,
        )

    @classmethod
    def from_database(cls) -> PilotDesign:
        from inbeeld.pilot.models import Deployment, FidelityItem, Instrument, Intervention

        interventions = list(Intervention.objects.order_by("order", "code"))
        items: dict[int, list[str]] = {i.pk: [] for i in interventions}
        for intervention_id, code in FidelityItem.objects.order_by(
            "intervention", "order", "code"
        ).values_list("intervention_id", "code"):
            items.setdefault(intervention_id, []).append(code)
        deployments = tuple(
            DeploymentSpec(
                intervention=d.intervention.code,
                units=tuple(sorted(u.code for u in d.police_units.all())),
                start=d.start,
                end=d.end,
            )
            for d in Deployment.objects.select_related("intervention")
            .prefetch_related("police_units")
            .order_by("pk")
        )
        instruments = [
            (code, version, tuple(item["code"] for item in questions))
            for code, version, questions in Instrument.objects.values_list(
                "code", "version", "items"
            )
        ]
        instrument, instrument_items = _pick_instrument(instruments)
        return cls(
            interventions=tuple(i.code for i in interventions),
            fidelity_items=tuple(tuple(items[i.pk]) for i in interventions),
            deployments=deployments,
            instrument=instrument,
            instrument_items=instrument_items,
        )


def _pick_instrument(
    instruments: list[tuple[str, int, tuple[str, ...]]],
) -> tuple[tuple[str, int] | None, tuple[str, ...]]:
    """The newest version of calibration.INSTRUMENT, else of the first instrument by code."""
    if not instruments:
        return None, ()
    preferred = [row for row in instruments if row[0] == cal.INSTRUMENT]
    pool = preferred or [row for row in instruments if row[0] == min(r[0] for r in instruments)]
    code, version, items = max(pool, key=lambda row: row[1])
    return (code, version), items


def eligibility(
    design: PilotDesign, vocabulary: Vocabulary, unit: np.ndarray, index_day: np.ndarray
) -> np.ndarray:
    """(cases, interventions) bool: an active deployment of the intervention for the case's unit
    on its index date: vocabulary.deployment_active over arrays, as pilot.eligibility."""
    eligible = np.zeros((len(unit), len(design.interventions)), dtype=bool)
    for deployment in design.deployments:
        if deployment.intervention not in design.interventions:
            continue
        j = design.interventions.index(deployment.intervention)
        in_units = np.zeros(len(vocabulary.units), dtype=bool)
        for code in deployment.units:
            if code in vocabulary.units:
                in_units[vocabulary.unit(code)] = True
        if not in_units.any():
            continue
        end = None if deployment.end is None else day_number(deployment.end)
        eligible[:, j] |= in_units[unit] & ev.deployment_active(
            index_day, day_number(deployment.start), end
        )
    return eligible


def first_event_day(timelines: Timelines, vocabulary: Vocabulary, code: str, n: int) -> np.ndarray:
    """Per case the day of its first event of type ``code`` (-1 when none by the cut-off)."""
    positions = np.flatnonzero(timelines.event_type == vocabulary.event(code))[::-1]
    first = np.full(n, -1, dtype=np.int32)
    first[timelines.event_case[positions]] = timelines.event_day[positions]
    return first


class PilotPlan:
    """Draws the pilot part of one demo run: first the psychologist's delivery (for the timeline,
    before the complaint), then, from the finished timelines, the deliveries and measures."""

    def __init__(
        self, config: DemoConfig, design: PilotDesign, vocabulary: Vocabulary, pop: Population
    ):
        self.config = config
        self.design = design
        self.vocabulary = vocabulary
        self.pop = pop
        n = len(pop.intake_day)
        self.shares = np.array([config.uptake_share(code) for code in design.interventions])
        self.uptake = [
            _stream(config.seed, STREAM_UPTAKE, j).random(n)
            for j in range(len(design.interventions))
        ]
        self.index_day: np.ndarray | None = None
        self.eligible: np.ndarray | None = None
        self.treated = np.zeros(n, dtype=bool)

    def complaint_effect(self) -> ComplaintEffect:
        n = len(self.pop.intake_day)
        timing = _stream(self.config.seed, STREAM_COMPLAINT_TIMING).random(n)
        return ComplaintEffect(
            effect=self.config.psychologist_effect,
            treated=self.psychologist_treated,
            timing=timing,
            horizon=cal.COMPLAINT_HORIZON_DAYS,
        )

    def psychologist_treated(self, index_day: np.ndarray, police: np.ndarray) -> np.ndarray:
        """Called by the timeline before the complaint: fixes the index dates and eligibility and
        returns the cases that receive the psychologist (it needs the police contact)."""
        self.index_day = index_day.astype(np.int32)
        self.eligible = eligibility(self.design, self.vocabulary, self.pop.unit, self.index_day)
        if cal.EFFECT_INTERVENTION in self.design.interventions:
            j = self.design.interventions.index(cal.EFFECT_INTERVENTION)
            self.treated = self.eligible[:, j] & police & (self.uptake[j] < self.shares[j])
        return self.treated

    def finish(
        self, timelines: Timelines, consent: np.ndarray, consent_day: np.ndarray
    ) -> PilotData:
        if self.index_day is None or self.eligible is None:
            raise RuntimeError("the timeline never asked for the treatment")
        n = len(self.pop.intake_day)
        cutoff = day_number(self.config.cutoff)
        first: dict[str, np.ndarray] = {
            "intake": self.pop.intake_day.astype(np.int32),
            ev.FIRST_POLICE_CONTACT: timelines.police_day,
        }

        def day_of(code: str) -> np.ndarray:
            if code not in first:
                first[code] = first_event_day(timelines, self.vocabulary, code, n)
            return first[code]

        design = self.design
        reasons = [""]
        for code in design.interventions:
            for reason in cal.NOT_DELIVERED_REASONS.get(code, (cal.NOT_DELIVERED_REASON_OTHER,)):
                if reason not in reasons:
                    reasons.append(reason)
        width = max((len(items) for items in design.fidelity_items), default=0)
        parts = []
        for j, code in enumerate(design.interventions):
            reach_day = np.full(n, -1, dtype=np.int32)
            for event in reversed(cal.REACH_EVENTS.get(code, ())):
                happened = day_of(event)
                reach_day = np.where(happened >= 0, happened, reach_day)
            if code not in cal.REACH_EVENTS:
                reach_day = self.index_day
            reached = self.eligible[:, j] & (reach_day >= 0) & (reach_day <= cutoff)
            delivered = reached & (self.uptake[j] < self.shares[j])
            if code == cal.EFFECT_INTERVENTION and not np.array_equal(delivered, self.treated):
                raise AssertionError("the psychologist's deliveries differ from the treated cases")
            rng = _stream(self.config.seed, STREAM_DELIVERY, j)
            recorded = rng.random(n) < cal.P_NOT_DELIVERED_RECORDED
            own = cal.NOT_DELIVERED_REASONS.get(code, (cal.NOT_DELIVERED_REASON_OTHER,))
            reason_pick = rng.integers(0, len(own), n)
            cases = np.flatnonzero(delivered | (reached & recorded))
            is_delivered = delivered[cases]
            lookup = np.array([reasons.index(r) for r in own], dtype=np.int16)
            reason = np.where(is_delivered, 0, lookup[reason_pick[cases]]).astype(np.int16)
            items = design.fidelity_items[j]
            p_met = np.array([cal.FIDELITY.get(item, cal.FIDELITY_OTHER) for item in items])
            fidelity = np.zeros((len(cases), width), dtype=bool)
            fidelity[:, : len(items)] = (rng.random((len(cases), len(items))) < p_met) & (
                is_delivered[:, None]
            )
            parts.append((cases, j, reach_day[cases], is_delivered, reason, fidelity))

        if parts:
            d_case = np.concatenate([p[0] for p in parts]).astype(np.int32)
            d_intervention = np.concatenate(
                [np.full(len(p[0]), p[1], dtype=np.int8) for p in parts]
            )
            order = np.lexsort((d_intervention, d_case))
            d_case, d_intervention = d_case[order], d_intervention[order]
            d_day = np.concatenate([p[2] for p in parts]).astype(np.int32)[order]
            d_delivered = np.concatenate([p[3] for p in parts])[order]
            d_reason = np.concatenate([p[4] for p in parts])[order]
            d_fidelity = np.concatenate([p[5] for p in parts])[order]
        else:
            d_case = np.zeros(0, np.int32)
            d_intervention = np.zeros(0, np.int8)
            d_day = np.zeros(0, np.int32)
            d_delivered = np.zeros(0, bool)
            d_reason = np.zeros(0, np.int16)
            d_fidelity = np.zeros((0, width), bool)

        received = np.zeros(n, dtype=bool)
        received[d_case[d_delivered]] = True
        measures = self._measures(day_of, consent, consent_day, received, cutoff)
        return PilotData(
            interventions=design.interventions,
            fidelity_items=design.fidelity_items,
            reasons=tuple(reasons),
            instrument=design.instrument,
            instrument_items=design.instrument_items,
            moments=tuple(moment for moment, _, _ in cal.MEASURE_MOMENTS),
            psychologist_effect=self.config.psychologist_effect,
            index_day=self.index_day,
            eligible=self.eligible,
            delivery_case=d_case,
            delivery_intervention=d_intervention,
            delivery_day=d_day,
            delivery_delivered=d_delivered,
            delivery_reason=d_reason,
            delivery_fidelity=d_fidelity,
            **measures,
        )

    def _measures(self, day_of, consent, consent_day, received, cutoff) -> dict[str, np.ndarray]:
        items = len(self.design.instrument_items)
        candidates = np.flatnonzero(consent & self.eligible.any(axis=1))
        if self.design.instrument is None or items == 0:
            candidates = candidates[:0]
        rng = _stream(self.config.seed, STREAM_MEASURES)
        m = len(candidates)
        level = rng.normal(0.0, cal.ANSWER_CASE_SD, m)
        cases, moments, days, means = [], [], [], []
        for k, (_, event, share) in enumerate(cal.MEASURE_MOMENTS):
            happened = day_of(event)[candidates]
            taken = rng.random(m) < share
            day = np.maximum(happened, consent_day[candidates]) + rng.integers(
                0, cal.MEASURE_DELAY_MAX_DAYS + 1, m
            )
            keep = (happened >= 0) & taken & (day <= cutoff)
            cases.append(candidates[keep])
            moments.append(np.full(int(keep.sum()), k, dtype=np.int8))
            days.append(day[keep])
            means.append(
                cal.ANSWER_MEAN
                + level[keep]
                + cal.ANSWER_MOMENT_SHIFT[k]
                + cal.ANSWER_DELIVERED_BONUS * received[candidates[keep]]
            )
        case = np.concatenate(cases).astype(np.int32)
        moment = np.concatenate(moments).astype(np.int8)
        order = np.lexsort((moment, case))
        case, moment = case[order], moment[order]
        day = np.concatenate(days).astype(np.int32)[order]
        mean = np.concatenate(means)[order]
        count = len(case)
        raw = mean[:, None] + rng.normal(0.0, cal.ANSWER_ITEM_SD, (count, items))
        answers = np.clip(np.rint(raw), 1, 5).astype(np.int8)
        missing = rng.random((count, items)) < cal.P_ANSWER_MISSING
        keep_one = rng.integers(0, max(items, 1), count)
        all_missing = np.flatnonzero(missing.all(axis=1))
        missing[all_missing, keep_one[all_missing]] = False  # at least one answer per measure
        answers[missing] = 0
        return {
            "measure_case": case,
            "measure_moment": moment,
            "measure_day": day,
            "measure_answers": answers,
        }


def _json_objects(keys: tuple[str, ...], values: np.ndarray, spelled: list[str]) -> list[str]:
    """Rows of ``values`` (rows, len(keys)) small ints as JSON objects {key: spelled[value]}."""
    rows = len(values)
    if not keys:
        return ["{}"] * rows
    if rows == 0:
        return []
    base = len(spelled)
    if base ** len(keys) <= 1 << 16:  # few combinations: spell each once, then look up
        combo = np.zeros(rows, dtype=np.int64)
        for column in range(len(keys)):
            combo = combo * base + values[:, column]
        digits = np.indices((base,) * len(keys)).reshape(len(keys), -1).T
        table = np.array(
            [
                "{"
                + ", ".join(f'"{k}": {spelled[d]}' for k, d in zip(keys, row, strict=True))
                + "}"
                for row in digits
            ],
            dtype=object,
        )
        return table[combo].tolist()
    pieces = [
        np.array([f'"{key}": {word}' for word in spelled], dtype=object)[values[:, column]]
        for column, key in enumerate(keys)
    ]
    return ["{" + ", ".join(row) + "}" for row in zip(*pieces, strict=True)]


def fidelity_json(pilot: PilotData) -> list[str]:
    """Per delivery its fidelity checklist as JSON text ({} when not delivered)."""
    out = np.empty(pilot.delivery_count, dtype=object)
    for j, items in enumerate(pilot.fidelity_items):
        rows = np.flatnonzero((pilot.delivery_intervention == j) & pilot.delivery_delivered)
        values = pilot.delivery_fidelity[rows, : len(items)].astype(np.int64)
        out[rows] = _json_objects(items, values, ["false", "true"])
    out[~pilot.delivery_delivered] = "{}"
    return out.tolist()


def answers_json(pilot: PilotData) -> list[str]:
    """Per measure its answers as JSON text ({item: 1..5, or null when not answered})."""
    return _json_objects(
        pilot.instrument_items,
        pilot.measure_answers.astype(np.int64),
        ["null", "1", "2", "3", "4", "5"],
    )


__all__ = [
    "DeploymentSpec",
    "PilotDesign",
    "PilotPlan",
    "answers_json",
    "eligibility",
    "fidelity_json",
    "first_event_day",
]

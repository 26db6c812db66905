"""The configuration of a demo run and the in-memory result of generating it (numpy arrays).

Everything here is free of the database: vocabularies (unit, court, form, event-type codes) come
from the reference document (reference/data/reference.json), so the same config always yields the
same arrays, whatever database they are written to later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from inbeeld.cases.models import AgeBand, Gender, NationalityGroup
from inbeeld.cases.workflow import Status
from inbeeld.demo.generator import calibration as cal
from inbeeld.reference.sync import load_reference_document

EPOCH = dt.date(1970, 1, 1)
DEFAULT_CUTOFF = dt.date(2025, 12, 31)
FIRST_YEAR = 2015
# The extra complaints come out of the cases that would not have filed one: at most all of them.
MAX_PSYCHOLOGIST_EFFECT = round(1.0 - cal.P_COMPLAINT, 6)


def day_number(value: dt.date) -> int:
    """Days since 1970-01-01 (the integer behind numpy's datetime64[D])."""
    return (value - EPOCH).days


def day_date(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(number))


@dataclass(frozen=True)
class DemoConfig:
    """What to generate: ``cases`` cases from ``seed``, intake from ``first_year`` on, nothing
    dated after ``cutoff`` (so the output never depends on today's date)."""

    cases: int
    seed: int
    cutoff: dt.date = DEFAULT_CUTOFF
    first_year: int = FIRST_YEAR
    # The true effect: a delivered investigative psychologist raises the probability of a
    # complaint within 180 days of the index date by this risk difference (0 = no effect).
    psychologist_effect: float = cal.PSYCHOLOGIST_EFFECT
    # Uptake per intervention code, overriding calibration.UPTAKE (shares in [0, 1]).
    uptake: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        if self.cases < 0:
            raise ValueError("cases must be 0 or more")
        if self.cutoff.year < self.first_year:
            raise ValueError("the cut-off lies before the first intake year")
        if not 0.0 <= self.psychologist_effect <= MAX_PSYCHOLOGIST_EFFECT:
            raise ValueError(
                f"psychologist_effect must lie between 0 and {MAX_PSYCHOLOGIST_EFFECT:.2f}"
            )
        if any(not 0.0 <= share <= 1.0 for _, share in self.uptake):
            raise ValueError("an uptake share must lie between 0 and 1")

    def uptake_share(self, intervention: str) -> float:
        return dict(self.uptake).get(intervention, cal.UPTAKE.get(intervention, cal.UPTAKE_OTHER))


@dataclass(frozen=True)
class Vocabulary:
    """Codes the arrays index into, taken from the reference document and the model choices."""

    units: tuple[str, ...]
    unit_district: dict[str, str | None]
    district_courts: dict[str, tuple[str, ...]]
    courts: tuple[str, ...]
    forms: tuple[str, ...]
    event_types: tuple[str, ...]
    outcomes: tuple[str, ...]  # index 0 is "" (no outcome)
    statuses: tuple[str, ...]
    age_bands: tuple[str, ...]
    genders: tuple[str, ...]
    nationalities: tuple[str, ...]

    @classmethod
    def load(cls) -> Vocabulary:
        doc = load_reference_document()
        outcomes = [""]
        for event_type in doc["chain_event_types"]:
            for outcome in event_type["outcomes"]:
                if outcome["code"] not in outcomes:
                    outcomes.append(outcome["code"])
        vocabulary = cls(
            units=tuple(u["code"] for u in doc["police_units"]),
            unit_district={u["code"]: u["om_district"] for u in doc["police_units"]},
            district_courts={d["code"]: tuple(d["courts"]) for d in doc["om_districts"]},
            courts=tuple(c["code"] for c in doc["courts"]),
            forms=tuple(f["code"] for f in doc["exploitation_forms"]),
            event_types=tuple(e["code"] for e in doc["chain_event_types"]),
            outcomes=tuple(outcomes),
            statuses=tuple(Status.values),
            age_bands=tuple(AgeBand.values),
            genders=tuple(Gender.values),
            nationalities=tuple(NationalityGroup.values),
        )
        vocabulary.check()
        return vocabulary

    def check(self) -> None:
        """Fail early when the calibration names a code the reference data does not have."""
        expected = [
            ("forms", cal.FORMS, self.forms),
            ("age bands", cal.AGE_BANDS, self.age_bands),
            ("genders", cal.GENDERS, self.genders),
            ("nationalities", cal.NATIONALITIES, self.nationalities),
        ]
        for name, mine, theirs in expected:
            if tuple(mine) != tuple(theirs):
                raise ValueError(f"demo calibration {name} {mine} do not match {theirs}")
        for weights in (cal.UNIT_WEIGHTS_DEFAULT, cal.UNIT_WEIGHTS_LABOUR):
            if set(weights) != set(self.units):
                raise ValueError("demo calibration unit weights do not match the police units")
        codes = set(cal.DECLINE_REASONS) | set(cal.OTHER_COOPERATION_OUTCOMES)
        codes |= set(cal.PROSECUTION_OUTCOMES) | set(cal.VERDICT_OUTCOMES)
        if not codes <= set(self.outcomes):
            raise ValueError(f"unknown outcomes in the calibration: {codes - set(self.outcomes)}")

    def event(self, code: str) -> int:
        return self.event_types.index(code)

    def outcome(self, code: str) -> int:
        return self.outcomes.index(code)

    def unit(self, code: str) -> int:
        return self.units.index(code)


@dataclass
class PilotData:
    """The pilot part of the demo: exposure, deliveries and victim-reported measures, as arrays.

    Deliveries are in (case, intervention) order and measures in (case, moment) order; ``case``
    arrays hold case positions. See generator/pilot.py for how they are drawn."""

    interventions: tuple[str, ...] = ()  # codes, in the design's order
    fidelity_items: tuple[tuple[str, ...], ...] = ()  # per intervention, the checklist codes
    reasons: tuple[str, ...] = ("",)  # reasons not delivered; index 0 = none
    instrument: tuple[str, int] | None = None  # (code, version) of the questionnaire
    instrument_items: tuple[str, ...] = ()
    moments: tuple[str, ...] = ()  # pilot.models.Moment values, in order
    psychologist_effect: float = 0.0
    # per case
    index_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    eligible: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    # deliveries
    delivery_case: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    delivery_intervention: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    delivery_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    delivery_delivered: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    delivery_reason: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    delivery_fidelity: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    # measures
    measure_case: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    measure_moment: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    measure_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    measure_answers: np.ndarray = field(  # (measures, items): 1..5, 0 = not answered
        default_factory=lambda: np.zeros((0, 0), dtype=np.int8)
    )

    @property
    def delivery_count(self) -> int:
        return len(self.delivery_case)

    @property
    def measure_count(self) -> int:
        return len(self.measure_case)

    def fidelity_json(self) -> list[str]:
        """Per delivery the fidelity checklist as JSON text ({} when not delivered)."""
        from inbeeld.demo.generator.pilot import fidelity_json

        return fidelity_json(self)

    def answers_json(self) -> list[str]:
        """Per measure the answers as JSON text ({item: 1..5 or null})."""
        from inbeeld.demo.generator.pilot import answers_json

        return answers_json(self)


@dataclass
class DemoData:
    """Generated rows, as arrays. Cases are in id order; events are in id order (grouped by case,
    each case's events in recording order); positions index these arrays, not database ids."""

    config: DemoConfig
    vocabulary: Vocabulary
    # cases
    code_chars: np.ndarray  # (cases, 8) uint8 indexes into CODE_ALPHABET
    unit: np.ndarray  # int8 into vocabulary.units
    court: np.ndarray  # int8 into vocabulary.courts, -1 = none
    minor: np.ndarray  # bool
    age_band: np.ndarray  # int8
    gender: np.ndarray  # int8
    nationality: np.ndarray  # int8
    intake_day: np.ndarray  # int32, days since 1970-01-01
    status: np.ndarray  # int8 into vocabulary.statuses
    # case <-> exploitation form
    form_case: np.ndarray  # int32 case position
    form: np.ndarray  # int8 into vocabulary.forms
    # chain events
    event_case: np.ndarray  # int32 case position
    event_type: np.ndarray  # int8 into vocabulary.event_types
    event_outcome: np.ndarray  # int8 into vocabulary.outcomes
    event_day: np.ndarray  # int32
    # a few events with a synthetic note (plain text here; encrypted when written)
    note_event: np.ndarray  # int64 event positions, ascending
    note_text: list[str]
    note_family: list[str]
    # a few corrections: a new event superseding an earlier event of the same case
    correction_of: np.ndarray  # int64 event positions
    correction_outcome: np.ndarray  # int8
    correction_recorded_day: np.ndarray  # int32
    # case-bound roles: (case position, username, role)
    assignments: list[tuple[int, str, str]] = field(default_factory=list)
    # research consent given (bool per case) and the day it was recorded
    consent: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    consent_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    # the pilot: exposure (intention to treat), deliveries, measures
    pilot: PilotData = field(default_factory=PilotData)

    @property
    def case_count(self) -> int:
        return len(self.unit)

    @property
    def event_count(self) -> int:
        """Events including corrections."""
        return len(self.event_type) + len(self.correction_of)

    @cached_property
    def codes(self) -> list[str]:
        """The case codes "IB-XXXX-XXXX", in case order."""
        from inbeeld.cases.models import CODE_ALPHABET

        n = self.case_count
        alphabet = np.frombuffer(CODE_ALPHABET.encode("ascii"), dtype=np.uint8)
        buffer = np.empty((n, 12), dtype=np.uint8)
        buffer[:, 0:3] = np.frombuffer(b"IB-", dtype=np.uint8)
        buffer[:, 7] = ord("-")
        buffer[:, 3:7] = alphabet[self.code_chars[:, :4]]
        buffer[:, 8:12] = alphabet[self.code_chars[:, 4:]]
        return buffer.view("S12").ravel().astype("U12").tolist()

    @cached_property
    def case_event_counts(self) -> np.ndarray:
        return np.bincount(self.event_case, minlength=self.case_count)

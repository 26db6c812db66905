"""Chain-event timelines of the demo cases, valid under the workflow's transition table.

Each case walks a fixed sequence of "slots" (signal, police contact, interview, cooperation,
investigation, OM decision, hearings, verdict, appeal, closing). A slot happens with a probability
that depends on the case and on the slots before it, and its date is the date of the previous
main-chain slot plus a lognormal gap, so main-chain dates never go down. A few events float beside
the chain (CoMensha registration, end of the reflection period, withdrawal, revictimisation):
they are allowed in any open phase, and the two that are not allowed after closing are kept on or
before the closing date. Events are recorded in (date, slot) order; everything after the cut-off
is dropped, which leaves a valid prefix of each timeline. The resulting status is computed by
replaying workflow.TRANSITIONS over the arrays, which also proves every timeline valid.

A true effect (``ComplaintEffect``) enters at the cooperation slot: which cases are treated is
decided from the index date before the complaint is drawn, and a treated case files a complaint
when the shared uniform falls below the base probability plus the effect. The extra complaints
(those the base probability alone would not have given) are dated within the horizon after the
index date, so the risk difference in "complaint within the horizon" is the effect itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from inbeeld.cases import workflow
from inbeeld.demo.generator import calibration as cal
from inbeeld.demo.generator.data import DemoConfig, Vocabulary, day_number
from inbeeld.demo.generator.population import Population
from inbeeld.stats import vocabulary as ev

# Bit layout of the sort key: case | day offset | slot rank | event type | outcome.
_OUTCOME_BITS = 6
_TYPE_BITS = 6
_RANK_BITS = 5
_DAY_BITS = 16
_LOW_BITS = _OUTCOME_BITS + _TYPE_BITS + _RANK_BITS + _DAY_BITS


@dataclass
class Timelines:
    event_case: np.ndarray  # int32, sorted; each case's events in recording order
    event_type: np.ndarray  # int8
    event_outcome: np.ndarray  # int8
    event_day: np.ndarray  # int32
    status: np.ndarray  # int8 into vocabulary.statuses
    heard: np.ndarray  # bool: the case reached an RC hearing or a trial hearing
    police_day: np.ndarray  # int32 day of the first police contact, -1 when none (yet)


@dataclass
class ComplaintEffect:
    """A true effect on the complaint.

    ``treated(index_day, police)`` gets every case's index date (first police contact by the
    cut-off, else intake) and whether it had police contact by the cut-off, and returns the cases
    that received the treatment (a subset of those with police contact); it is called once,
    before the complaint is drawn. Their probability of a complaint within ``horizon`` days of
    the index date rises by ``effect``. ``timing`` holds one uniform per case (from a stream of
    its own) that dates the extra complaints inside the horizon."""

    effect: float
    treated: Callable[[np.ndarray, np.ndarray], np.ndarray]
    timing: np.ndarray
    horizon: int = cal.COMPLAINT_HORIZON_DAYS


class _Slots:
    """Collects candidate events slot by slot: (rank, type, present mask, day, outcome)."""

    def __init__(self, vocabulary: Vocabulary, n: int):
        self.vocabulary = vocabulary
        self.n = n
        self.parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, code, present, day, outcome=0) -> None:
        types = np.broadcast_to(
            np.asarray(code if not isinstance(code, str) else self.vocabulary.event(code)),
            (self.n,),
        )
        outcomes = np.broadcast_to(np.asarray(outcome), (self.n,))
        self.parts.append((len(self.parts), types, present, day, outcomes))


def _gap(rng: np.random.Generator, n: int, median_sigma: tuple[float, float]) -> np.ndarray:
    median, sigma = median_sigma
    return np.rint(rng.lognormal(np.log(median), sigma, n)).astype(np.int64)


def _pick(rng: np.random.Generator, n: int, codes, weights, vocabulary: Vocabulary) -> np.ndarray:
    """Outcome indexes drawn with ``weights`` over the outcome ``codes``."""
    lookup = np.array([vocabulary.outcome(c) for c in codes], dtype=np.int8)
    p = np.asarray(weights, float)
    return lookup[rng.choice(len(codes), size=n, p=p / p.sum())]


def _draw_slots(
    rng: np.random.Generator,
    pop: Population,
    vocabulary: Vocabulary,
    cutoff: int,
    effect: ComplaintEffect | None = None,
) -> tuple[_Slots, np.ndarray]:
    """Every slot of every case, before censoring. Returns the slots and the police-contact day."""
    n = len(pop.intake_day)
    slots = _Slots(vocabulary, n)
    v = vocabulary
    day0 = pop.intake_day.astype(np.int64)

    def chance(p) -> np.ndarray:
        return rng.random(n) < p

    # Signal and safety assessment around intake.
    slots.add(ev.SIGNAL_RECEIVED, chance(cal.P_SIGNAL), day0)
    safety = chance(cal.P_SAFETY_ASSESSMENT + cal.P_SAFETY_ASSESSMENT_MINOR_EXTRA * pop.minor)
    safety_day = day0 + _gap(rng, n, cal.GAP_SAFETY_ASSESSMENT)
    slots.add(ev.SAFETY_ASSESSMENT, safety, safety_day)
    cur = np.where(safety, safety_day, day0)

    # Police: first contact, informative interview, B8/3 reflection period for non-EU victims.
    nla = pop.unit == v.unit(cal.NLA)
    police = chance(np.where(nla, cal.P_POLICE_CONTACT_NLA, cal.P_POLICE_CONTACT))
    police_day = cur + _gap(rng, n, cal.GAP_POLICE_CONTACT)
    slots.add(ev.FIRST_POLICE_CONTACT, police, police_day)
    cur = np.where(police, police_day, cur)

    # The treatment (if any) is decided from the index date, before the complaint is drawn.
    police_by_cutoff = police & (police_day <= cutoff)
    treated = np.zeros(n, dtype=bool)
    if effect is not None:
        index_day = ev.index_day(np.where(police_by_cutoff, police_day, -1), day0)
        treated = np.asarray(effect.treated(index_day, police_by_cutoff), dtype=bool)
        treated &= police_by_cutoff

    # Cooperation: complaint, declined complaint (with a reason), other cooperation, or nothing;
    # decided here because an informative interview always precedes a complaint (§1). A treated
    # case files when u < base + effect; the extra complaints come out of those that would have
    # declined (or, for a large effect, cooperated otherwise or done nothing).
    p_complaint = np.full(n, cal.P_COMPLAINT)
    u = rng.random(n)
    boost = effect.effect * treated if effect is not None else 0.0
    complaint = police & (u < p_complaint + boost)
    extra = complaint & (u >= p_complaint)
    declined = police & ~complaint & (u < p_complaint + cal.P_DECLINED)
    other = (
        police
        & ~complaint
        & ~declined
        & (u < p_complaint + cal.P_DECLINED + cal.P_OTHER_COOPERATION)
    )
    cooperation = complaint | declined | other
    reason = np.where(
        pop.nationality == cal.NON_EU,
        _pick(rng, n, cal.DECLINE_REASONS, cal.DECLINE_REASON_WEIGHTS_NON_EU, v),
        _pick(rng, n, cal.DECLINE_REASONS, cal.DECLINE_REASON_WEIGHTS, v),
    )
    other_outcome = _pick(rng, n, cal.OTHER_COOPERATION_OUTCOMES, cal.OTHER_COOPERATION_WEIGHTS, v)
    # A treated case (the psychologist advises at the informative interview) always has one.
    interview = police & (complaint | chance(cal.P_INTERVIEW_WITHOUT_COMPLAINT) | treated)
    interview_day = cur + _gap(rng, n, cal.GAP_INTERVIEW)
    slots.add(ev.INFORMATIVE_INTERVIEW, interview, interview_day)
    cur = np.where(interview, interview_day, cur)
    reflection = police & (pop.nationality == cal.NON_EU) & chance(cal.P_REFLECTION_NON_EU)
    reflection_day = cur + _gap(rng, n, cal.GAP_REFLECTION_START)
    slots.add(ev.REFLECTION_PERIOD_START, reflection, reflection_day)
    cur = np.where(reflection, reflection_day, cur)
    reflection_end_day = reflection_day + np.minimum(
        _gap(rng, n, cal.GAP_REFLECTION_LENGTH), cal.REFLECTION_MAX_DAYS
    )
    comensha = chance(cal.P_COMENSHA)
    comensha_day = day0 + _gap(rng, n, cal.GAP_COMENSHA)
    reflection_end_index = len(slots.parts)
    slots.add(ev.REFLECTION_PERIOD_END, reflection, reflection_end_day)
    slots.add(ev.COMENSHA_REGISTRATION, comensha, comensha_day)

    # Cooperation (decided above), on its own date.
    cooperation_type = np.where(
        complaint,
        v.event(ev.COMPLAINT_FILED),
        np.where(declined, v.event(ev.COMPLAINT_DECLINED), v.event(ev.OTHER_COOPERATION)),
    )
    cooperation_outcome = np.where(declined, reason, np.where(other, other_outcome, 0))
    cooperation_day = cur + _gap(rng, n, cal.GAP_COOPERATION)
    if effect is not None:
        # An extra complaint lies within the horizon after the index date (the police contact):
        # its usual gap if that fits, else a day drawn evenly between the last event and the end
        # of the horizon (in the rare case the interview itself came later: that day).
        limit = police_day + effect.horizon
        late = extra & (cooperation_day > limit)
        span = np.maximum(limit - cur, 0) + 1
        inside = cur + np.floor(np.asarray(effect.timing) * span).astype(np.int64)
        cooperation_day = np.where(
            late, np.minimum(inside, np.maximum(limit, cur)), cooperation_day
        )
    slots.add(cooperation_type, cooperation, cooperation_day, cooperation_outcome)
    cur = np.where(cooperation, cooperation_day, cur)

    # Investigation and arrest.
    p_investigation = np.select(
        [complaint, declined | other, police],
        [
            cal.P_INVESTIGATION_AFTER_COMPLAINT,
            cal.P_INVESTIGATION_WITHOUT_COMPLAINT,
            cal.P_INVESTIGATION_NO_COOPERATION,
        ],
        0.0,
    )
    investigation = chance(p_investigation)
    investigation_day = cur + _gap(rng, n, cal.GAP_INVESTIGATION)
    slots.add(ev.INVESTIGATION_STARTED, investigation, investigation_day)
    cur = np.where(investigation, investigation_day, cur)
    arrest = investigation & chance(cal.P_ARREST)
    arrest_day = cur + _gap(rng, n, cal.GAP_ARREST)
    slots.add(ev.SUSPECT_ARRESTED, arrest, arrest_day)
    cur = np.where(arrest, arrest_day, cur)

    # OM decision, and now and then a new decision after a complaint under art. 12 Sv.
    summons_code = v.outcome("summons")
    decision = investigation & chance(cal.P_PROSECUTION_DECISION)
    decision_day = cur + _gap(rng, n, cal.GAP_PROSECUTION_DECISION)
    decision_outcome = _pick(rng, n, cal.PROSECUTION_OUTCOMES, cal.PROSECUTION_WEIGHTS, v)
    slots.add(ev.PROSECUTION_DECISION, decision, decision_day, decision_outcome)
    cur = np.where(decision, decision_day, cur)
    redecision = decision & (decision_outcome != summons_code) & chance(cal.P_ART12_REDECISION)
    redecision_day = cur + _gap(rng, n, cal.GAP_ART12)
    redecision_outcome = np.where(
        chance(cal.P_ART12_SUMMONS), summons_code, v.outcome("dismissal_technical")
    ).astype(np.int8)
    slots.add(ev.PROSECUTION_DECISION, redecision, redecision_day, redecision_outcome)
    cur = np.where(redecision, redecision_day, cur)
    summons = decision & (
        (decision_outcome == summons_code) | (redecision & (redecision_outcome == summons_code))
    )

    # Court: RC hearing, trial (sometimes adjourned), verdict, appeal.
    rc = summons & chance(cal.P_RC_HEARING)
    rc_day = cur + _gap(rng, n, cal.GAP_RC_HEARING)
    slots.add(ev.RC_HEARING, rc, rc_day)
    cur = np.where(rc, rc_day, cur)
    trial = summons & chance(cal.P_TRIAL)
    trial_day = cur + _gap(rng, n, cal.GAP_TRIAL)
    slots.add(ev.TRIAL_HEARING, trial, trial_day)
    cur = np.where(trial, trial_day, cur)
    second_hearing = trial & chance(cal.P_SECOND_HEARING)
    second_day = cur + _gap(rng, n, cal.GAP_SECOND_HEARING)
    slots.add(ev.TRIAL_HEARING, second_hearing, second_day)
    cur = np.where(second_hearing, second_day, cur)
    verdict = trial & chance(cal.P_VERDICT)
    verdict_day = cur + _gap(rng, n, cal.GAP_VERDICT)
    slots.add(
        ev.VERDICT,
        verdict,
        verdict_day,
        _pick(rng, n, cal.VERDICT_OUTCOMES, cal.VERDICT_WEIGHTS, v),
    )
    cur = np.where(verdict, verdict_day, cur)
    appeal = verdict & chance(cal.P_APPEAL)
    appeal_day = cur + rng.integers(1, cal.APPEAL_MAX_DAYS + 1, n)
    slots.add(ev.APPEAL_FILED, appeal, appeal_day)
    cur = np.where(appeal, appeal_day, cur)
    appeal_hearing = appeal & chance(cal.P_APPEAL_HEARING)
    appeal_hearing_day = cur + _gap(rng, n, cal.GAP_APPEAL_HEARING)
    slots.add(ev.TRIAL_HEARING, appeal_hearing, appeal_hearing_day)
    cur = np.where(appeal_hearing, appeal_hearing_day, cur)
    appeal_verdict = appeal_hearing & chance(cal.P_APPEAL_VERDICT_AFTER_HEARING)
    appeal_verdict_day = cur + _gap(rng, n, cal.GAP_APPEAL_VERDICT)
    slots.add(
        ev.APPEAL_VERDICT,
        appeal_verdict,
        appeal_verdict_day,
        _pick(rng, n, cal.VERDICT_OUTCOMES, cal.APPEAL_VERDICT_WEIGHTS, v),
    )
    cur = np.where(appeal_verdict, appeal_verdict_day, cur)

    # Closing, by where the chain stopped.
    final_verdict = (verdict & ~appeal) | appeal_verdict
    stage = [
        final_verdict,
        decision & ~summons,
        summons,
        investigation,
        police,
        np.ones(n, dtype=bool),
    ]
    p_close = np.select(
        stage,
        [
            cal.P_CLOSE_AFTER_VERDICT,
            cal.P_CLOSE_AFTER_DISMISSAL,
            cal.P_CLOSE_STALLED_PROSECUTION,
            cal.P_CLOSE_STALLED_INVESTIGATION,
            cal.P_CLOSE_POLICE_CONTACT,
            cal.P_CLOSE_INTAKE_ONLY,
        ],
    )
    gaps = [
        _gap(rng, n, g)
        for g in (
            cal.GAP_CLOSE_AFTER_VERDICT,
            cal.GAP_CLOSE_AFTER_DISMISSAL,
            cal.GAP_CLOSE_STALLED_PROSECUTION,
            cal.GAP_CLOSE_STALLED_INVESTIGATION,
            cal.GAP_CLOSE_POLICE_CONTACT,
            cal.GAP_CLOSE_INTAKE_ONLY,
        )
    ]
    closed = chance(p_close)
    closed_day = cur + np.select(stage, gaps)

    # Withdrawal from the process: an open-phase event, so on or before the closing date.
    withdrawal = chance(
        np.select(
            [complaint, police], [cal.P_WITHDRAWAL_AFTER_COMPLAINT, cal.P_WITHDRAWAL_OTHERWISE], 0.0
        )
    )
    withdrawal_day = np.where(cooperation, cooperation_day, police_day) + _gap(
        rng, n, cal.GAP_WITHDRAWAL
    )
    withdrawal_day = np.where(closed, np.minimum(withdrawal_day, closed_day), withdrawal_day)
    slots.add(ev.WITHDRAWAL_FROM_PROCESS, withdrawal, withdrawal_day)
    slots.add(ev.CASE_CLOSED, closed, closed_day)
    # The reflection period cannot end after closing either.
    rank, types, present, end_day, outcomes = slots.parts[reflection_end_index]
    end_day = np.where(closed, np.minimum(end_day, closed_day), end_day)
    slots.parts[reflection_end_index] = (rank, types, present, end_day, outcomes)

    # Repeat victimisation: Weibull time from intake, allowed in every phase.
    years = cal.REVICTIMISATION_SCALE_YEARS * rng.weibull(cal.REVICTIMISATION_SHAPE, n)
    revictimisation_day = day0 + np.maximum(1, np.rint(np.minimum(years, 200) * 365.25))
    slots.add(ev.REVICTIMISATION, np.ones(n, dtype=bool), revictimisation_day.astype(np.int64))
    return slots, np.where(police, police_day, -1)


def _assemble(slots: _Slots, config: DemoConfig, base_day: int):
    """Drop what lies after the cut-off and sort into recording order (case, date, slot)."""
    cutoff = day_number(config.cutoff)
    if cutoff - base_day >= 2**_DAY_BITS:
        raise ValueError("the demo period is too long for the event sort key")
    vocabulary = slots.vocabulary
    if (
        len(slots.parts) > 2**_RANK_BITS
        or len(vocabulary.event_types) > 2**_TYPE_BITS
        or len(vocabulary.outcomes) > 2**_OUTCOME_BITS
        or slots.n >= 2 ** (63 - _LOW_BITS)
    ):
        raise ValueError("too many slots, event types, outcomes or cases for the sort key")
    keys = []
    for rank, types, present, day, outcomes in slots.parts:
        keep = np.flatnonzero(present & (day <= cutoff))
        key = keep.astype(np.int64) << _LOW_BITS
        key |= (day[keep].astype(np.int64) - base_day) << (_RANK_BITS + _TYPE_BITS + _OUTCOME_BITS)
        key |= np.int64(rank) << (_TYPE_BITS + _OUTCOME_BITS)
        key |= types[keep].astype(np.int64) << _OUTCOME_BITS
        key |= outcomes[keep].astype(np.int64)
        keys.append(key)
    key = np.sort(np.concatenate(keys)) if keys else np.zeros(0, np.int64)
    mask = lambda bits: (1 << bits) - 1  # noqa: E731
    event_case = (key >> _LOW_BITS).astype(np.int32)
    event_day = (
        ((key >> (_RANK_BITS + _TYPE_BITS + _OUTCOME_BITS)) & mask(_DAY_BITS)) + base_day
    ).astype(np.int32)
    event_type = ((key >> _OUTCOME_BITS) & mask(_TYPE_BITS)).astype(np.int8)
    event_outcome = (key & mask(_OUTCOME_BITS)).astype(np.int8)
    return event_case, event_type, event_outcome, event_day


def transition_table(vocabulary: Vocabulary) -> np.ndarray:
    """workflow.TRANSITIONS as an array [status, event type, outcome] -> next status (-1 where
    the workflow refuses the event), built with the workflow's own functions."""
    statuses = vocabulary.statuses
    shape = (len(statuses), len(vocabulary.event_types), len(vocabulary.outcomes))
    table = np.full(shape, -1, dtype=np.int8)
    for s, status in enumerate(statuses):
        allowed = workflow.allowed_event_codes(status)
        for e, code in enumerate(vocabulary.event_types):
            if code not in allowed:
                continue
            for o, outcome in enumerate(vocabulary.outcomes):
                table[s, e, o] = statuses.index(workflow.next_status(status, code, outcome))
    return table


def replay_statuses(
    vocabulary: Vocabulary, n: int, event_case, event_type, event_outcome
) -> np.ndarray:
    """The status of every case after replaying its events (in array order) through the workflow;
    raises if any event is not allowed where it stands."""
    table = transition_table(vocabulary)
    status = np.full(n, vocabulary.statuses.index(workflow.INITIAL_STATUS), dtype=np.int8)
    counts = np.bincount(event_case, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    for position in range(int(counts.max()) if n else 0):
        cases = np.flatnonzero(counts > position)
        index = starts[cases] + position
        status[cases] = table[status[cases], event_type[index], event_outcome[index]]
        if (status[cases] < 0).any():
            bad = cases[status[cases] < 0][0]
            raise AssertionError(f"demo timeline of case position {bad} breaks the workflow")
    return status


def build_timelines(
    rng: np.random.Generator,
    pop: Population,
    config: DemoConfig,
    vocabulary: Vocabulary,
    effect: ComplaintEffect | None = None,
) -> Timelines:
    """Timelines of all cases in ``pop``, censored at the cut-off, with their replayed status."""
    n = len(pop.intake_day)
    slots, police_day = _draw_slots(rng, pop, vocabulary, day_number(config.cutoff), effect)
    base_day = day_number(dt.date(config.first_year, 1, 1))
    event_case, event_type, event_outcome, event_day = _assemble(slots, config, base_day)
    status = replay_statuses(vocabulary, n, event_case, event_type, event_outcome)
    hearing_types = [vocabulary.event(ev.RC_HEARING), vocabulary.event(ev.TRIAL_HEARING)]
    heard = np.zeros(n, dtype=bool)
    heard[event_case[np.isin(event_type, hearing_types)]] = True
    cutoff = day_number(config.cutoff)
    police_day = np.where(police_day <= cutoff, police_day, -1).astype(np.int32)
    return Timelines(event_case, event_type, event_outcome, event_day, status, heard, police_day)

"""Drawing the signals from the generated cases: how many, which outcome, which unit and
day, converted signals matched to a case."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np

from inbeeld.demo.generator import calibration as cal
from inbeeld.demo.generator.data import DemoData, day_number
from inbeeld.demo.generator.signals.history import (
    _Draft,
    _history,
    _replay,
)
from inbeeld.demo.generator.signals.plan import (
    Catalogue,
    PlannedSignal,
    SignalPlan,
    _contact,
    _description,
    _items,
    _moment,
    _one,
    _pick,
    _receipt_minutes,
    _regional_units,
    _stream,
    _subject_name,
    _zone,
    in_force,
    new_receipt,
    new_reference,
    new_token,
    signal_count,
)
from inbeeld.demo.generator.signals.shares import (
    ACUTE_SHARE,
    CONVERTED_SETTLED_DAYS,
    CONVERTED_SHARE,
    COORDINATOR_UNIT,
    GENDER_BY_FORM,
    HISTORY_YEARS,
    LINK_SHARE_NH,
    MIN_OPEN,
    MUNICIPALITIES,
    MUNICIPALITY_SHARE,
    OPEN_IN_COORDINATOR_UNIT,
    OPEN_OUTCOMES,
    OPEN_QUESTION_SHARE,
    OPEN_RECEIVED_SHARE,
    OPEN_WINDOW_DAYS,
    OUTCOME_SHARES,
    OWN_AGE_BANDS,
    OWN_PATTERN,
    OWN_SIGNALS,
    PART_CODES,
    PART_PLAN,
    PATTERNS,
    QUESTION_SHARE,
    SETTLED_DAYS,
    SIGNALLER_WEIGHTS,
    UNIT_BOOST,
)
from inbeeld.demo.generator.signals.texts import LINK_LABELS
from inbeeld.stats import vocabulary as ev


def _case_forms(data: DemoData, position: int) -> list[str]:
    lo, hi = np.searchsorted(data.form_case, [position, position + 1])
    return [data.vocabulary.forms[f] for f in data.form[lo:hi]]


def _case_code(data: DemoData, position: int) -> str:
    from inbeeld.cases.models import CODE_ALPHABET

    chars = "".join(CODE_ALPHABET[i] for i in data.code_chars[position])
    return f"IB-{chars[:4]}-{chars[4:]}"


def eligible_cases(data: DemoData) -> np.ndarray:
    """Positions of the demo cases a signal can have been converted into: a regional unit, intake
    in the signal period, and a first event 'signal received' on the intake date."""
    v = data.vocabulary
    cutoff = day_number(data.config.cutoff)
    first = _first_day(data)
    signal_events = np.flatnonzero(data.event_type == v.event(ev.SIGNAL_RECEIVED))
    on_intake = data.event_day[signal_events] == data.intake_day[data.event_case[signal_events]]
    with_signal = np.zeros(data.case_count, dtype=bool)
    with_signal[data.event_case[signal_events[on_intake]]] = True
    regional = np.isin(data.unit, [v.unit(code) for code in _regional_units()])
    in_period = (data.intake_day >= first) & (data.intake_day <= cutoff - CONVERTED_SETTLED_DAYS)
    return np.flatnonzero(with_signal & regional & in_period)


def _first_day(data: DemoData) -> int:
    """The first day a demo signal may come in: three years before the cut-off, not before the
    demo's first year (unless the cut-off leaves no room for a decided signal after it)."""
    cutoff = data.config.cutoff
    try:
        start = cutoff.replace(year=cutoff.year - HISTORY_YEARS)
    except ValueError:  # 29 February
        start = cutoff.replace(year=cutoff.year - HISTORY_YEARS, day=28)
    first = max(day_number(start) + 1, day_number(dt.date(data.config.first_year, 1, 1)))
    return min(first, day_number(cutoff) - SETTLED_DAYS)


def _type_for_case(rng, age_band: str, form: str) -> str:
    if age_band in ("0-11", "12-15", "16-17"):
        weights = {
            "criminal": {"school": 0.55, "sports_club": 0.30, "care": 0.15},
            "sexual": {"school": 0.50, "care": 0.40, "sports_club": 0.10},
        }.get(form, {"school": 0.5, "care": 0.3, "neighbourhood_team": 0.2})
    elif age_band in ("18-22", "23-29"):
        weights = {
            "labour": {"neighbourhood_team": 0.7, "care": 0.3},
            "sexual": {"care": 0.75, "neighbourhood_team": 0.15, "sports_club": 0.10},
        }.get(form, {"care": 0.5, "neighbourhood_team": 0.5})
    else:
        weights = {"neighbourhood_team": 0.65, "care": 0.35}
    return _pick(rng, weights)


def _converted_draft(rng, data: DemoData, position: int, *, own: bool = False) -> _Draft:
    v = data.vocabulary
    forms = [f for f in _case_forms(data, position) if f in ("sexual", "criminal", "labour")]
    form = _one(rng, forms) if forms else ""
    age_band = v.age_bands[data.age_band[position]]
    kind = "school" if own else _type_for_case(rng, age_band, form)
    return _Draft(
        kind=kind,
        unit=v.units[data.unit[position]],
        age_band=age_band,
        gender=v.genders[data.gender[position]],
        form=form,
        day=int(data.intake_day[position]),
        outcome="converted",
        channel="account" if own else "public",
        own=own,
        case_code=_case_code(data, position),
        pattern=OWN_PATTERN if own else PATTERNS[kind],
    )


def _drawn_draft(rng, outcome: str, day: int, unit: str) -> _Draft:
    kind = _pick(rng, SIGNALLER_WEIGHTS)
    pattern = PATTERNS[kind]
    form = _pick(rng, pattern.forms)
    return _Draft(
        kind=kind,
        unit=unit,
        age_band=_pick(rng, pattern.ages),
        gender=_pick(rng, GENDER_BY_FORM[form]),
        form=form,
        day=day,
        outcome=outcome,
        pattern=pattern,
    )


def _largest_remainder(total: int, shares: dict[str, float]) -> dict[str, int]:
    weight = sum(shares.values())
    exact = {k: total * s / weight for k, s in shares.items()}
    counts = {k: int(np.floor(x)) for k, x in exact.items()}
    short = total - sum(counts.values())
    for key in sorted(exact, key=lambda k: -(exact[k] - counts[k]))[:short]:
        counts[key] += 1
    return counts


def plan_demo_signals(
    data: DemoData,
    catalogues: Catalogue | tuple[Catalogue, ...],
    *,
    open_until: dt.date | None = None,
) -> SignalPlan:
    """Every demo signal and its history for the cases in ``data``; no database. The open signals
    come in during the days before ``open_until`` (default and earliest: the cut-off). Each signal
    records the items of the catalogue version in force on its day of receipt (``catalogues``:
    every version, or one)."""
    from inbeeld.intake import deadlines

    if isinstance(catalogues, Catalogue):
        catalogues = (catalogues,)

    config = data.config
    n = signal_count(data.case_count)
    rng = _stream(config.seed, PART_PLAN)
    codes = _stream(config.seed, PART_CODES)
    cutoff = day_number(config.cutoff)
    recent = max(cutoff, day_number(open_until)) if open_until else cutoff
    first = _first_day(data)
    v = data.vocabulary
    regional = _regional_units()
    unit_weights = {
        code: cal.UNIT_WEIGHTS_DEFAULT[code] * UNIT_BOOST.get(code, 1.0) for code in regional
    }

    # Which cases the converted signals became: drawn with the units' weights.
    pool = eligible_cases(data) if n else np.zeros(0, dtype=np.int64)
    drafts: list[_Draft] = []

    # The demo signaller's own signals (a primary school in Zaanstad, Noord-Holland).
    own_count = min(len(OWN_SIGNALS), n)
    for status, days_before, question in OWN_SIGNALS[:own_count]:
        anchor = recent if status in OPEN_OUTCOMES else cutoff
        day = anchor - days_before - int(rng.integers(0, 3 if days_before > 10 else 1))
        day = max(day, first) if days_before >= SETTLED_DAYS else day
        form = _pick(rng, OWN_PATTERN.forms)
        drafts.append(
            _Draft(
                kind="school",
                unit=COORDINATOR_UNIT,
                age_band=_pick(rng, OWN_PATTERN.ages),
                gender=_pick(rng, GENDER_BY_FORM[form]),
                form=form,
                day=day,
                outcome=status,
                channel="account",
                own=True,
                question=question,
                pattern=OWN_PATTERN,
            )
        )
    if n > own_count:
        fitting = pool[
            (data.unit[pool] == v.unit(COORDINATOR_UNIT))
            & np.isin(data.age_band[pool], [v.age_bands.index(a) for a in OWN_AGE_BANDS])
        ]
        if len(fitting):
            chosen = int(fitting[int(rng.integers(len(fitting)))])
            drafts.append(_converted_draft(rng, data, chosen, own=True))
            pool = pool[pool != chosen]

    # Converted signals of the public channels, from the remaining eligible cases.
    wanted = max(0, round(CONVERTED_SHARE * n) - sum(d.outcome == "converted" for d in drafts))
    wanted = min(wanted, len(pool), n - len(drafts))
    if wanted:
        p = np.array([unit_weights[v.units[u]] for u in data.unit[pool]], dtype=float)
        picked = np.sort(rng.choice(pool, size=wanted, replace=False, p=p / p.sum()))
        drafts.extend(_converted_draft(rng, data, int(position)) for position in picked)

    # The other outcomes in proportion to their shares, and at least a handful still open.
    rest = n - len(drafts)
    open_count = min(rest, max(MIN_OPEN, round(OUTCOME_SHARES["open"] * n)))
    decided = {k: share for k, share in OUTCOME_SHARES.items() if k != "open"}
    counts = {**_largest_remainder(rest - open_count, decided), "open": open_count}
    outcomes = [k for k, c in counts.items() for _ in range(c)]
    for index in rng.permutation(len(outcomes)):
        outcome = outcomes[int(index)]
        if outcome == "open":
            received = rng.random() < OPEN_RECEIVED_SHARE
            outcome = "received" if received else "in_triage"
            day = recent - int(rng.integers(0, 8 if received else OPEN_WINDOW_DAYS))
            in_coordinator_unit = rng.random() < OPEN_IN_COORDINATOR_UNIT
            unit = COORDINATOR_UNIT if in_coordinator_unit else _pick(rng, unit_weights)
        else:
            day = int(rng.integers(first, cutoff - SETTLED_DAYS + 1))
            unit = _pick(rng, unit_weights)
        drafts.append(_drawn_draft(rng, outcome, day, unit))

    signals = []
    cutoff_end = _moment(cutoff, 24 * 60 - 1)
    recent_end = _moment(recent, 24 * 60 - 1)
    used_references: set[str] = set()
    for number, draft in enumerate(drafts):
        if draft.outcome == "in_triage" and not draft.question and not draft.own:
            if rng.random() < OPEN_QUESTION_SHARE:
                draft = replace(draft, question=_one(rng, ("open", "answered")))
        elif draft.outcome not in ("received", "in_triage") and not draft.question:
            if rng.random() < QUESTION_SHARE:
                draft = replace(draft, question="answered")
        if draft.kind == "sports_club" and draft.unit == COORDINATOR_UNIT and not draft.own:
            if rng.random() < LINK_SHARE_NH:
                draft = replace(draft, channel="link")
        acute = rng.random() < ACUTE_SHARE
        received_at = _moment(draft.day, _receipt_minutes(rng))
        events = _history(rng, draft, received_at, acute)
        # A history that would run past the cut-off starts as many days earlier (only the open
        # signals of the last days; a converted signal keeps its case's intake date).
        overrun = events[-1].at - (recent_end if draft.outcome in OPEN_OUTCOMES else cutoff_end)
        if overrun > dt.timedelta(0):
            if draft.case_code:
                raise AssertionError("a converted signal's history runs past the cut-off")
            shift = dt.timedelta(days=overrun.days + 1)
            events = [replace(e, at=e.at - shift) for e in events]
            received_at = events[0].at
        state = _replay(events)
        reference = new_reference(codes)
        while reference in used_references:
            reference = new_reference(codes)
        used_references.add(reference)
        receipt = "" if draft.channel == "account" else new_receipt(codes)
        link_token = new_token(codes) if draft.channel == "link" else ""
        catalogue = in_force(catalogues, received_at.astimezone(_zone()).date())
        signals.append(
            PlannedSignal(
                reference=reference,
                channel=draft.channel,
                signaller_type=draft.kind,
                own=draft.own,
                police_unit=draft.unit,
                age_band=draft.age_band,
                gender=draft.gender,
                urgency="acute" if acute else "normal",
                municipality=_municipality(rng, draft),
                subject_name=_subject_name(rng),
                description=_description(rng, draft.kind, draft.form),
                contact=_contact(rng, draft.channel, draft.kind, number),
                indicators=_items(rng, catalogue, draft.form, draft.pattern),
                catalogue_version=catalogue.version,
                received_at=received_at,
                receipt_code=receipt,
                link_label=_one(rng, LINK_LABELS) if draft.channel == "link" else "",
                link_created_at=(
                    received_at - dt.timedelta(days=int(rng.integers(1, 10)), hours=3)
                    if draft.channel == "link"
                    else None
                ),
                link_token=link_token,
                case_code=draft.case_code,
                events=tuple(events),
                status=state.status,
                acknowledge_due_at=deadlines.acknowledge_due(received_at, acute=acute),
                decision_due_at=deadlines.decision_due(received_at, acute=acute),
                acknowledged_at=state.acknowledged_at,
                decided_at=state.decided_at,
                no_action_reason=state.no_action_reason,
                question_open=state.question_open,
                version=state.version,
                answer_pending=state.answer_pending,
            )
        )
    # In order of receipt, like the cases (ids follow intake).
    signals.sort(key=lambda s: (s.received_at, s.reference))
    return SignalPlan(seed=config.seed, signals=tuple(signals))


def _municipality(rng, draft: _Draft) -> str:
    if draft.own:
        return "Zaanstad"
    if rng.random() >= MUNICIPALITY_SHARE:
        return ""
    return _one(rng, MUNICIPALITIES.get(draft.unit, ("",)))

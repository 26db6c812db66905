"""Demo suspects (issue 17 item 7): cheap, deterministic, after the cases exist, calibrated.

Only cases whose timeline has a prosecution decision get suspects (the OM decided about someone):
more of them in the network forms (cross-border sexual exploitation, labour exploitation), a
client besides in a share of minors' sexual-exploitation cases, parents and other family among
minors' perpetrators. Every suspect gets a decision that follows the case's (a dismissal of the
case dismisses every suspect, with its ground; a summons summons the main suspect and most
co-suspects) and, where the case has a verdict, a verdict of their own; a conviction gets a
sentence drawn from the published mix, the unconditional months lognormal around the published
median/mean, capped at the legal maximum. Victims of criminal exploitation are sometimes
registered as suspects themselves (non-punishment entries, the offence being the case's modus
operandi subform).

The constants in CALIBRATION cite docs/perpetrator-figures.md by S-number; those marked
"assumed" have no published figure (the doc says why the value is plausible). Corrections of the
case's events are ignored here: a corrected decision keeps the suspects' original dates.
Own random stream ([seed, 17]): the other demo draws stay exactly as they were.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import numpy as np
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from inbeeld.demo.generator.data import DemoData, day_number
from inbeeld.stats import vocabulary as ev

ROLES = ("exploiter", "recruiter", "client", "facilitator")
RELATIONSHIPS = ("parent", "family", "partner", "acquaintance", "stranger", "network")
AGE_BANDS = ("12-15", "16-17", "18-22", "23-29", "30-49", "50+", "unknown")
DECISIONS = ("summons", "dismissal", "conditional_dismissal")
GROUNDS = ("", "insufficient_evidence", "policy")
VERDICTS = ("conviction", "acquittal", "discharge")
# Sentence kinds drawn for a conviction: (sentence_type, has unconditional months, has
# conditional months, has community-service hours).
SENTENCES = (
    ("prison", True, False, False),  # wholly unconditional
    ("prison", True, True, False),  # partly conditional
    ("prison", False, True, False),  # wholly conditional
    ("community_service", False, False, True),
    ("measure_only", False, False, False),
)
MEASURES = ("compensation", "confiscation", "contact_ban")

# --- calibration (docs/perpetrator-figures.md; S-numbers there) ----------------------------------
CALIBRATION = {
    # Suspects per case, 1..4: network forms vs the others (assumed, [A1]).
    "suspects_network": (0.35, 0.30, 0.20, 0.15),
    "suspects_other": (0.60, 0.28, 0.12, 0.0),
    "client_share_minor_sexual": 0.35,  # assumed [A2]; 1 or 2 clients
    # P(relationship) of a non-client suspect (assumed [A3]); minors: 20 % family (parent+family).
    "relationship_minor": (0.12, 0.08, 0.35, 0.20, 0.05, 0.20),
    "relationship_adult": (0.02, 0.05, 0.25, 0.25, 0.13, 0.30),
    "relationship_network": (0.01, 0.04, 0.10, 0.20, 0.15, 0.50),
    # Age bands of suspects: a quarter under 23 [S3]; a sixth female [S2].
    "age_band": (0.01, 0.05, 0.19, 0.30, 0.35, 0.07, 0.03),
    "female_share": 0.17,
    # Co-suspects (and clients) of a summoned case summoned too (assumed [A4]); with the case
    # timelines' ~43 % dismissals this gives ~45 % dismissed suspects: "ruim 40 %" in 2019 [S1].
    "co_suspect_summoned": 0.9,
    # A summoned suspect of a case ending in a conviction is convicted (assumed [A5]); the case
    # timelines give >70 % convictions of those judged [S4].
    "convicted_when_case_conviction": 0.95,
    # Sentence mix of convictions (SENTENCES order): 87 % (partly) unconditional custody [S4];
    # the split of that 87 % and of the other 13 % is assumed [A6].
    "sentence_mix": (0.52, 0.35, 0.05, 0.06, 0.02),
    # Unconditional months: lognormal, median 14 and sigma 1.05 (mean ~24: "two years" [S4];
    # minors' cases: ~half <= 1 year, > a quarter 1-2 years, ~1/8 > 3 years [S5]).
    "unconditional_median_months": 14.0,
    "unconditional_sigma": 1.05,
    # Legal maximum [S6]: 12 years; 15 with a minor victim or committed jointly (in vereniging:
    # here, a case with several non-client suspects).
    "max_months": 144,
    "max_months_aggravated": 180,
    "conditional_months": (3, 12),  # uniform, assumed [A6]
    "community_service_hours": (60, 240),  # uniform; 240 is the legal maximum
    "measure_shares": (0.35, 0.10, 0.15),  # MEASURES order, assumed [A6]
    "non_punishment_share": 0.25,  # of criminal-exploitation victims, assumed [A7]
    "non_punishment_applies": 0.6,  # assumed [A7]
}


@dataclass(frozen=True)
class SuspectPlan:
    case_pos: np.ndarray  # per suspect: the case position
    role: np.ndarray  # int8 into ROLES
    relationship: np.ndarray  # int8 into RELATIONSHIPS
    age_band: np.ndarray  # int8 into AGE_BANDS
    female: np.ndarray  # bool
    code_chars: np.ndarray  # (suspects, 8)
    # Decisions, one per suspect: day, DECISIONS index, GROUNDS index.
    decision_day: np.ndarray
    decision: np.ndarray
    ground: np.ndarray
    # Verdicts: the suspect, day, VERDICTS index, and on a conviction SENTENCES index (-1
    # otherwise), unconditional/conditional months (0 = none), hours (0 = none), measure bits.
    verdict_who: np.ndarray
    verdict_day: np.ndarray
    verdict: np.ndarray
    sentence: np.ndarray
    unconditional_months: np.ndarray
    conditional_months: np.ndarray
    hours: np.ndarray
    measure_bits: np.ndarray
    non_punishment: list[tuple]  # (case position, step, day, offence, assessment, outcome)


def _first(data: DemoData, code: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per case: whether it has an event ``code``, its first day and outcome code index."""
    index = data.vocabulary.event_types.index(code)
    n = data.case_count
    has = np.zeros(n, dtype=bool)
    day = np.zeros(n, dtype=np.int32)
    outcome = np.zeros(n, dtype=np.int16)
    positions = np.flatnonzero(data.event_type == index)[::-1]  # the first wins when assigned last
    cases = data.event_case[positions]
    has[cases] = True
    day[cases] = data.event_day[positions]
    outcome[cases] = data.event_outcome[positions]
    return has, day, outcome


def case_forms(data: DemoData, name: str) -> np.ndarray:
    """Per case: whether ``name`` is among its exploitation forms."""
    flags = np.zeros(data.case_count, dtype=bool)
    flags[data.form_case[data.form == data.vocabulary.forms.index(name)]] = True
    return flags


def network_cases(data: DemoData) -> np.ndarray:
    """Per case: the forms the Dadermonitor counts as network crime here: cross-border sexual
    exploitation (a victim who is not Dutch) and labour exploitation."""
    foreign = data.nationality != data.vocabulary.nationalities.index("nl")
    return (case_forms(data, "sexual") & foreign) | case_forms(data, "labour")


def _codes(rng, n: int, taken: set[str]) -> np.ndarray:
    from inbeeld.cases.models import CODE_ALPHABET

    chars = rng.integers(0, len(CODE_ALPHABET), (n, 8), dtype=np.uint8)
    while True:
        values = chars.astype(np.int64) @ (len(CODE_ALPHABET) ** np.arange(8))
        _, first = np.unique(values, return_index=True)
        clash = np.setdiff1d(np.arange(n), first)
        if taken:
            strings = _strings(chars)
            clash = np.union1d(clash, [i for i, s in enumerate(strings) if s in taken])
        if len(clash) == 0:
            return chars
        chars[clash] = rng.integers(0, len(CODE_ALPHABET), (len(clash), 8), dtype=np.uint8)


def _strings(chars: np.ndarray) -> list[str]:
    from inbeeld.cases.models import CODE_ALPHABET

    alphabet = np.frombuffer(CODE_ALPHABET.encode("ascii"), dtype=np.uint8)
    buffer = np.empty((len(chars), 12), dtype=np.uint8)
    buffer[:, 0:3] = np.frombuffer(b"VD-", dtype=np.uint8)
    buffer[:, 7] = ord("-")
    buffer[:, 3:7] = alphabet[chars[:, :4]]
    buffer[:, 8:12] = alphabet[chars[:, 4:]]
    return buffer.view("S12").ravel().astype("U12").tolist()


def _people(rng, data: DemoData, cases: np.ndarray):
    """Suspects of the decided ``cases``: case position, client flag, role, relationship."""
    cal = CALIBRATION
    network = network_cases(data)[cases]
    counts = (
        np.where(
            network,
            rng.choice(4, size=len(cases), p=cal["suspects_network"]),
            rng.choice(4, size=len(cases), p=cal["suspects_other"]),
        )
        + 1
    )
    minor_sexual = data.minor[cases] & case_forms(data, "sexual")[cases]
    clients = np.where(
        minor_sexual & (rng.random(len(cases)) < cal["client_share_minor_sexual"]),
        rng.integers(1, 3, len(cases)),
        0,
    )
    case_pos = np.concatenate([np.repeat(cases, counts), np.repeat(cases, clients)])
    is_client = np.zeros(len(case_pos), dtype=bool)
    is_client[int(counts.sum()) :] = True
    order = np.argsort(case_pos, kind="stable")
    case_pos, is_client = case_pos[order].astype(np.int64), is_client[order]
    n = len(case_pos)
    first_of_case = np.ones(n, dtype=bool)
    first_of_case[1:] = case_pos[1:] != case_pos[:-1]
    role = np.where(first_of_case, 0, rng.choice([0, 1, 3], size=n, p=(0.3, 0.4, 0.3)))
    role = np.where(is_client, 2, role).astype(np.int8)
    minor = data.minor[case_pos]
    in_network = network_cases(data)[case_pos]
    relationship = np.select(
        [minor, in_network],
        [
            rng.choice(6, size=n, p=cal["relationship_minor"]),
            rng.choice(6, size=n, p=cal["relationship_network"]),
        ],
        rng.choice(6, size=n, p=cal["relationship_adult"]),
    )
    relationship = np.where(is_client, np.where(rng.random(n) < 0.7, 4, 3), relationship)
    age = rng.choice(len(AGE_BANDS), size=n, p=cal["age_band"])
    family = relationship <= 1  # a parent or other family member: an adult of 23 or older
    age = np.where(family & (age < 3), rng.integers(3, 6, n), age)
    age = np.where(is_client & (age < 2), 3, age)  # a client of a minor is an adult
    female = rng.random(n) < cal["female_share"]
    return case_pos, is_client, first_of_case, role, relationship.astype(np.int8), age, female


def plan_demo_suspects(data: DemoData, taken: set[str] = frozenset()) -> SuspectPlan:
    rng = np.random.Generator(np.random.PCG64([data.config.seed, 17]))
    cal = CALIBRATION
    vocab = data.vocabulary
    cutoff = day_number(data.config.cutoff)
    decided, decision_day, decision = _first(data, ev.PROSECUTION_DECISION)
    judged, verdict_day, verdict = _first(data, ev.VERDICT)
    cases = np.flatnonzero(decided)
    case_pos, is_client, main, role, relationship, age, female = _people(rng, data, cases)
    n = len(case_pos)
    outcome = np.asarray(vocab.outcomes)[decision[case_pos]]
    jitter = rng.integers(0, 21, n)
    summoned = (outcome == ev.SUMMONS_OUTCOME) & (
        main | (rng.random(n) < cal["co_suspect_summoned"])
    )
    own_decision = np.where(summoned, 0, np.where(outcome == "dismissal_conditional", 2, 1)).astype(
        np.int8
    )
    # Grounds: a dismissed case's own (technical: insufficient evidence; policy and conditional:
    # policy); a co-suspect left out of a summons: insufficient evidence, a client: policy.
    left_out = ~summoned & (outcome == ev.SUMMONS_OUTCOME)
    technical = (outcome == "dismissal_technical") | (left_out & ~is_client)
    ground = np.where(summoned, 0, np.where(technical, 1, 2)).astype(np.int8)
    own_day = np.minimum(decision_day[case_pos] + jitter, cutoff).astype(np.int32)
    # Verdicts of the summoned suspects whose case has a verdict after their decision.
    who = np.flatnonzero(summoned & judged[case_pos] & (verdict_day[case_pos] >= own_day))
    case_verdict = np.asarray(vocab.outcomes)[verdict[case_pos[who]]]
    convicted = (case_verdict == ev.CONVICTION_OUTCOME) & (
        rng.random(len(who)) < cal["convicted_when_case_conviction"]
    )
    own_verdict = np.where(convicted, 0, np.where(case_verdict == "discharge", 2, 1))
    k = len(who)
    sentence = np.where(convicted, rng.choice(len(SENTENCES), size=k, p=cal["sentence_mix"]), -1)
    kinds = np.array([s[1:] for s in SENTENCES] + [(False, False, False)], dtype=bool)
    has_unconditional, has_conditional, has_hours = kinds[sentence].T
    months = np.round(
        np.exp(
            rng.normal(np.log(cal["unconditional_median_months"]), cal["unconditional_sigma"], k)
        )
    )
    several = np.bincount(case_pos[~is_client], minlength=data.case_count)[case_pos[who]] > 1
    cap = np.where(
        data.minor[case_pos[who]] | several, cal["max_months_aggravated"], cal["max_months"]
    )
    months = np.where(has_unconditional, np.clip(months, 1, cap), 0).astype(np.int32)
    low, high = cal["conditional_months"]
    conditional = np.where(has_conditional, rng.integers(low, high + 1, k), 0).astype(np.int32)
    low, high = cal["community_service_hours"]
    hours = np.where(has_hours, rng.integers(low, high + 1, k), 0).astype(np.int32)
    bits = (rng.random((k, len(MEASURES))) < cal["measure_shares"]) @ (
        1 << np.arange(len(MEASURES))
    )
    bits = np.where(sentence == 4, bits | 1, bits)  # a measure only: at least the compensation
    bits = np.where(convicted, bits, 0).astype(np.int8)
    return SuspectPlan(
        case_pos=case_pos,
        role=role,
        relationship=relationship,
        age_band=age.astype(np.int8),
        female=female,
        code_chars=_codes(rng, n, set(taken)),
        decision_day=own_day,
        decision=own_decision,
        ground=ground,
        verdict_who=who.astype(np.int64),
        verdict_day=verdict_day[case_pos[who]].astype(np.int32),
        verdict=own_verdict.astype(np.int8),
        sentence=sentence.astype(np.int8),
        unconditional_months=months,
        conditional_months=conditional,
        hours=hours,
        measure_bits=bits,
        non_punishment=_non_punishment(rng, data),
    )


def _non_punishment(rng, data: DemoData) -> list[tuple]:
    """Criminal-exploitation victims registered as suspects: the offence is the case's modus
    operandi subform (safety.py draws the same one from the same case)."""
    from inbeeld.demo.generator.safety import criminal_subforms

    cal = CALIBRATION
    cutoff = day_number(data.config.cutoff)
    victims = np.flatnonzero(case_forms(data, "criminal"))
    chosen = victims[rng.random(len(victims)) < cal["non_punishment_share"]]
    offences = criminal_subforms(data)[chosen]
    applies = rng.random(len(chosen)) < cal["non_punishment_applies"]
    entries = []
    for k, c in enumerate(chosen):
        day = min(int(data.intake_day[c]) + 10, cutoff)
        entries.append((int(c), "suspected", day, offences[k], "", ""))
        later = min(day + 60, cutoff)
        assessment = "applies" if applies[k] else "does_not_apply"
        entries.append((int(c), "assessed", later, offences[k], assessment, ""))
        outcome = "not_prosecuted" if applies[k] else "convicted"
        entries.append((int(c), "outcome", min(later + 30, cutoff), offences[k], "", outcome))
    return entries


def _measures_json() -> list[str]:
    """Per measure bitmask: the measures as stored (a sorted JSON list)."""
    return [
        json.dumps(sorted(m for i, m in enumerate(MEASURES) if bits >> i & 1))
        for bits in range(1 << len(MEASURES))
    ]


def write_demo_suspects(data: DemoData, plan: SuspectPlan) -> int:
    """Insert the plan's suspects, links, proceedings and non-punishment entries in one
    transaction (the cases of ``data`` exist). Returns the number of suspects."""
    from inbeeld.demo.generator import bulk

    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    backend = bulk.Backend(connection)
    n = len(plan.case_pos)
    pragmas = bulk.sqlite_load_pragmas(connection, 3 * n)
    try:
        _write_suspects(connection, backend, data, plan)
    finally:
        bulk.restore_pragmas(connection, pragmas)
    return n


def _write_suspects(connection, backend, data: DemoData, plan: SuspectPlan) -> None:
    from inbeeld.demo.generator import bulk
    from inbeeld.demo.generator.linkage import _case_ids
    from inbeeld.suspects.models import (
        NonPunishmentEntry,
        ProceedingEntry,
        Suspect,
        SuspectCaseLink,
    )

    n = len(plan.case_pos)
    with transaction.atomic():
        case_ids = _case_ids(data)
        first = min(int(data.intake_day.min()), day_number(data.config.cutoff))
        dates, noons = backend.day_strings(first, day_number(data.config.cutoff))
        suspect_ids = bulk.next_id(connection, Suspect) + np.arange(n, dtype=np.int64)
        intake = data.intake_day[plan.case_pos] - first
        loaded = [Suspect, SuspectCaseLink, ProceedingEntry, NonPunishmentEntry]
        dropped = bulk.drop_foreign_keys_for_load(connection, loaded, 3 * n)
        reindex = bulk.drop_indexes_for_load(
            connection,
            {
                Suspect: n,
                SuspectCaseLink: n,
                ProceedingEntry: n + len(plan.verdict_who),
                NonPunishmentEntry: len(plan.non_punishment),
            },
        )
        backend.insert(
            Suspect,
            bulk.model_columns(
                Suspect,
                connection,
                {
                    "id": suspect_ids,
                    "code": bulk.lookup(_strings(plan.code_chars)),
                    "age_band": bulk.lookup(AGE_BANDS)[plan.age_band],
                    "gender": np.where(plan.female, "female", "male").astype(object),
                    "created_at": noons[intake],
                    "created_by": bulk.Const(None),
                },
            ),
            n,
        )
        backend.insert(
            SuspectCaseLink,
            bulk.model_columns(
                SuspectCaseLink,
                connection,
                {
                    "id": bulk.next_id(connection, SuspectCaseLink) + np.arange(n, dtype=np.int64),
                    "case": case_ids[plan.case_pos],
                    "suspect": suspect_ids,
                    "role": bulk.lookup(ROLES)[plan.role],
                    "relationship": bulk.lookup(RELATIONSHIPS)[plan.relationship],
                    "note_ciphertext": bulk.Const(""),
                    "note_family": bulk.Const(""),
                    "recorded_at": noons[intake],
                    "recorded_by": bulk.Const(None),
                    "organisation": bulk.Const(None),
                    "supersedes": bulk.Const(None),
                },
            ),
            n,
        )
        _write_proceedings(backend, plan, case_ids[plan.case_pos], suspect_ids, first, dates, noons)
        entries = plan.non_punishment
        if entries:
            cols = list(zip(*entries, strict=True))
            day = np.array(cols[2], dtype=np.int64) - first
            backend.insert(
                NonPunishmentEntry,
                bulk.model_columns(
                    NonPunishmentEntry,
                    connection,
                    {
                        "id": bulk.next_id(connection, NonPunishmentEntry)
                        + np.arange(len(entries), dtype=np.int64),
                        "case": case_ids[np.array(cols[0], dtype=np.int64)],
                        "step": bulk.lookup(cols[1]),
                        "date": dates[day],
                        "offence": bulk.lookup(cols[3]),
                        "assessment": bulk.lookup(cols[4]),
                        "outcome": bulk.lookup(cols[5]),
                        "recorded_at": noons[day],
                        "recorded_by": bulk.Const(None),
                        "organisation": bulk.Const(None),
                    },
                ),
                len(entries),
            )
        bulk.restore_indexes(connection, reindex)
        bulk.restore_foreign_keys(connection, dropped)
        if connection.vendor == "postgresql":
            bulk.reset_sequences(connection, loaded)


def _write_proceedings(backend, plan: SuspectPlan, cases, suspects, first, dates, noons) -> None:
    """The decisions (one per suspect) and verdicts (with the sentence) as ProceedingEntry rows."""
    from inbeeld.demo.generator import bulk
    from inbeeld.suspects.models import ProceedingEntry

    n, k = len(plan.case_pos), len(plan.verdict_who)
    who = np.concatenate([np.arange(n), plan.verdict_who])
    day = np.concatenate([plan.decision_day, plan.verdict_day]).astype(np.int64) - first
    blank_n, blank_k = np.full(n, "", dtype=object), np.full(k, "", dtype=object)
    none_n = np.full(n, None, dtype=object)
    sentence_types = bulk.lookup([s[0] for s in SENTENCES] + [""])

    def months(values: np.ndarray) -> np.ndarray:
        text = np.array([None] + [f"{m}.0" for m in range(1, int(values.max(initial=0)) + 1)])
        return np.concatenate([none_n, text.astype(object)[values]])

    hours = np.where(plan.hours > 0, plan.hours, None).astype(object)
    measures = np.array(_measures_json(), dtype=object)[plan.measure_bits]
    connection = backend.connection
    backend.insert(
        ProceedingEntry,
        bulk.model_columns(
            ProceedingEntry,
            connection,
            {
                "id": bulk.next_id(connection, ProceedingEntry) + np.arange(n + k, dtype=np.int64),
                "case": cases[who],
                "suspect": suspects[who],
                "kind": np.array(["decision"] * n + ["verdict"] * k, dtype=object),
                "date": dates[day],
                "decision": np.concatenate([bulk.lookup(DECISIONS)[plan.decision], blank_k]),
                "ground": np.concatenate([bulk.lookup(GROUNDS)[plan.ground], blank_k]),
                "verdict": np.concatenate([blank_n, bulk.lookup(VERDICTS)[plan.verdict]]),
                "sentence_type": np.concatenate([blank_n, sentence_types[plan.sentence]]),
                "unconditional_months": months(plan.unconditional_months),
                "conditional_months": months(plan.conditional_months),
                "community_service_hours": np.concatenate([none_n, hours]),
                "measures": np.concatenate([np.full(n, "[]", dtype=object), measures]),
                "recorded_at": noons[day],
                "recorded_by": bulk.Const(None),
                "organisation": bulk.Const(None),
                "supersedes": bulk.Const(None),
            },
        ),
        n + k,
    )


def generate_demo_suspects(data: DemoData) -> tuple[int, float]:
    """Plan and write the demo suspects of the freshly written cases: (suspects, seconds)."""
    from inbeeld.suspects.models import Suspect

    start = time.perf_counter()
    taken = (
        set(Suspect.objects.values_list("code", flat=True)) if Suspect.objects.exists() else set()
    )
    count = write_demo_suspects(data, plan_demo_suspects(data, taken))
    return count, time.perf_counter() - start

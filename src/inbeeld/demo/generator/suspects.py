"""Demo suspects (issue 17 item 7, first part): cheap and deterministic, after the cases exist.

Only cases whose timeline has a prosecution decision get suspects (the OM decided about someone),
1–3 each; a minor's case in sexual exploitation gets a client besides with some probability, and
among minors' perpetrators some are parents. Every suspect gets the case's decision (a summons for
most when the case's decision was a summons, otherwise the case's dismissal) and, where the case
has a verdict, a verdict of their own; a conviction gets a prison sentence. Victims of criminal
exploitation are sometimes registered as suspects themselves (non-punishment entries).

The shares and the sentence lengths are ASSUMPTIONS for a demo, not calibrated to published
figures yet (issue 17 item 7 asks for that; see docs/adr/0023-suspects.md). Corrections of the
case's events are ignored here: a corrected decision keeps the suspects' original dates.
Own random stream ([seed, 17]): the other demo draws stay exactly as they were.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from inbeeld.demo.generator.data import DemoData, day_number
from inbeeld.stats import vocabulary as ev

ROLES = ("exploiter", "recruiter", "client", "facilitator")
RELATIONSHIPS = ("parent", "family", "partner", "acquaintance", "stranger", "network")
# P(relationship) of a non-client suspect, for a minor's and an adult's case (assumed).
RELATIONSHIP_MINOR = (0.12, 0.08, 0.35, 0.20, 0.05, 0.20)
RELATIONSHIP_ADULT = (0.02, 0.05, 0.25, 0.25, 0.13, 0.30)
SUSPECTS_PER_CASE = (0.55, 0.30, 0.15)  # 1, 2, 3 suspects (assumed)
CLIENT_SHARE_MINOR_SEXUAL = 0.35
SUMMONED_WHEN_CASE_SUMMONS = 0.8
CONVICTED_WHEN_CASE_CONVICTION = 0.85
MEDIAN_UNCONDITIONAL_MONTHS = 24.0  # assumed; to calibrate (issue 17 item 7)
NON_PUNISHMENT_SHARE = 0.25  # of criminal-exploitation victims (assumed)


@dataclass(frozen=True)
class SuspectPlan:
    case_pos: np.ndarray  # per suspect: the case position
    role: np.ndarray  # int8 into ROLES
    relationship: np.ndarray  # int8 into RELATIONSHIPS
    code_chars: np.ndarray  # (suspects, 8)
    # proceedings: (suspect position, kind, day, decision, ground, verdict, months)
    steps: list[tuple]
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


def plan_demo_suspects(data: DemoData, taken: set[str] = frozenset()) -> SuspectPlan:
    rng = np.random.Generator(np.random.PCG64([data.config.seed, 17]))
    vocab = data.vocabulary
    cutoff = day_number(data.config.cutoff)
    decided, decision_day, decision = _first(data, ev.PROSECUTION_DECISION)
    judged, verdict_day, verdict = _first(data, ev.VERDICT)
    cases = np.flatnonzero(decided)
    counts = rng.choice(3, size=len(cases), p=SUSPECTS_PER_CASE) + 1
    case_forms = {}
    sexual, criminal = vocab.forms.index("sexual"), vocab.forms.index("criminal")
    for form_index in (sexual, criminal):
        case_forms[form_index] = np.zeros(data.case_count, dtype=bool)
        case_forms[form_index][data.form_case[data.form == form_index]] = True
    client = data.minor[cases] & case_forms[sexual][cases]
    client &= rng.random(len(cases)) < CLIENT_SHARE_MINOR_SEXUAL
    case_pos = np.concatenate([np.repeat(cases, counts), cases[client]]).astype(np.int64)
    is_client = np.zeros(len(case_pos), dtype=bool)
    is_client[len(case_pos) - int(client.sum()) :] = True
    order = np.argsort(case_pos, kind="stable")
    case_pos, is_client = case_pos[order], is_client[order]
    n = len(case_pos)
    first_of_case = np.ones(n, dtype=bool)
    first_of_case[1:] = case_pos[1:] != case_pos[:-1]
    role = np.where(first_of_case, 0, rng.choice([0, 1, 3], size=n, p=(0.3, 0.4, 0.3)))
    role = np.where(is_client, 2, role).astype(np.int8)
    minor = data.minor[case_pos]
    relationship = np.where(
        minor,
        rng.choice(6, size=n, p=RELATIONSHIP_MINOR),
        rng.choice(6, size=n, p=RELATIONSHIP_ADULT),
    )
    relationship = np.where(is_client, np.where(rng.random(n) < 0.7, 4, 3), relationship)
    summons = vocab.outcomes.index("summons")
    conviction = vocab.outcomes.index("conviction")
    jitter = rng.integers(0, 21, n)
    summoned = (decision[case_pos] == summons) & (rng.random(n) < SUMMONED_WHEN_CASE_SUMMONS)
    convicted = rng.random(n) < CONVICTED_WHEN_CASE_CONVICTION
    months = np.round(np.exp(rng.normal(np.log(MEDIAN_UNCONDITIONAL_MONTHS), 0.6, n)))
    steps = []
    for i in range(n):
        c = case_pos[i]
        day = min(int(decision_day[c]) + int(jitter[i]), cutoff)
        if not summoned[i]:
            ground = "policy" if role[i] == 2 else "insufficient_evidence"
            steps.append((i, "decision", day, "dismissal", ground, "", None))
            continue
        steps.append((i, "decision", day, "summons", "", "", None))
        if judged[c] and verdict_day[c] >= day:
            won = verdict[c] == conviction and convicted[i]
            steps.append(
                (
                    i,
                    "verdict",
                    int(verdict_day[c]),
                    "",
                    "",
                    "conviction" if won else "acquittal",
                    int(max(1, months[i])) if won else None,
                )
            )
    victims = np.flatnonzero(case_forms[criminal])
    chosen = victims[rng.random(len(victims)) < NON_PUNISHMENT_SHARE]
    offences = rng.choice(("drugs", "money_mule", "theft", "other"), size=len(chosen))
    applies = rng.random(len(chosen)) < 0.6
    non_punishment = []
    for k, c in enumerate(chosen):
        day = min(int(data.intake_day[c]) + 10, cutoff)
        non_punishment.append((int(c), "suspected", day, offences[k], "", ""))
        later = min(day + 60, cutoff)
        assessment = "applies" if applies[k] else "does_not_apply"
        non_punishment.append((int(c), "assessed", later, offences[k], assessment, ""))
        outcome = "not_prosecuted" if applies[k] else "convicted"
        non_punishment.append(
            (int(c), "outcome", min(later + 30, cutoff), offences[k], "", outcome)
        )
    return SuspectPlan(
        case_pos=case_pos,
        role=role,
        relationship=relationship.astype(np.int8),
        code_chars=_codes(rng, n, set(taken)),
        steps=steps,
        non_punishment=non_punishment,
    )


def write_demo_suspects(data: DemoData, plan: SuspectPlan) -> int:
    """Insert the plan's suspects, links, proceedings and non-punishment entries in one
    transaction (the cases of ``data`` exist). Returns the number of suspects."""
    from inbeeld.demo.generator import bulk
    from inbeeld.demo.generator.linkage import _case_ids
    from inbeeld.suspects.models import (
        NonPunishmentEntry,
        ProceedingEntry,
        Suspect,
        SuspectCaseLink,
    )

    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    backend = bulk.Backend(connection)
    n = len(plan.case_pos)
    with transaction.atomic():
        case_ids = _case_ids(data)
        first = min(int(data.intake_day.min()), day_number(data.config.cutoff))
        dates, noons = backend.day_strings(first, day_number(data.config.cutoff))
        suspect_ids = bulk.next_id(connection, Suspect) + np.arange(n, dtype=np.int64)
        intake = data.intake_day[plan.case_pos] - first
        backend.insert(
            Suspect,
            bulk.model_columns(
                Suspect,
                connection,
                {
                    "id": suspect_ids,
                    "code": bulk.lookup(_strings(plan.code_chars)),
                    "age_band": bulk.Const("unknown"),
                    "gender": bulk.Const("unknown"),
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
        steps = plan.steps
        if steps:
            cols = list(zip(*steps, strict=True))
            who = np.array(cols[0], dtype=np.int64)
            day = np.array(cols[2], dtype=np.int64) - first
            months = [None if m is None else f"{m}.0" for m in cols[6]]
            convicted = [m is not None for m in cols[6]]
            backend.insert(
                ProceedingEntry,
                bulk.model_columns(
                    ProceedingEntry,
                    connection,
                    {
                        "id": bulk.next_id(connection, ProceedingEntry)
                        + np.arange(len(steps), dtype=np.int64),
                        "case": case_ids[plan.case_pos[who]],
                        "suspect": suspect_ids[who],
                        "kind": bulk.lookup(cols[1]),
                        "date": dates[day],
                        "decision": bulk.lookup(cols[3]),
                        "ground": bulk.lookup(cols[4]),
                        "verdict": bulk.lookup(cols[5]),
                        "sentence_type": bulk.lookup("prison" if c else "" for c in convicted),
                        "unconditional_months": bulk.lookup(months),
                        "conditional_months": bulk.Const(None),
                        "community_service_hours": bulk.Const(None),
                        "measures": bulk.Const("[]"),
                        "recorded_at": noons[day],
                        "recorded_by": bulk.Const(None),
                        "organisation": bulk.Const(None),
                        "supersedes": bulk.Const(None),
                    },
                ),
                len(steps),
            )
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
        if connection.vendor == "postgresql":
            bulk.reset_sequences(
                connection, [Suspect, SuspectCaseLink, ProceedingEntry, NonPunishmentEntry]
            )
    return n


def generate_demo_suspects(data: DemoData) -> tuple[int, float]:
    """Plan and write the demo suspects of the freshly written cases: (suspects, seconds)."""
    from inbeeld.suspects.models import Suspect

    start = time.perf_counter()
    taken = (
        set(Suspect.objects.values_list("code", flat=True)) if Suspect.objects.exists() else set()
    )
    count = write_demo_suspects(data, plan_demo_suspects(data, taken))
    return count, time.perf_counter() - start

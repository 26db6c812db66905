"""Demo modus operandi records and safety facts (issue 17 items 4, 5 and 7), after the cases.

Modus operandi: one record per case that reached the police (its timeline has a first police
contact), recorded a few days later: the criminal-exploitation subform (criminal cases), where the
exploitation took place (abroad and en route mostly for victims who are not Dutch), the
recruitment channel (online channels more common among minors, docs/perpetrator-figures.md [S7]),
whether an advertisement was found (mostly sexual exploitation) and, for an advertisement, the
platform category and whether it was notified and took the advertisement down.

Safety facts: every time the victim told the story on the day of the matching timeline event
(informative interview, complaint, RC hearing), a studio interview for most minors shortly after
their complaint, the trial for a share of the victims heard there; threats after the complaint,
protective measures (contact ban, safe housing, shielded witness) and a suspect released from
custody, each dated on or after the event it follows and never after the data cut-off.

The shares are ASSUMPTIONS for a demo (docs/perpetrator-figures.md [A8]). Own random streams
([seed, 18] and, for the subform the suspects' non-punishment entries share, [seed, 18, 1]).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from inbeeld.demo.generator.data import DemoData, day_number
from inbeeld.stats import vocabulary as ev

SUBFORMS = ("drugs", "money_mule", "theft", "other")
LOCATIONS = ("netherlands", "abroad", "en_route", "unknown")
CHANNELS = ("social_media", "messaging", "sex_ad_site", "gaming", "offline")
PLATFORMS = ("social_media", "messaging", "sex_ad_site", "gaming", "marketplace", "other")

MO_CALIBRATION = {
    "subform": (0.50, 0.25, 0.15, 0.10),  # SUBFORMS order
    "location_dutch": (0.92, 0.03, 0.01, 0.04),  # LOCATIONS order
    "location_foreign": (0.65, 0.18, 0.07, 0.10),
    # Recruitment channel (CHANNELS order), sexual-exploitation cases; others use no sex-ad site.
    "channel_minor": (0.35, 0.15, 0.05, 0.05, 0.40),  # ~55 % online
    "channel_adult": (0.15, 0.10, 0.08, 0.01, 0.66),  # ~34 % online
    "channel_unknown": 0.10,  # no channel recorded
    "advertisement_sexual": 0.40,
    "advertisement_other": 0.08,
    # Platform of a found advertisement (PLATFORMS order), sexual vs other forms.
    "platform_sexual": (0.25, 0.05, 0.60, 0.0, 0.05, 0.05),
    "platform_other": (0.40, 0.10, 0.0, 0.0, 0.40, 0.10),
    "notified": 0.60,
    "taken_down_when_notified": 0.70,
}
SAFETY_CALIBRATION = {
    "studio_interview_minor": 0.70,  # of minors who filed a complaint
    "trial_told": 0.30,  # of victims with a trial hearing
    "threat_after_complaint": 0.15,
    "contact_ban_after_arrest": 0.25,
    "safe_housing_minor_or_foreign": 0.25,
    "shielded_witness_at_rc": 0.10,
    "released_after_arrest": 0.40,
}


def criminal_subforms(data: DemoData) -> np.ndarray:
    """Per case: the criminal-exploitation subform code it would have (used for criminal cases
    only); its own stream, so the modus operandi and the non-punishment offence agree."""
    rng = np.random.Generator(np.random.PCG64([data.config.seed, 18, 1]))
    drawn = rng.choice(len(SUBFORMS), size=data.case_count, p=MO_CALIBRATION["subform"])
    return np.asarray(SUBFORMS, dtype=object)[drawn]


@dataclass(frozen=True)
class SafetyPlan:
    mo_case: np.ndarray  # case position per record
    mo_day: np.ndarray
    subform: np.ndarray  # object: code or None
    location: np.ndarray  # object: code
    channel: np.ndarray  # object: code or None
    advertisement: np.ndarray  # object: True/False
    platform: np.ndarray  # object: code or None
    notified: np.ndarray  # object: True/False/None
    taken_down: np.ndarray  # object: True/False/None
    fact_case: np.ndarray
    fact_kind: np.ndarray  # object: SafetyFactKind value
    fact_day: np.ndarray


def _first_day(data: DemoData, code: str) -> tuple[np.ndarray, np.ndarray]:
    from inbeeld.demo.generator.suspects import _first

    has, day, _outcome = _first(data, code)
    return has, day


def _pick(rng, codes: tuple[str, ...], p, n: int) -> np.ndarray:
    return np.asarray(codes, dtype=object)[rng.choice(len(codes), size=n, p=p)]


def _modus_operandi(rng, data: DemoData, cutoff: int) -> dict[str, np.ndarray]:
    from inbeeld.demo.generator.suspects import case_forms

    cal = MO_CALIBRATION
    contacted, contact_day = _first_day(data, ev.FIRST_POLICE_CONTACT)
    cases = np.flatnonzero(contacted)
    n = len(cases)
    sexual = case_forms(data, "sexual")[cases]
    criminal = case_forms(data, "criminal")[cases]
    minor = data.minor[cases]
    dutch = data.nationality[cases] == data.vocabulary.nationalities.index("nl")
    subform = np.where(criminal, criminal_subforms(data)[cases], None)
    location = np.where(
        dutch,
        _pick(rng, LOCATIONS, cal["location_dutch"], n),
        _pick(rng, LOCATIONS, cal["location_foreign"], n),
    )
    channel = np.where(
        minor,
        _pick(rng, CHANNELS, cal["channel_minor"], n),
        _pick(rng, CHANNELS, cal["channel_adult"], n),
    )
    channel = np.where(~sexual & (channel == "sex_ad_site"), "offline", channel)
    channel = np.where(rng.random(n) < cal["channel_unknown"], None, channel)
    advertisement = rng.random(n) < np.where(
        sexual, cal["advertisement_sexual"], cal["advertisement_other"]
    )
    platform = np.where(
        sexual,
        _pick(rng, PLATFORMS, cal["platform_sexual"], n),
        _pick(rng, PLATFORMS, cal["platform_other"], n),
    )
    platform = np.where(advertisement, platform, None)
    notified = advertisement & (rng.random(n) < cal["notified"])
    taken_down = notified & (rng.random(n) < cal["taken_down_when_notified"])
    day = np.minimum(contact_day[cases] + rng.integers(0, 15, n), cutoff)
    return {
        "mo_case": cases.astype(np.int64),
        "mo_day": day.astype(np.int32),
        "subform": subform.astype(object),
        "location": location.astype(object),
        "channel": channel.astype(object),
        "advertisement": advertisement.astype(object),
        "platform": platform.astype(object),
        "notified": np.where(advertisement, notified, None).astype(object),
        "taken_down": np.where(notified, taken_down, None).astype(object),
    }


def _safety_facts(rng, data: DemoData, cutoff: int) -> dict[str, np.ndarray]:
    cal = SAFETY_CALIBRATION
    n = data.case_count
    foreign = data.nationality != data.vocabulary.nationalities.index("nl")
    interviewed, interview_day = _first_day(data, ev.INFORMATIVE_INTERVIEW)
    complained, complaint_day = _first_day(data, ev.COMPLAINT_FILED)
    heard_rc, rc_day = _first_day(data, ev.RC_HEARING)
    tried, trial_day = _first_day(data, ev.TRIAL_HEARING)
    arrested, arrest_day = _first_day(data, ev.SUSPECT_ARRESTED)
    draws = rng.random((7, n))
    offsets = rng.integers(0, [15, 180, 30, 30, 1, 104, 1], size=(n, 7)).T
    # (kind, per case: whether, the day): each on/after the event it follows.
    facts = [
        (ev.INFORMATIVE_INTERVIEW, interviewed, interview_day),
        ("complaint", complained, complaint_day),
        (ev.RC_HEARING, heard_rc, rc_day),
        (
            "studio_interview",
            complained & data.minor & (draws[0] < cal["studio_interview_minor"]),
            complaint_day + offsets[0],
        ),
        ("trial", tried & (draws[1] < cal["trial_told"]), trial_day),
        (
            "threat",
            complained & (draws[2] < cal["threat_after_complaint"]),
            complaint_day + 1 + offsets[1],
        ),
        (
            "contact_ban",
            arrested & (draws[3] < cal["contact_ban_after_arrest"]),
            arrest_day + offsets[2],
        ),
        (
            "safe_housing",
            (data.minor | foreign) & (draws[4] < cal["safe_housing_minor_or_foreign"]),
            data.intake_day + offsets[3],
        ),
        (
            "shielded_witness",
            heard_rc & (draws[5] < cal["shielded_witness_at_rc"]),
            rc_day + offsets[4],
        ),
        (
            "suspect_released",
            arrested & (draws[6] < cal["released_after_arrest"]),
            arrest_day + 3 + offsets[5],
        ),
    ]
    cases, kinds, days = [], [], []
    for kind, whether, day in facts:
        chosen = np.flatnonzero(whether & (day <= cutoff))
        cases.append(chosen)
        kinds.append(np.full(len(chosen), kind, dtype=object))
        days.append(day[chosen])
    order = np.lexsort((np.concatenate(days), np.concatenate(cases)))
    return {
        "fact_case": np.concatenate(cases).astype(np.int64)[order],
        "fact_kind": np.concatenate(kinds)[order],
        "fact_day": np.concatenate(days).astype(np.int32)[order],
    }


def plan_demo_safety(data: DemoData) -> SafetyPlan:
    rng = np.random.Generator(np.random.PCG64([data.config.seed, 18]))
    cutoff = day_number(data.config.cutoff)
    return SafetyPlan(**_modus_operandi(rng, data, cutoff), **_safety_facts(rng, data, cutoff))


def write_demo_safety(data: DemoData, plan: SafetyPlan) -> tuple[int, int]:
    """Insert the plan's modus operandi records and safety facts in one transaction (the cases
    of ``data`` exist). Returns (records, facts)."""
    from inbeeld.demo.generator import bulk
    from inbeeld.reference.models import ModusOperandiValue

    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    backend = bulk.Backend(connection)
    values = {
        (dimension, code): pk
        for dimension, code, pk in ModusOperandiValue.objects.values_list("dimension", "code", "pk")
    }

    def ids(dimension: str, codes: np.ndarray) -> np.ndarray:
        table = {None: None} | {code: values[(dimension, code)] for code in set(codes) - {None}}
        return np.array([table[c] for c in codes], dtype=object)

    def flags(column: np.ndarray) -> np.ndarray:
        out = column.copy()
        present = out != None  # noqa: E711 (element-wise)
        out[present] = backend.boolean(out[present].astype(bool))
        return out

    m, f = len(plan.mo_case), len(plan.fact_case)
    pragmas = bulk.sqlite_load_pragmas(connection, m + f)
    try:
        _write_safety(connection, backend, data, plan, ids, flags)
    finally:
        bulk.restore_pragmas(connection, pragmas)
    return m, f


def _write_safety(connection, backend, data: DemoData, plan: SafetyPlan, ids, flags) -> None:
    from inbeeld.demo.generator import bulk
    from inbeeld.demo.generator.linkage import _case_ids
    from inbeeld.suspects.models import ModusOperandiRecord, SafetyFact

    m, f = len(plan.mo_case), len(plan.fact_case)
    with transaction.atomic():
        case_ids = _case_ids(data)
        first = int(min(plan.mo_day.min(initial=10**6), plan.fact_day.min(initial=10**6)))
        first = min(first, day_number(data.config.cutoff))
        dates, noons = backend.day_strings(first, day_number(data.config.cutoff))
        mo_day = plan.mo_day.astype(np.int64) - first
        dropped = bulk.drop_foreign_keys_for_load(
            connection, [ModusOperandiRecord, SafetyFact], m + f
        )
        reindex = bulk.drop_indexes_for_load(connection, {ModusOperandiRecord: m, SafetyFact: f})
        backend.insert(
            ModusOperandiRecord,
            bulk.model_columns(
                ModusOperandiRecord,
                connection,
                {
                    "id": bulk.next_id(connection, ModusOperandiRecord)
                    + np.arange(m, dtype=np.int64),
                    "case": case_ids[plan.mo_case],
                    "criminal_subform": ids("criminal_subform", plan.subform),
                    "location": ids("location", plan.location),
                    "recruitment_channel": ids("recruitment_channel", plan.channel),
                    "advertisement_found": flags(plan.advertisement),
                    "platform_category": ids("platform_category", plan.platform),
                    "platform_notified": flags(plan.notified),
                    "taken_down": flags(plan.taken_down),
                    "recorded_at": noons[mo_day],
                    "recorded_by": bulk.Const(None),
                    "organisation": bulk.Const(None),
                },
            ),
            m,
        )
        fact_day = plan.fact_day.astype(np.int64) - first
        backend.insert(
            SafetyFact,
            bulk.model_columns(
                SafetyFact,
                connection,
                {
                    "id": bulk.next_id(connection, SafetyFact) + np.arange(f, dtype=np.int64),
                    "case": case_ids[plan.fact_case],
                    "kind": plan.fact_kind,
                    "date": dates[fact_day],
                    "recorded_at": noons[fact_day],
                    "recorded_by": bulk.Const(None),
                    "organisation": bulk.Const(None),
                },
            ),
            f,
        )
        bulk.restore_indexes(connection, reindex)
        bulk.restore_foreign_keys(connection, dropped)
        if connection.vendor == "postgresql":
            bulk.reset_sequences(connection, [ModusOperandiRecord, SafetyFact])


def generate_demo_safety(data: DemoData) -> tuple[int, int, float]:
    """Plan and write the demo modus operandi and safety facts: (records, facts, seconds)."""
    start = time.perf_counter()
    records, facts = write_demo_safety(data, plan_demo_safety(data))
    return records, facts, time.perf_counter() - start

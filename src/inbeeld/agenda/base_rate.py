"""The base rate beside the figure (issue 18, item 3): of all motions (Zaak ``Soort`` "Motie") in
dossier 28638 in the parliament mirror, how many were carried. The outcome of a motion is the
newest Besluit linked to it (Besluit ``Zaak`` / ``Zaak_Id``, or the Zaak's expanded ``Besluit``):
``BesluitTekst``/``BesluitSoort`` with "aangenomen" or "verworpen"; when neither says it, the
Stemming rows of that Besluit (``Soort`` "Voor"/"Tegen", weighted by ``FractieGrootte``) decide.
A motion without such a decision (withdrawn, held, not yet voted) is left out of the denominator
and counted apart. The interval is Wilson's, from ``stats.proportions``."""

from __future__ import annotations

from dataclasses import dataclass

from inbeeld.agenda.parliament import DOSSIER, current_records
from inbeeld.stats import proportions
from inbeeld.stats.exceptions import NotEstimable
from inbeeld.stats.results import Interval


@dataclass(frozen=True)
class BaseRate:
    carried: int
    decided: int  # carried + rejected
    undecided: int  # motions without a vote outcome in the mirror
    share: Interval | None


def _ids(value) -> list[str]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return [str(value).lower()] if value else []
    return [
        str(item.get("Id")).lower() for item in value if isinstance(item, dict) and item.get("Id")
    ]


def _verdict_from_text(raw: dict) -> bool | None:
    text = f"{raw.get('BesluitTekst') or ''} {raw.get('BesluitSoort') or ''}".lower()
    if "verworpen" in text:
        return False
    if "aangenomen" in text:
        return True
    return None


def _verdict_from_votes(votes: list[dict]) -> bool | None:
    tally = {"voor": 0, "tegen": 0}
    for vote in votes:
        kind = str(vote.get("Soort") or "").lower()
        if kind in tally:
            size = str(vote.get("FractieGrootte") or "")
            tally[kind] += int(size) if size.isdigit() and int(size) > 0 else 1
    if not tally["voor"] and not tally["tegen"]:
        return None
    return tally["voor"] > tally["tegen"]


def motion_base_rate() -> BaseRate:
    records = current_records(relevant_only=False)
    motions = {
        str(r.guid): r
        for r in records
        if r.entity == "Zaak" and r.kind.lower() == "motie" and r.dossier == DOSSIER
    }
    besluiten: dict[str, list] = {}  # zaak guid → its Besluit records (raw), newest last
    votes: dict[str, list] = {}  # besluit guid → its Stemming rows
    for record in sorted(records, key=lambda r: r.changed_at):
        raw = record.raw
        if record.entity == "Besluit":
            for zaak in _ids(raw.get("Zaak")) + _ids(raw.get("Zaak_Id")):
                besluiten.setdefault(zaak, []).append(raw)
            if isinstance(raw.get("Stemming"), list):
                votes.setdefault(str(record.guid), []).extend(
                    v for v in raw["Stemming"] if isinstance(v, dict)
                )
        elif record.entity == "Stemming" and raw.get("Besluit_Id"):
            votes.setdefault(str(raw["Besluit_Id"]).lower(), []).append(raw)
    carried = decided = 0
    for guid, motion in motions.items():
        linked = besluiten.get(guid, []) + [
            b for b in motion.raw.get("Besluit") or [] if isinstance(b, dict)
        ]
        verdict = None
        for besluit in reversed(linked):
            verdict = _verdict_from_text(besluit)
            if verdict is None:
                nested = [v for v in besluit.get("Stemming") or [] if isinstance(v, dict)]
                verdict = _verdict_from_votes(
                    nested + votes.get(str(besluit.get("Id", "")).lower(), [])
                )
            if verdict is not None:
                break
        if verdict is not None:
            decided += 1
            carried += verdict
    try:
        share = proportions.wilson_interval(carried, decided)
    except NotEstimable:
        share = None
    return BaseRate(carried, decided, len(motions) - decided, share)

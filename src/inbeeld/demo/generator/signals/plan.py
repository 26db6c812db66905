"""The catalogue free of the database, the planned signal and its events, and the small
drawing helpers (random streams, codes, moments in office hours, items, texts)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from inbeeld.demo.generator.data import day_date, day_number
from inbeeld.demo.generator.signals.shares import (
    CASES_PER_SIGNAL,
    DEMO_SIGNALLER,
    ITEM_COUNTS,
    MAX_SIGNALS,
    MIN_SIGNALS,
    NAME_SHARE,
    ONLINE_CATEGORY,
    STREAM_SIGNALS,
    Pattern,
)
from inbeeld.demo.generator.signals.texts import (
    CONTACT_ORGANISATIONS,
    CONTACT_ROLES,
    CONTACT_SHARE,
    DESCRIPTION_SHARE,
    DESCRIPTIONS,
    INITIALS,
)


@dataclass(frozen=True)
class Catalogue:
    """What the generator needs of one catalogue version: its categories (code, form code or ""
    for the general signs, item codes), in catalogue order, and the day it comes into force."""

    version: int
    categories: tuple[tuple[str, str, tuple[str, ...]], ...]
    valid_from: dt.date = dt.date.min

    @classmethod
    def from_document(cls, version: int = 1) -> Catalogue:
        from inbeeld.reference.sync import load_indicator_document

        spec = next(v for v in load_indicator_document()["versions"] if v["version"] == version)
        return cls(
            version=version,
            categories=tuple(
                (c["code"], c["form"] or "", tuple(i["code"] for i in c["items"]))
                for c in sorted(spec["categories"], key=lambda c: (c["order"], c["code"]))
            ),
            valid_from=dt.date.fromisoformat(spec["valid_from"]),
        )

    @classmethod
    def all_from_document(cls) -> tuple[Catalogue, ...]:
        """Every version of data/indicators.json, oldest first."""
        from inbeeld.reference.sync import load_indicator_document

        versions = sorted(v["version"] for v in load_indicator_document()["versions"])
        return tuple(cls.from_document(version) for version in versions)

    @classmethod
    def from_database(cls, version) -> Catalogue:
        """``version``: an IndicatorCatalogueVersion."""
        from inbeeld.reference.models import Indicator

        items: dict[tuple[int, str, str], list[str]] = {}
        rows = (
            Indicator.objects.filter(category__catalogue_version=version)
            .order_by("category__order", "category__code", "order", "code")
            .values_list("category__order", "category__code", "category__form__code", "code")
        )
        for order, category, form, item in rows:
            items.setdefault((order, category, form or ""), []).append(item)
        return cls(
            version=version.version,
            categories=tuple((c, f, tuple(codes)) for (_, c, f), codes in items.items()),
            valid_from=version.valid_from,
        )

    @classmethod
    def all_from_database(cls) -> tuple[Catalogue, ...]:
        """Every stored catalogue version, oldest first."""
        from inbeeld.reference.models import IndicatorCatalogueVersion

        return tuple(
            cls.from_database(version)
            for version in IndicatorCatalogueVersion.objects.order_by("version")
        )

    def by_form(self, form: str) -> list[tuple[str, tuple[str, ...]]]:
        found = [(code, items) for code, f, items in self.categories if f == form and items]
        if not found and form:
            return self.by_form("")
        return found or [(code, items) for code, _, items in self.categories if items]

    def category(self, code: str) -> tuple[str, ...]:
        """The item codes of category ``code`` (empty when this version does not have it)."""
        return next((items for c, _, items in self.categories if c == code), ())


def in_force(catalogues: tuple[Catalogue, ...], day: dt.date) -> Catalogue:
    """The version in force on ``day``: the newest whose valid_from is not after it (the oldest
    when none is yet), as intake.services.current_catalogue_version decides for a live signal."""
    ordered = sorted(catalogues, key=lambda c: c.version)
    valid = [c for c in ordered if c.valid_from <= day]
    return valid[-1] if valid else ordered[0]


# --- the plan ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedEvent:
    kind: str  # SignalEvent.Kind
    at: dt.datetime
    from_status: str = ""
    to_status: str = ""
    from_unit: str = ""
    to_unit: str = ""
    reason: str = ""
    text: str = ""  # internal (encrypted when written)
    message: str = ""  # for the signaller (encrypted when written)
    actor: str = ""  # "submitter", "coordinator:<unit code>" or "" (nobody logged in)


@dataclass(frozen=True)
class PlannedSignal:
    reference: str
    channel: str
    signaller_type: str
    own: bool  # submitted by the demo signaller
    police_unit: str  # where it ended up
    age_band: str
    gender: str
    urgency: str
    municipality: str
    subject_name: str
    description: str
    contact: str  # JSON as the service stores it, "" for none
    indicators: tuple[tuple[str, str], ...]  # (category code, item code)
    catalogue_version: int  # the version in force on the day of receipt
    received_at: dt.datetime
    receipt_code: str  # anonymous channels only
    link_label: str  # channel 'link' only
    link_created_at: dt.datetime | None
    link_token: str
    case_code: str  # converted only
    events: tuple[PlannedEvent, ...]
    # the state after the history, as the services leave it
    status: str
    acknowledge_due_at: dt.datetime
    decision_due_at: dt.datetime
    acknowledged_at: dt.datetime | None
    decided_at: dt.datetime | None
    no_action_reason: str
    question_open: bool
    version: int
    # The signaller answered and no coordinator stepped in since ("antwoord ontvangen").
    answer_pending: bool = False


@dataclass(frozen=True)
class SignalPlan:
    seed: int
    signals: tuple[PlannedSignal, ...]

    @property
    def catalogue_versions(self) -> set[int]:
        """The catalogue versions the signals were recorded under."""
        return {s.catalogue_version for s in self.signals}

    def __len__(self) -> int:
        return len(self.signals)


def signal_count(cases: int) -> int:
    """How many demo signals go with ``cases`` demo cases."""
    if cases <= 0:
        return 0
    return min(MAX_SIGNALS, max(MIN_SIGNALS, cases // CASES_PER_SIGNAL))


def _stream(seed: int, part: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64([seed, STREAM_SIGNALS, part]))


def _pick(rng: np.random.Generator, weights: dict):
    """One key of ``weights``, drawn with its (relative) weight."""
    total = sum(weights.values())
    u = rng.random() * total
    for key, weight in weights.items():
        u -= weight
        if u < 0:
            return key
    return key


def _one(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _code(rng: np.random.Generator, length: int) -> str:
    from inbeeld.intake.models import CODE_ALPHABET

    return "".join(CODE_ALPHABET[i] for i in rng.integers(0, len(CODE_ALPHABET), length))


def new_reference(rng: np.random.Generator) -> str:
    chars = _code(rng, 8)
    return f"SG-{chars[:4]}-{chars[4:]}"


def new_receipt(rng: np.random.Generator) -> str:
    chars = _code(rng, 12)
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def new_token(rng: np.random.Generator) -> str:
    return rng.bytes(24).hex()


@lru_cache(maxsize=1)
def _regional_units() -> tuple[str, ...]:
    from inbeeld.reference.sync import load_reference_document

    return tuple(
        u["code"] for u in load_reference_document()["police_units"] if u["kind"] == "regional"
    )


def _zone():
    import zoneinfo

    from django.conf import settings

    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _moment(day: int, minutes: int) -> dt.datetime:
    """Day number + minutes after local midnight, as an aware UTC datetime."""
    local = dt.datetime.combine(day_date(day), dt.time(), tzinfo=_zone()) + dt.timedelta(
        minutes=int(minutes)
    )
    return local.astimezone(dt.UTC)


def _receipt_minutes(rng: np.random.Generator) -> int:
    """Time of day a signal comes in: mostly office hours, some evenings."""
    hour = _pick(rng, {h: (3.0 if 8 <= h < 18 else 1.0) for h in range(7, 23)})
    return hour * 60 + int(rng.integers(0, 60))


def _hours(rng: np.random.Generator, median: float, sigma: float, cap: float) -> dt.timedelta:
    value = min(float(rng.lognormal(np.log(median), sigma)), cap)
    return dt.timedelta(minutes=max(5, round(value * 60)))


def _office_hours(rng, moment: dt.datetime) -> dt.datetime:
    """``moment`` if it falls on a working day between 8:00 and 18:00 (local), else early on the
    next working morning."""
    from inbeeld.intake.deadlines import is_working_day

    local = moment.astimezone(_zone())
    if is_working_day(local.date()) and 8 <= local.hour < 18:
        return moment
    day = local.date() if local.hour < 8 else local.date() + dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return _moment(day_number(day), 8 * 60 + int(rng.integers(0, 120)))


def _items(rng, catalogue: Catalogue, form: str, pattern: Pattern) -> tuple[tuple[str, str], ...]:
    """2-5 items from one or two categories of ``form`` (plus, now and then, a general one and,
    on a catalogue that has it, the online-recruitment category)."""
    categories = [c for c in catalogue.by_form(form) if c[0] != ONLINE_CATEGORY]
    general_categories = [c for c in catalogue.by_form("") if c[0] != ONLINE_CATEGORY]
    weights = {code: pattern.preferred.get(code, 1.0) for code, _ in categories}
    chosen = [_pick(rng, weights)]
    if len(categories) > 1 and rng.random() < 0.4:
        weights.pop(chosen[0])
        chosen.append(_pick(rng, weights))
    if form and rng.random() < pattern.general_share:
        general = [code for code, _ in general_categories if code not in chosen]
        if general:
            chosen.append(_one(rng, general))
    online = catalogue.category(ONLINE_CATEGORY)
    # Only drawn on a catalogue with the category, so a version-1 signal draws as it always did.
    if online and rng.random() < pattern.online_share:
        chosen.append(ONLINE_CATEGORY)
    items = dict(categories + general_categories + [(ONLINE_CATEGORY, online)])
    pool = [(code, item) for code in chosen for item in items[code]]
    count = min(_pick(rng, ITEM_COUNTS), len(pool))
    if ONLINE_CATEGORY in chosen:  # the chosen online category shows at least one of its items
        first = pool.index((ONLINE_CATEGORY, _one(rng, online)))
        rest = [i for i in range(len(pool)) if i != first]
        others = rng.choice(rest, size=count - 1, replace=False).tolist()
        picked = sorted([first, *others])
    else:
        picked = sorted(rng.choice(len(pool), size=count, replace=False).tolist())
    return tuple(pool[i] for i in picked)


def _description(rng, kind: str, form: str) -> str:
    if rng.random() >= DESCRIPTION_SHARE:
        return ""
    texts = DESCRIPTIONS.get((kind, form)) or DESCRIPTIONS[form]
    return _one(rng, texts)


def _contact(rng, channel: str, kind: str, number: int) -> str:
    from inbeeld.demo.accounts import DEMO_USERS
    from inbeeld.intake.services import Contact

    if rng.random() >= CONTACT_SHARE[channel]:
        return ""
    if channel == "account":  # the demo signaller; the form proposes its organisation
        organisation = next(u.organisation for u in DEMO_USERS if u.username == DEMO_SIGNALLER)
        return Contact(
            name="Leerkracht groep 8",
            organisation=organisation,
            email=f"{DEMO_SIGNALLER}@example.org",
        ).to_json()
    role = _one(rng, CONTACT_ROLES[kind])
    ascii_role = unicodedata.normalize("NFKD", role).encode("ascii", "ignore").decode()
    slug = ascii_role.split()[0].lower()
    return Contact(
        name=role,
        organisation=_one(rng, CONTACT_ORGANISATIONS[kind]),
        email=f"{slug}.{number:04d}@example.org",
    ).to_json()


def _subject_name(rng) -> str:
    return f"{_one(rng, INITIALS)}." if rng.random() < NAME_SHARE else ""

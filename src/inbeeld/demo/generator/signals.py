"""Demo signals (vroegsignalering): what schools, sports clubs, care organisations and
neighbourhood teams noticed, and what the safety coordinators did with it.

Two steps, like the cases:

- ``plan_demo_signals(data, catalogue)``: no database. From the generated cases (``DemoData``) and
  the indicator catalogue it draws every signal and its whole history, deterministically in the
  seed (its own random stream, so the cases' draws stay as they were). Each history is replayed
  through the intake workflow (``workflow.check_transition`` and the services' own ``_move``), so
  status, ``acknowledged_at``, ``decided_at``, ``version`` and ``question_open`` are exactly what
  the services would have stored after these steps; the time targets come from intake.deadlines.
- ``write_demo_signals(plan)``: bulk inserts (intake links, signals, their indicators and history)
  in one transaction, free text encrypted. No audit rows: the demo load has its one DEMO_LOADED row.

What the demo holds (shares of all signals, roughly): 20 % converted into a case, 25 % referred to
care, 15 % referred to the police, 20 % advice given, 15 % no action (with a reason) and the rest
still open. Schools report mostly criminal exploitation and loverboy signs about 12–17-year-olds;
sports clubs criminal exploitation; care organisations sexual exploitation and the general
three-cluster signs of 16–29-year-olds; neighbourhood teams labour exploitation and general signs
of adults. Two to five items per signal, from one or two categories of the matching form; about
10 % acute. Units are weighted like the cases, with extra weight on Noord-Holland (the demo's
safety coordinator works there). Decided signals fall in the three years before the cut-off;
coordinators act on working days during office hours, on acute signals day and night, and now and
then miss a time target. The open signals are the most recent ones, in the days before
``open_until`` (default: the cut-off, so the rows do not depend on today's date; `inbeeld demo`
passes today when the cut-off lies in the past, so a coordinator's queue holds fresh signals, some
within their time target and some past it). Items come from the
catalogue version in force on the cut-off date (the oldest when none was yet).

Converted signals link to demo cases that already start with a 'signal received' event on their
intake date (the calibrated 45 % of cases): ``signal_convert`` gives a case exactly that (intake
date = the signal's date of receipt, first event 'signal received' on it), so the signal is dated
on the case's intake date and copies its unit, age band and gender; its items come from one of the
case's exploitation forms. The case rows and their events are left as the case generator wrote
them (created at noon of the intake day, without author). When too few such cases lie in the
period (a small demo), fewer signals are converted and the others get the remaining outcomes.

A few signals belong to the demo signaller ``school.zaandam`` (channel 'account', different
statuses) so that login has a list of its own; the others came in through the public form or, in
Noord-Holland, through a one-time link made by ``coordinator.nh``. Names are synthetic initials
("J.") in about 30 % of the signals, contact details use example.org. Only coordinator.nh exists
as a demo safety coordinator: steps in other units have no actor (as for an anonymous step).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import SimpleNamespace

import numpy as np

from inbeeld.demo.generator import calibration as cal
from inbeeld.demo.generator.data import DemoData, day_date, day_number

# PCG64([seed, STREAM_SIGNALS, part]); the case generator uses the main stream and 4-8.
STREAM_SIGNALS = 9
PART_PLAN = 0
PART_CODES = 1  # references, receipt codes, link tokens
PART_REDRAW = 2  # codes redrawn because the database already holds them

MIN_SIGNALS = 60
CASES_PER_SIGNAL = 20
MAX_SIGNALS = 5000
HISTORY_YEARS = 3
# Signals that are decided (or converted) came in at least this many days before the cut-off, so
# their whole history lies before it; the open ones are the last OPEN_WINDOW_DAYS.
SETTLED_DAYS = 45
# A converted signal keeps its case's intake date, so its history must fit before the cut-off
# whatever the drawn delays (their caps plus weekends and holidays add up to under 60 days).
CONVERTED_SETTLED_DAYS = 75
OPEN_WINDOW_DAYS = 30
MIN_OPEN = 6

DEMO_SIGNALLER = "school.zaandam"
DEMO_COORDINATOR = "coordinator.nh"
COORDINATOR_UNIT = "noord-holland"

# Outcome shares of the signals not converted (converted: CONVERTED_SHARE of all signals).
CONVERTED_SHARE = 0.20
OUTCOME_SHARES = {
    "referred_care": 0.25,
    "referred_police": 0.15,
    "advice_given": 0.20,
    "no_action": 0.15,
    "open": 0.05,
}
OPEN_RECEIVED_SHARE = 0.4  # of the open signals, still 'received' (the rest 'in_triage')
OPEN_IN_COORDINATOR_UNIT = 0.5  # the demo coordinator's queue needs content
UNIT_BOOST = {COORDINATOR_UNIT: 2.5}
ACUTE_SHARE = 0.10
NAME_SHARE = 0.30
QUESTION_SHARE = 0.15
OPEN_QUESTION_SHARE = 0.30  # of the signals in triage, a question asked (half still unanswered)
REOPEN_SHARE = 0.05  # decided, then reopened on new information and decided again
VIA_REFERRAL_SHARE = 0.25  # of the converted: referred first, converted later
REROUTE_SHARE = 0.04  # of the public signals: sent on to another unit first
LINK_SHARE_NH = 0.5  # sports clubs in Noord-Holland: through a one-time link
MESSAGE_SHARE = 0.6
NOTE_SHARE = 0.4

SIGNALLER_WEIGHTS = {"school": 0.32, "sports_club": 0.13, "care": 0.30, "neighbourhood_team": 0.25}
NO_ACTION_REASONS = {
    "no_indications": 0.45,
    "already_known": 0.25,
    "insufficient_information": 0.15,
    "duplicate": 0.10,
    "other": 0.05,
}
ITEM_COUNTS = {2: 0.30, 3: 0.35, 4: 0.22, 5: 0.13}
GENDER_BY_FORM = {
    "sexual": {"female": 0.85, "male": 0.12, "other": 0.01, "unknown": 0.02},
    "criminal": {"male": 0.70, "female": 0.27, "unknown": 0.03},
    "labour": {"male": 0.60, "female": 0.37, "unknown": 0.03},
    "": {"female": 0.50, "male": 0.45, "unknown": 0.05},
}


@dataclass(frozen=True)
class Pattern:
    """What a kind of signaller typically notices, about whom."""

    forms: dict[str, float]  # exploitation form of the items ("" = general signs only)
    ages: dict[str, float]
    general_share: float  # chance of one general (three-cluster) category beside the form's
    preferred: dict[str, float] = field(default_factory=dict)  # category code -> weight


PATTERNS = {
    "school": Pattern(
        forms={"criminal": 0.55, "sexual": 0.45},
        ages={"12-15": 0.5, "16-17": 0.5},
        general_share=0.0,
        preferred={"criminal-school": 3.0, "sexual-behaviour": 2.0},
    ),
    "sports_club": Pattern(
        forms={"criminal": 0.85, "sexual": 0.15},
        ages={"12-15": 0.4, "16-17": 0.45, "18-22": 0.15},
        general_share=0.0,
        preferred={"criminal-young-person": 2.0, "criminal-contacts": 2.0, "criminal-school": 0.3},
    ),
    "care": Pattern(
        forms={"sexual": 0.70, "": 0.30},
        ages={"16-17": 0.3, "18-22": 0.4, "23-29": 0.3},
        general_share=0.35,
    ),
    "neighbourhood_team": Pattern(
        forms={"labour": 0.65, "": 0.35},
        ages={"18-22": 0.1, "23-29": 0.25, "30-49": 0.5, "50+": 0.1, "unknown": 0.05},
        general_share=0.4,
    ),
}
# The demo signaller is a primary school: pupils up to about 12.
OWN_PATTERN = Pattern(
    forms={"criminal": 0.7, "sexual": 0.3},
    ages={"0-11": 0.4, "12-15": 0.6},
    general_share=0.0,
    preferred={"criminal-school": 3.0},
)
OWN_AGE_BANDS = ("0-11", "12-15")
OPEN_OUTCOMES = ("received", "in_triage")
# The statuses of the demo signaller's own signals (days before the cut-off they came in); a
# converted one is added when a fitting case exists.
OWN_SIGNALS = (
    # (status, days before the cut-off, question: "", "open" or "answered")
    ("received", 3, ""),
    ("in_triage", 6, "open"),
    ("advice_given", 120, "answered"),
    ("referred_care", 210, ""),
    ("no_action", 400, ""),
    ("referred_police", 650, ""),
)
MUNICIPALITY_SHARE = 0.8
MUNICIPALITIES = {
    "noord-nederland": ("Groningen", "Leeuwarden", "Assen", "Emmen"),
    "oost-nederland": ("Enschede", "Arnhem", "Zwolle", "Apeldoorn", "Nijmegen"),
    "midden-nederland": ("Utrecht", "Amersfoort", "Almere", "Lelystad"),
    "noord-holland": ("Zaanstad", "Haarlem", "Alkmaar", "Hoorn", "Den Helder"),
    "amsterdam": ("Amsterdam", "Amstelveen", "Diemen", "Aalsmeer"),
    "den-haag": ("Den Haag", "Leiden", "Zoetermeer", "Delft"),
    "rotterdam": ("Rotterdam", "Dordrecht", "Schiedam", "Gouda"),
    "zeeland-west-brabant": ("Breda", "Tilburg", "Middelburg", "Roosendaal"),
    "oost-brabant": ("Eindhoven", "'s-Hertogenbosch", "Helmond", "Oss"),
    "limburg": ("Maastricht", "Venlo", "Heerlen", "Roermond"),
}

# --- synthetic texts (Dutch; no names, no real people) ---------------------------------------------

DESCRIPTIONS = {
    ("school", "criminal"): (
        "Leerling verzuimt de laatste weken steeds vaker en wordt na schooltijd opgewacht door "
        "oudere jongens in een auto.",
        "Leerling heeft sinds kort twee telefoons en vertelt dat hij pakketjes rondbrengt voor "
        "iemand die hij niet wil noemen.",
        "De cijfers zijn sterk gedaald; de leerling lijkt angstig en zegt schulden te hebben bij "
        "vrienden.",
    ),
    ("school", "sexual"): (
        "Leerling heeft opeens dure kleding en een nieuwe telefoon en heeft een veel oudere "
        "vriend.",
        "Leerling is vaak moe in de les, gaat veel uit en ontwijkt vragen over het weekend.",
        "Klasgenoten vertellen dat er beelden van de leerling rondgaan en dat zij onder druk "
        "wordt gezet.",
    ),
    ("sports_club", "criminal"): (
        "Jeugdspeler komt niet meer trainen en is gezien bij het afleveren van pakketjes.",
        "Speler wordt na de training opgehaald door onbekende oudere mannen en heeft plotseling "
        "veel geld.",
        "Speler vertelt dat hij zijn bankpas heeft uitgeleend en nu onder druk wordt gezet.",
    ),
    ("sports_club", "sexual"): (
        "Speelster heeft een veel oudere vriend die haar overal naartoe brengt en haar telefoon "
        "controleert.",
    ),
    ("care", "sexual"): (
        "Cliënt vertelt over een vriend die haar met andere mannen laat afspreken en het geld "
        "houdt.",
        "Cliënt heeft tekenen van geweld en wordt voortdurend gebeld; zij wil er niet over praten.",
        "Jongvolwassene in begeleid wonen is vaak nachten weg en komt terug met dure spullen.",
    ),
    ("care", ""): (
        "Cliënt heeft geen eigen identiteitsbewijs meer en weet niet waar het verdiende geld "
        "blijft.",
        "Cliënt is geïsoleerd, heeft schulden bij degene die de reis regelde en is bang voor "
        "uitzetting.",
    ),
    ("neighbourhood_team", "labour"): (
        "Bewoners van een overvolle woning werken lange dagen in de kassen en leveren hun loon in "
        "bij de huisbaas, die ook de werkgever is.",
        "Bewoner vertelt dat zijn paspoort bij de werkgever ligt en dat hij een hoge schuld moet "
        "afbetalen.",
        "Bewoonster werkt zes dagen per week in een salon, zwart en ver onder het minimumloon.",
    ),
    ("neighbourhood_team", ""): (
        "Meerdere mensen slapen op de werkplek en mogen het pand niet zonder toestemming verlaten.",
        "Bewoner durft niet naar de huisarts; iemand anders regelt zijn huisvesting en vervoer.",
    ),
    "criminal": (
        "Jongvolwassene moet bankrekeningen en telefoonabonnementen op zijn naam zetten voor "
        "anderen.",
    ),
    "sexual": ("Zorgen over seksuele uitbuiting; meerdere signalen tegelijk gezien.",),
    "labour": ("Zorgen over de omstandigheden op het werk; meerdere signalen tegelijk gezien.",),
    "": ("Zorgen over mogelijke uitbuiting; zie de aangevinkte signalen.",),
}
DESCRIPTION_SHARE = 0.85
CONTACT_SHARE = {"public": 0.6, "link": 0.9, "account": 1.0}
CONTACT_ROLES = {
    "school": ("Mentor", "Zorgcoördinator school", "Docent"),
    "sports_club": ("Trainer", "Vertrouwenscontactpersoon"),
    "care": ("Begeleider", "Hulpverlener"),
    "neighbourhood_team": ("Wijkwerker", "Buurtcoach"),
}
CONTACT_ORGANISATIONS = {
    "school": ("Scholengemeenschap (demo)", "Vmbo-school (demo)", "Mbo-college (demo)"),
    "sports_club": ("Voetbalvereniging (demo)", "Vechtsportschool (demo)"),
    "care": ("Jeugdzorgaanbieder (demo)", "Ggz-instelling (demo)", "Opvangorganisatie (demo)"),
    "neighbourhood_team": ("Sociaal wijkteam (demo)", "Buurtteam (demo)"),
}
LINK_LABELS = (
    "Trainer voetbalvereniging (demo)",
    "Coach zwemvereniging (demo)",
    "Jeugdtrainer hockeyclub (demo)",
)
INITIALS = "ABDEFHIJKLMNRSTYZ"
MESSAGES = {
    "in_triage": ("Uw signaal is in behandeling genomen.",),
    "referred_care": (
        "Wij hebben uw signaal doorgezet naar de zorg in de regio. Dank voor uw melding.",
        "Een hulpverlener neemt contact op met de betrokkene.",
    ),
    "referred_police": ("Uw signaal is doorgegeven aan de politie (AVIM).",),
    "advice_given": (
        "Blijf in gesprek met de betrokkene en meld nieuwe signalen direct.",
        "Wij hebben u gebeld met advies over de volgende stappen.",
    ),
    "no_action": (
        "Op basis van deze informatie ondernemen wij nu geen actie. Meld het opnieuw als u meer "
        "ziet.",
    ),
    "converted": ("Uw signaal is opgepakt in de keten. Dank voor uw melding.",),
}
NOTES = {
    "referred_care": ("Overgedragen aan de zorgcoördinator; veiligheidsinschatting volgt.",),
    "referred_police": ("Besproken met AVIM; de politie neemt contact op.",),
    "advice_given": ("Signaalgever telefonisch geadviseerd; nu geen directe aanwijzingen.",),
    "no_action": ("Besproken in het triageoverleg.",),
}
OTHER_REASON_NOTES = (
    "Betrokkene is naar het buitenland vertrokken; geen contact mogelijk.",
    "Het signaal gaat over een situatie die al jaren voorbij is.",
)
REOPEN_NOTE = "Nieuwe informatie van de signaalgever; opnieuw in triage."
REROUTE_REASONS = (
    "De betrokkene woont in het werkgebied van een andere eenheid.",
    "Het signaal speelt in een andere regio dan gekozen.",
)
QUESTIONS = (
    ("Weet u in welke plaats de persoon woont?", "Ja, in dezelfde gemeente als wij."),
    ("Wanneer zag u dit voor het laatst?", "Afgelopen vrijdag, na schooltijd."),
    ("Kunnen wij u telefonisch bereiken voor een toelichting?", "Ja, op werkdagen overdag."),
    ("Weet de persoon zelf van uw melding?", "Nee, wij hebben het nog niet met hem besproken."),
)


# --- the catalogue, free of the database -------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """What the generator needs of one catalogue version: its categories (code, form code or ""
    for the general signs, item codes), in catalogue order."""

    version: int
    categories: tuple[tuple[str, str, tuple[str, ...]], ...]

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
        )

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
        )

    def by_form(self, form: str) -> list[tuple[str, tuple[str, ...]]]:
        found = [(code, items) for code, f, items in self.categories if f == form and items]
        if not found and form:
            return self.by_form("")
        return found or [(code, items) for code, _, items in self.categories if items]


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


@dataclass(frozen=True)
class SignalPlan:
    seed: int
    catalogue_version: int
    signals: tuple[PlannedSignal, ...]

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
    """2-5 items from one or two categories of ``form`` (plus, now and then, a general one)."""
    categories = catalogue.by_form(form)
    weights = {code: pattern.preferred.get(code, 1.0) for code, _ in categories}
    chosen = [_pick(rng, weights)]
    if len(categories) > 1 and rng.random() < 0.4:
        weights.pop(chosen[0])
        chosen.append(_pick(rng, weights))
    if form and rng.random() < pattern.general_share:
        general = [code for code, _ in catalogue.by_form("") if code not in chosen]
        if general:
            chosen.append(_one(rng, general))
    items = dict(categories + catalogue.by_form(""))
    pool = [(code, item) for code in chosen for item in items[code]]
    count = min(_pick(rng, ITEM_COUNTS), len(pool))
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


# --- histories ---------------------------------------------------------------------------------------


@dataclass
class _Draft:
    """A signal being drawn: its attributes and the outcome its history must reach."""

    kind: str
    unit: str
    age_band: str
    gender: str
    form: str
    day: int
    outcome: str  # a SignalStatus value
    channel: str = "public"
    own: bool = False
    case_code: str = ""
    question: str = ""  # "", "answered", "open"
    pattern: Pattern | None = None


def _history(rng, draft: _Draft, received_at: dt.datetime, acute: bool) -> list[PlannedEvent]:
    """The steps from 'received' to the draft's outcome, with times, texts and actors."""
    submitter = "submitter" if draft.own else ""
    events = [PlannedEvent("received", received_at, to_status="received", actor=submitter)]
    now = received_at

    def at_work(moment: dt.datetime) -> dt.datetime:
        # Acute danger is handled day and night; the rest during office hours.
        return moment if acute else _office_hours(rng, moment)

    unit = draft.unit
    if draft.channel == "public" and not draft.own and rng.random() < REROUTE_SHARE:
        first_unit = _one(rng, [u for u in _regional_units() if u != unit])
        now = at_work(now + _hours(rng, 2.0, 0.7, 12.0))
        events.append(
            PlannedEvent(
                "rerouted",
                now,
                from_unit=first_unit,
                to_unit=unit,
                text=_one(rng, REROUTE_REASONS),
                actor=f"coordinator:{first_unit}",
            )
        )
    coordinator = f"coordinator:{unit}"
    if draft.outcome == "received":
        return events

    now = at_work(now + (_hours(rng, 1.5, 0.8, 12.0) if acute else _hours(rng, 5.0, 1.0, 96.0)))
    message = _one(rng, MESSAGES["in_triage"]) if rng.random() < 0.5 else ""
    events.append(
        PlannedEvent(
            "status",
            now,
            from_status="received",
            to_status="in_triage",
            message=message,
            actor=coordinator,
        )
    )
    if draft.question:
        question, answer = _one(rng, QUESTIONS)
        now = at_work(now + _hours(rng, 4.0, 0.8, 24.0))
        events.append(PlannedEvent("question", now, message=question, actor=coordinator))
        if draft.question == "answered":
            now += _hours(rng, 20.0, 0.8, 72.0)
            events.append(PlannedEvent("answer", now, message=answer, actor=submitter))
    if draft.outcome == "in_triage":
        return events

    def decide(status: str, at: dt.datetime) -> PlannedEvent:
        reason = _pick(rng, NO_ACTION_REASONS) if status == "no_action" else ""
        if reason == "other":
            note = _one(rng, OTHER_REASON_NOTES)
        else:
            note = _one(rng, NOTES[status]) if rng.random() < NOTE_SHARE else ""
        message = _one(rng, MESSAGES[status]) if rng.random() < MESSAGE_SHARE else ""
        return PlannedEvent(
            "status",
            at,
            from_status="in_triage",
            to_status=status,
            reason=reason,
            text=note,
            message=message,
            actor=coordinator,
        )

    def decision_delay() -> dt.timedelta:
        return _hours(rng, 6.0, 0.8, 48.0) if acute else _hours(rng, 40.0, 0.9, 360.0)

    if draft.outcome == "converted":
        if rng.random() < VIA_REFERRAL_SHARE:
            now = at_work(now + decision_delay())
            referral = decide(_one(rng, ("referred_police", "referred_care")), now)
            events.append(referral)
            previous = referral.to_status
            now = at_work(now + _hours(rng, 120.0, 0.7, 480.0))
        else:
            previous = "in_triage"
            now = at_work(now + decision_delay())
        # signal_convert takes a message for the signaller, no internal note.
        message = _one(rng, MESSAGES["converted"]) if rng.random() < MESSAGE_SHARE else ""
        events.append(
            PlannedEvent(
                "converted",
                now,
                from_status=previous,
                to_status="converted",
                message=message,
                actor=coordinator,
            )
        )
        return events

    if rng.random() < REOPEN_SHARE:
        first = _one(
            rng, [s for s in ("advice_given", "no_action", "referred_care") if s != draft.outcome]
        )
        now = at_work(now + decision_delay())
        events.append(decide(first, now))
        now = at_work(now + dt.timedelta(days=int(rng.integers(5, 41))))
        events.append(
            PlannedEvent(
                "status",
                now,
                from_status=first,
                to_status="in_triage",
                text=REOPEN_NOTE,
                actor=coordinator,
            )
        )
    now = at_work(now + decision_delay())
    events.append(decide(draft.outcome, now))
    return events


def _replay(events: list[PlannedEvent]) -> SimpleNamespace:
    """The signal's state after its history, computed with the services' own ``_move`` and checked
    against the transition table at every step (a bad walk raises)."""
    from inbeeld.intake.services.triage import _move
    from inbeeld.intake.workflow import CONVERSION_ONLY, OPEN_STATUSES, check_transition

    state = SimpleNamespace(
        status="received",
        acknowledged_at=None,
        decided_at=None,
        version=1,
        question_open=False,
        no_action_reason="",
    )
    for event in events[1:]:
        if event.kind in ("status", "converted"):
            if event.from_status != state.status:
                raise AssertionError(f"history out of step: {event.from_status} != {state.status}")
            if (event.kind == "converted") != (event.to_status in CONVERSION_ONLY):
                raise AssertionError("conversion only through its own step")
            check_transition(state.status, event.to_status)
            _move(state, event.to_status, event.at)
            if event.kind == "converted":
                state.question_open = False
            else:
                state.no_action_reason = event.reason if event.to_status == "no_action" else ""
        elif event.kind == "rerouted":
            if state.status not in OPEN_STATUSES:
                raise AssertionError("only an open signal can be rerouted")
            state.version += 1
        elif event.kind == "question":
            if state.status == "converted":
                raise AssertionError("no questions on a converted signal")
            state.question_open = True
            state.version += 1
        elif event.kind == "answer":
            if not state.question_open:
                raise AssertionError("an answer needs an open question")
            state.question_open = False
            state.version += 1
        else:
            raise AssertionError(f"unknown step {event.kind}")
    return state


# --- drawing the signals --------------------------------------------------------------------------------


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
    signal_events = np.flatnonzero(data.event_type == v.event("signal_received"))
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
    data: DemoData, catalogue: Catalogue, *, open_until: dt.date | None = None
) -> SignalPlan:
    """Every demo signal and its history for the cases in ``data``; no database. The open signals
    come in during the days before ``open_until`` (default and earliest: the cut-off)."""
    from inbeeld.intake import deadlines

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
            )
        )
    # In order of receipt, like the cases (ids follow intake).
    signals.sort(key=lambda s: (s.received_at, s.reference))
    return SignalPlan(seed=config.seed, catalogue_version=catalogue.version, signals=tuple(signals))


def _municipality(rng, draft: _Draft) -> str:
    if draft.own:
        return "Zaanstad"
    if rng.random() >= MUNICIPALITY_SHARE:
        return ""
    return _one(rng, MUNICIPALITIES.get(draft.unit, ("",)))


# --- writing ---------------------------------------------------------------------------------------------


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def write_demo_signals(plan: SignalPlan) -> int:
    """Insert the planned signals in one transaction; returns how many. Needs the demo accounts
    (``coordinator.nh``, ``school.zaandam``) when the plan has steps by them, and the cases the
    converted signals link to."""
    from django.conf import settings
    from django.db import transaction

    from inbeeld.accounts.models import Membership, User
    from inbeeld.cases.models import Case
    from inbeeld.crypto import encrypt_text
    from inbeeld.intake.models import IntakeLink, Signal, SignalEvent
    from inbeeld.intake.services import receipt_hash, token_hash
    from inbeeld.reference.models import Indicator, IndicatorCatalogueVersion, PoliceUnit

    if not plan.signals:
        return 0
    users = dict(
        User.objects.filter(username__in=[DEMO_SIGNALLER, DEMO_COORDINATOR]).values_list(
            "username", "id"
        )
    )
    coordinator_id = users.get(DEMO_COORDINATOR)
    own_id = users.get(DEMO_SIGNALLER)
    needs_coordinator = any(s.channel == "link" for s in plan.signals)
    if (needs_coordinator and coordinator_id is None) or (
        any(s.own for s in plan.signals) and own_id is None
    ):
        raise ValueError("the demo accounts are missing: run ensure_demo_accounts() first")
    own_organisation = (
        Membership.objects.filter(user_id=own_id, is_active=True)
        .order_by("pk")
        .values_list("organisation_id", flat=True)
        .first()
    )
    units = dict(PoliceUnit.objects.values_list("code", "id"))
    version = IndicatorCatalogueVersion.objects.get(version=plan.catalogue_version)
    indicators = {
        (category, code): pk
        for category, code, pk in Indicator.objects.filter(
            category__catalogue_version=version
        ).values_list("category__code", "code", "id")
    }
    case_codes = [s.case_code for s in plan.signals if s.case_code]
    cases: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(case_codes):
        for code, pk, unit in Case.objects.filter(code__in=chunk).values_list(
            "code", "id", "police_unit__code"
        ):
            cases[code] = (pk, unit)
    for signal in plan.signals:
        if signal.case_code and cases.get(signal.case_code, (None, None))[1] != signal.police_unit:
            raise ValueError(f"demo case {signal.case_code} is missing or in another unit")

    # Codes the database already holds (a second load with the same seed) are redrawn.
    redraw = _stream(plan.seed, PART_REDRAW)
    taken_references = set(Signal.objects.values_list("reference", flat=True))
    taken_receipts = set(
        Signal.objects.exclude(receipt_hash="").values_list("receipt_hash", flat=True)
    )
    taken_tokens = set(IntakeLink.objects.values_list("token_hash", flat=True))

    def actor_id(actor: str, signal: PlannedSignal) -> int | None:
        if actor == "submitter":
            return own_id if signal.own else None
        if actor == f"coordinator:{COORDINATOR_UNIT}":
            return coordinator_id
        return None

    link_days = dt.timedelta(days=settings.INBEELD_INTAKE_LINK_DAYS)
    with transaction.atomic():
        links = {}
        for index, signal in enumerate(plan.signals):
            if signal.channel != "link":
                continue
            digest = token_hash(signal.link_token)
            while digest in taken_tokens:
                digest = token_hash(new_token(redraw))
            taken_tokens.add(digest)
            links[index] = IntakeLink(
                token_hash=digest,
                police_unit_id=units[signal.police_unit],
                label_ciphertext=encrypt_text(signal.link_label),
                created_by_id=coordinator_id,
                created_at=signal.link_created_at,
                expires_at=signal.link_created_at + link_days,
                used_at=signal.received_at,
            )
        IntakeLink.objects.bulk_create(list(links.values()), batch_size=500)

        rows = []
        for index, signal in enumerate(plan.signals):
            reference = signal.reference
            while reference in taken_references:
                reference = new_reference(redraw)
            taken_references.add(reference)
            digest = ""
            if signal.receipt_code:
                digest = receipt_hash(signal.receipt_code)
                while digest in taken_receipts:
                    digest = receipt_hash(new_receipt(redraw))
                taken_receipts.add(digest)
            rows.append(
                Signal(
                    reference=reference,
                    receipt_hash=digest,
                    channel=signal.channel,
                    intake_link=links.get(index),
                    signaller_type=signal.signaller_type,
                    organisation_id=own_organisation if signal.own else None,
                    submitted_by_id=own_id if signal.own else None,
                    catalogue_version=version,
                    age_band=signal.age_band,
                    gender=signal.gender,
                    subject_name_ciphertext=encrypt_text(signal.subject_name),
                    police_unit_id=units[signal.police_unit],
                    municipality=signal.municipality,
                    urgency=signal.urgency,
                    description_ciphertext=encrypt_text(signal.description),
                    contact_ciphertext=encrypt_text(signal.contact),
                    status=signal.status,
                    no_action_reason=signal.no_action_reason,
                    received_at=signal.received_at,
                    acknowledge_due_at=signal.acknowledge_due_at,
                    decision_due_at=signal.decision_due_at,
                    acknowledged_at=signal.acknowledged_at,
                    decided_at=signal.decided_at,
                    question_open=signal.question_open,
                    case_id=cases[signal.case_code][0] if signal.case_code else None,
                    version=signal.version,
                )
            )
        Signal.objects.bulk_create(rows, batch_size=500)
        if any(row.pk is None for row in rows):  # a backend that returns no ids
            ids = dict(
                Signal.objects.filter(reference__in=[r.reference for r in rows]).values_list(
                    "reference", "id"
                )
            )
            for row in rows:
                row.pk = row.id = ids[row.reference]

        through = Signal.indicators.through
        Signal.indicators.through.objects.bulk_create(
            [
                through(signal_id=row.pk, indicator_id=indicators[item])
                for row, signal in zip(rows, plan.signals, strict=True)
                for item in signal.indicators
            ],
            batch_size=1000,
        )
        SignalEvent.objects.bulk_create(
            [
                SignalEvent(
                    signal_id=row.pk,
                    kind=event.kind,
                    from_status=event.from_status,
                    to_status=event.to_status,
                    from_unit_id=units[event.from_unit] if event.from_unit else None,
                    to_unit_id=units[event.to_unit] if event.to_unit else None,
                    reason=event.reason,
                    text_ciphertext=encrypt_text(event.text),
                    message_ciphertext=encrypt_text(event.message),
                    actor_id=actor_id(event.actor, signal),
                    created_at=event.at,
                )
                for row, signal in zip(rows, plan.signals, strict=True)
                for event in signal.events
            ],
            batch_size=1000,
        )
    return len(rows)


def generate_demo_signals(data: DemoData) -> int:
    """Plan and write the demo signals that go with the freshly written cases of ``data``, with
    the catalogue version in force on the cut-off date (the oldest when none was yet)."""
    from django.utils import timezone

    from inbeeld.intake.services import current_catalogue_version

    version = current_catalogue_version(data.config.cutoff)
    plan = plan_demo_signals(
        data, Catalogue.from_database(version), open_until=timezone.localdate()
    )
    return write_demo_signals(plan)


__all__ = [
    "Catalogue",
    "PlannedEvent",
    "PlannedSignal",
    "SignalPlan",
    "eligible_cases",
    "generate_demo_signals",
    "plan_demo_signals",
    "signal_count",
    "write_demo_signals",
]

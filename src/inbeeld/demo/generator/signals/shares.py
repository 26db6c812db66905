"""The shape of the demo signals: counts, outcome shares, who signals what, and the
indicator patterns per kind of signaller."""

from __future__ import annotations

from dataclasses import dataclass, field

# PCG64([seed, STREAM_SIGNALS, part]); the case generator uses the main stream and 4-8.
STREAM_SIGNALS = 9
PART_PLAN = 0
PART_CODES = 1  # references, receipt codes, link tokens
PART_REDRAW = 2  # codes redrawn because the database already holds them

# The online-recruitment category (indicator catalogue version 2 on): drawn on its own share
# (Pattern.online_share), not as one of the general three-cluster categories.
ONLINE_CATEGORY = "general-online-recruitment"

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
    # Chance of the online-recruitment category beside the form's, on a catalogue that has it
    # (version 2 on): mostly young people approached through social media, chat apps or games.
    online_share: float = 0.0


PATTERNS = {
    "school": Pattern(
        forms={"criminal": 0.55, "sexual": 0.45},
        ages={"12-15": 0.5, "16-17": 0.5},
        general_share=0.0,
        preferred={"criminal-school": 3.0, "sexual-behaviour": 2.0},
        online_share=0.35,
    ),
    "sports_club": Pattern(
        forms={"criminal": 0.85, "sexual": 0.15},
        ages={"12-15": 0.4, "16-17": 0.45, "18-22": 0.15},
        general_share=0.0,
        preferred={"criminal-young-person": 2.0, "criminal-contacts": 2.0, "criminal-school": 0.3},
        online_share=0.25,
    ),
    "care": Pattern(
        forms={"sexual": 0.70, "": 0.30},
        ages={"16-17": 0.3, "18-22": 0.4, "23-29": 0.3},
        general_share=0.35,
        online_share=0.25,
    ),
    "neighbourhood_team": Pattern(
        forms={"labour": 0.65, "": 0.35},
        ages={"18-22": 0.1, "23-29": 0.25, "30-49": 0.5, "50+": 0.1, "unknown": 0.05},
        general_share=0.4,
        online_share=0.1,
    ),
}
# The demo signaller is a primary school: pupils up to about 12.
OWN_PATTERN = Pattern(
    forms={"criminal": 0.7, "sexual": 0.3},
    ages={"0-11": 0.4, "12-15": 0.6},
    general_share=0.0,
    preferred={"criminal-school": 3.0},
    # Always, on a catalogue with the category: the demo school's recent signals (version 2) show
    # the online-recruitment items at login, whatever the draws of the few other recent signals.
    online_share=1.0,
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

"""Calibration of the demo data: every number the generator draws from, in one place.

Sources are the figures in DOMAIN.md §9 (registered possible victims per year, forms, minors,
nationality, repeat victimisation) and §1 (lead times, outcomes). Where no figure exists the value
is a plausible guess and says so. Probabilities are per case unless stated otherwise; lead times
are lognormal gaps given by their median in days and the sigma of the underlying normal.
"""

from __future__ import annotations

from inbeeld.stats import vocabulary as ev

# Registered possible victims per intake year (§9; 2025 has no figure yet: taken as 2024).
YEAR_VOLUMES: dict[int, int] = {
    2015: 1150,
    2016: 952,
    2017: 958,
    2018: 668,
    2019: 1334,
    2020: 984,
    2021: 791,
    2022: 814,
    2023: 868,
    2024: 944,
    2025: 944,
}
VOLUME_AFTER_TABLE = 944  # years past the table (a later cut-off) repeat the last figure

# --- exploitation forms ----------------------------------------------------------------------
FORMS = ("sexual", "labour", "criminal", "organ_removal", "unknown")
SEXUAL, LABOUR, CRIMINAL, ORGAN, UNKNOWN_FORM = range(5)
# Primary form: criminal exploitation rises from 7 % (2015) by 1.2 points a year; labour, organ
# removal and unknown are flat; sexual exploitation takes the rest (~63 % in 2015, ~51 % in 2025).
CRIMINAL_SHARE_BASE = 0.07
CRIMINAL_SHARE_PER_YEAR = 0.012
CRIMINAL_SHARE_MAX = 0.30
LABOUR_SHARE = 0.25
ORGAN_SHARE = 0.002
UNKNOWN_FORM_SHARE = 0.05
# A small share of cases has a second form (forms overlap in the registrations, §9).
SECOND_FORM_SHARE = 0.07
# Second form given the primary one, over FORMS.
SECOND_FORM_GIVEN_PRIMARY = (
    (0.00, 0.50, 0.50, 0.00, 0.00),  # sexual  -> labour / criminal
    (0.40, 0.00, 0.60, 0.00, 0.00),  # labour  -> sexual / criminal
    (0.60, 0.40, 0.00, 0.00, 0.00),  # criminal -> sexual / labour
    (0.00, 1.00, 0.00, 0.00, 0.00),  # organ removal -> labour
    (0.00, 0.00, 0.00, 0.00, 0.00),  # unknown: never a second form
)

# --- police units ------------------------------------------------------------------------------
# Relative weights by primary form (a guess: the big cities register most; the labour inspectorate
# (NLA) investigates labour exploitation and little else; KMar works at Schiphol and the borders).
UNIT_WEIGHTS_DEFAULT: dict[str, float] = {
    "noord-nederland": 6,
    "oost-nederland": 9,
    "midden-nederland": 8,
    "noord-holland": 8,
    "amsterdam": 17,
    "den-haag": 12,
    "rotterdam": 13,
    "zeeland-west-brabant": 6,
    "oost-brabant": 6,
    "limburg": 5,
    "landelijke-eenheid": 3,
    "kmar": 2,
    "nla": 0.5,
}
UNIT_WEIGHTS_LABOUR: dict[str, float] = {
    "noord-nederland": 4,
    "oost-nederland": 7,
    "midden-nederland": 5,
    "noord-holland": 5,
    "amsterdam": 8,
    "den-haag": 7,
    "rotterdam": 8,
    "zeeland-west-brabant": 6,
    "oost-brabant": 6,
    "limburg": 4,
    "landelijke-eenheid": 3,
    "kmar": 2,
    "nla": 15,
}
# The court of a case is one of its unit's OM district (equal shares when there are two). Units
# without a district court follow a fixed rule: KMar (Schiphol) goes to Noord-Holland; national
# units (Landelijk Parket, Functioneel Parket) to the court of a regional unit drawn by weight.
KMAR_COURT = "noord-holland"
AMSTERDAM = "amsterdam"
LIMBURG = "limburg"
NLA = "nla"

# --- victims -----------------------------------------------------------------------------------
# Share of minors at intake by primary form (sexual, labour, criminal, organ, unknown): ~14 %.
MINOR_SHARE_BY_FORM = (0.17, 0.03, 0.25, 0.0, 0.12)
AGE_BANDS = ("0-11", "12-15", "16-17", "18-22", "23-29", "30-49", "50+", "unknown")
MINOR_AGE_WEIGHTS = (0.06, 0.34, 0.60, 0, 0, 0, 0, 0)
ADULT_AGE_WEIGHTS_BY_FORM = (
    (0, 0, 0, 0.30, 0.32, 0.30, 0.03, 0.05),
    (0, 0, 0, 0.08, 0.25, 0.50, 0.12, 0.05),
    (0, 0, 0, 0.40, 0.28, 0.22, 0.04, 0.06),
    (0, 0, 0, 0.10, 0.30, 0.45, 0.10, 0.05),
    (0, 0, 0, 0.15, 0.20, 0.25, 0.05, 0.35),
)
GENDERS = ("female", "male", "other", "unknown")
GENDER_WEIGHTS_BY_FORM = (
    (0.88, 0.09, 0.01, 0.02),
    (0.32, 0.65, 0.005, 0.025),
    (0.35, 0.62, 0.01, 0.02),
    (0.40, 0.58, 0.0, 0.02),
    (0.50, 0.44, 0.01, 0.05),
)
NATIONALITIES = ("nl", "eu", "non_eu", "unknown")
NON_EU = 2
# Dutch victims ~15-30 % of registrations (§9); labour victims are mostly other Europeans (§5).
NATIONALITY_ADULT_BY_FORM = (
    (0.24, 0.28, 0.43, 0.05),
    (0.04, 0.62, 0.31, 0.03),
    (0.40, 0.22, 0.33, 0.05),
    (0.05, 0.20, 0.70, 0.05),
    (0.20, 0.25, 0.40, 0.15),
)
NATIONALITY_MINOR_BY_FORM = (
    (0.70, 0.10, 0.17, 0.03),
    (0.20, 0.40, 0.35, 0.05),
    (0.65, 0.10, 0.20, 0.05),
    (0.20, 0.20, 0.55, 0.05),
    (0.50, 0.15, 0.25, 0.10),
)

# --- the chain (probabilities and lognormal gaps: (median days, sigma)) -----------------------
P_SIGNAL = 0.45
P_SAFETY_ASSESSMENT = 0.20
P_SAFETY_ASSESSMENT_MINOR_EXTRA = 0.25
GAP_SAFETY_ASSESSMENT = (7, 1.0)
P_POLICE_CONTACT = 0.85
P_POLICE_CONTACT_NLA = 0.95
GAP_POLICE_CONTACT = (7, 1.0)
P_INTERVIEW_WITHOUT_COMPLAINT = 0.65  # with a complaint there is always one first (§1)
GAP_INTERVIEW = (14, 0.8)
P_REFLECTION_NON_EU = 0.50  # B8/3 reflection period offered and taken, non-EU victims only
GAP_REFLECTION_START = (5, 0.8)
REFLECTION_MAX_DAYS = 90  # at most three months (§1)
GAP_REFLECTION_LENGTH = (60, 0.5)
# Cooperation after police contact: complaint / declined (with a reason) / other cooperation /
# nothing recorded. ~30 % of all cases file a complaint within 180 days of the index date.
P_COMPLAINT = 0.40
P_DECLINED = 0.30
P_OTHER_COOPERATION = 0.14
# Proeftuin aangiftebereidheid (§6): Amsterdam since June 2021, Limburg in phase 2 (2023-2024);
# used to pick the cases of the demo psychologist and peer expert. The pilot's only effect on the
# complaint rate is the configured true effect (DemoConfig.psychologist_effect, see the pilot
# section below), so that an evaluation recovers exactly what was put in.
PROEFTUIN_AMSTERDAM_FROM = "2021-06-01"
PROEFTUIN_LIMBURG_FROM = "2023-01-01"
GAP_COOPERATION = (40, 1.0)
DECLINE_REASONS = (
    "fear_of_retaliation",
    "low_trust",
    "no_victim_self_image",
    "burden_of_proceedings",
    "residence_concerns",
    "other",
)
DECLINE_REASON_WEIGHTS = (0.32, 0.18, 0.20, 0.12, 0.08, 0.10)
DECLINE_REASON_WEIGHTS_NON_EU = (0.30, 0.16, 0.12, 0.10, 0.22, 0.10)
OTHER_COOPERATION_OUTCOMES = ("report", "statement", "other")
OTHER_COOPERATION_WEIGHTS = (0.50, 0.35, 0.15)
P_COMENSHA = 0.88
GAP_COMENSHA = (20, 1.0)
P_INVESTIGATION_AFTER_COMPLAINT = 0.85
P_INVESTIGATION_WITHOUT_COMPLAINT = 0.12  # the OM may investigate without a complaint (§1)
P_INVESTIGATION_NO_COOPERATION = 0.05
GAP_INVESTIGATION = (21, 0.8)
P_ARREST = 0.55
GAP_ARREST = (90, 0.9)
P_PROSECUTION_DECISION = 0.80
GAP_PROSECUTION_DECISION = (360, 0.6)  # police -> OM (months) plus the OM decision (~2 months)
PROSECUTION_OUTCOMES = (
    "summons",
    "dismissal_technical",
    "dismissal_policy",
    "dismissal_conditional",
)
PROSECUTION_WEIGHTS = (0.57, 0.24, 0.14, 0.05)
P_ART12_REDECISION = 0.05  # a successful complaint (art. 12 Sv) against a dismissal
GAP_ART12 = (200, 0.5)
P_ART12_SUMMONS = 0.6
P_RC_HEARING = 0.35
GAP_RC_HEARING = (60, 0.6)
P_TRIAL = 0.92
GAP_TRIAL = (180, 0.5)
P_SECOND_HEARING = 0.25  # an adjourned hearing
GAP_SECOND_HEARING = (90, 0.5)
P_VERDICT = 0.97
GAP_VERDICT = (14, 0.3)
VERDICT_OUTCOMES = ("conviction", "acquittal", "discharge")
VERDICT_WEIGHTS = (0.74, 0.21, 0.05)
P_APPEAL = 0.30
APPEAL_MAX_DAYS = 14  # art. 408 Sv
P_APPEAL_HEARING = 0.90
GAP_APPEAL_HEARING = (300, 0.4)
P_APPEAL_VERDICT_AFTER_HEARING = 0.97
GAP_APPEAL_VERDICT = (14, 0.3)
APPEAL_VERDICT_WEIGHTS = (0.70, 0.24, 0.06)
P_WITHDRAWAL_AFTER_COMPLAINT = 0.12
P_WITHDRAWAL_OTHERWISE = 0.06
GAP_WITHDRAWAL = (150, 0.8)
# Closing the case, by where the chain stopped.
P_CLOSE_AFTER_VERDICT = 0.90
GAP_CLOSE_AFTER_VERDICT = (45, 0.6)
P_CLOSE_AFTER_DISMISSAL = 0.85
GAP_CLOSE_AFTER_DISMISSAL = (30, 0.6)
P_CLOSE_STALLED_PROSECUTION = 0.50
P_CLOSE_STALLED_INVESTIGATION = 0.60
GAP_CLOSE_STALLED_INVESTIGATION = (540, 0.5)
P_CLOSE_POLICE_CONTACT = 0.65
GAP_CLOSE_POLICE_CONTACT = (300, 0.6)
P_CLOSE_INTAKE_ONLY = 0.55
GAP_CLOSE_INTAKE_ONLY = (240, 0.6)
GAP_CLOSE_STALLED_PROSECUTION = (365, 0.5)
# Repeat victimisation (§5/§9): 45 % within 5 years, 50 % within 7. A Weibull time to the first
# new victimisation with shape 0.44 and scale 16.2 years gives F(5) = 0.449 and F(7) = 0.499.
REVICTIMISATION_SHAPE = 0.44
REVICTIMISATION_SCALE_YEARS = 16.2

# --- bulk-data details -------------------------------------------------------------------------
NOTE_SHARE = 0.01  # events with an encrypted synthetic note: 1 %, at most NOTE_MAX
NOTE_MAX = 2000
CORRECTION_MAX = 20  # a handful of corrected reasons, to show corrections in the demo
CORRECTIONS_PER_CASES = 250  # at most one correction per this many cases
ASSIGNMENTS_PER_USER = 30
# Synthetic Dutch notes (no names, no details that could point at a person).
NOTES = {
    "police": (
        "Informatief gesprek gevoerd met tolk; uitleg gegeven over bedenktijd en aangifte.",
        "Slachtoffer twijfelt over aangifte; vervolggesprek over twee weken afgesproken.",
        "Aangifte opgenomen; de recherchepsycholoog heeft geadviseerd over het verhoorplan.",
        "Bruikbare informatie vastgelegd in een proces-verbaal van bevindingen.",
        "Slachtoffer ziet voorlopig af van aangifte uit angst voor het netwerk.",
    ),
    "care": (
        "Veiligheidsinschatting gemaakt; opvang geregeld via de zorgcoördinator.",
        "Melding bij CoMensha gedaan met toestemming van het slachtoffer.",
        "Contact gelegd met een ervaringsdeskundige; eerste kennismaking verliep goed.",
        "Slachtoffer heeft zich teruggetrokken; het zorgtraject loopt door.",
        "Slachtoffer meldt opnieuw een incident; veiligheidsplan bijgesteld.",
    ),
}
# Which family writes a note on which event type.
NOTE_FAMILY_BY_EVENT = {
    ev.INFORMATIVE_INTERVIEW: "police",
    ev.COMPLAINT_FILED: "police",
    ev.COMPLAINT_DECLINED: "police",
    ev.SAFETY_ASSESSMENT: "care",
    ev.COMENSHA_REGISTRATION: "care",
    ev.WITHDRAWAL_FROM_PROCESS: "care",
    ev.REVICTIMISATION: "care",
}

# --- the pilot (proeftuin): deliveries, fidelity, victim-reported measures --------------------
# Guesses throughout: the seed documents give no uptake or fidelity figures.
# The true effect: the investigative psychologist, when delivered, raises the probability of a
# complaint within 180 days of the index date by this risk difference (DemoConfig default).
PSYCHOLOGIST_EFFECT = 0.10
EFFECT_INTERVENTION = "psychologist"
COMPLAINT_HORIZON_DAYS = 180  # DESIGN §6: willingness to report
# When an intervention can reach an eligible case: the first of these events that happened (by
# the cut-off), whose date is the delivery date; "intake" is the intake date. An intervention
# not listed here reaches every eligible case on its index date.
REACH_EVENTS: dict[str, tuple[str, ...]] = {
    # advice at the informative interview (a delivered psychologist means there was one)
    "psychologist": (ev.INFORMATIVE_INTERVIEW, ev.FIRST_POLICE_CONTACT),
    "examining_judge": (ev.RC_HEARING,),
    "safety_coordinator": (ev.SAFETY_ASSESSMENT, "intake"),
    "peer_expert": (ev.FIRST_POLICE_CONTACT,),
    "shorter_lead_times": (ev.PROSECUTION_DECISION,),
}
# Uptake: the share of eligible cases the intervention reaches (above) that receive it.
UPTAKE: dict[str, float] = {
    "psychologist": 0.70,
    "examining_judge": 0.60,
    "safety_coordinator": 0.80,
    "peer_expert": 0.65,
    "shorter_lead_times": 0.50,
}
UPTAKE_OTHER = 0.60  # an intervention added later in the admin
# Of the reached cases that did not receive it: the share with a "not delivered" record and a
# reason (the rest were simply not registered: a realistic gap).
P_NOT_DELIVERED_RECORDED = 0.60
NOT_DELIVERED_REASONS: dict[str, tuple[str, ...]] = {
    "psychologist": (
        "Geen recherchepsycholoog beschikbaar",
        "Slachtoffer wilde geen extra gesprek",
        "Informatief gesprek al gevoerd voordat de psycholoog kon aansluiten",
    ),
    "examining_judge": (
        "Geen gespecialiseerde rechter-commissaris beschikbaar",
        "Verhoor al gepland bij een andere rechter-commissaris",
        "Geen trauma-sensitieve verhoorruimte beschikbaar",
    ),
    "safety_coordinator": (
        "Geen capaciteit bij de zorgcoördinator",
        "Slachtoffer heeft al een ander zorgtraject",
        "Slachtoffer wilde geen extra begeleiding",
    ),
    "peer_expert": (
        "Geen ervaringsdeskundige beschikbaar",
        "Slachtoffer wilde geen ervaringsdeskundige",
    ),
    "shorter_lead_times": ("Geen streeftermijnen afgesproken",),
}
NOT_DELIVERED_REASON_OTHER = "Niet beschikbaar in deze periode"
# Fidelity: the chance that each checklist item is met when delivered (gaps are realistic).
FIDELITY: dict[str, float] = {
    "interview_advice_before_complaint": 0.80,
    "interview_plan_codrafted": 0.65,
    "present_or_available": 0.85,
    "specialised_rc": 0.85,
    "trauma_sensitive_setting": 0.60,
    "victim_prepared": 0.75,
    "safety_plan": 0.90,
    "police_contact_prepared": 0.70,
    "information_shared": 0.65,
    "present_from_first_contact": 0.70,
    "regular_contact": 0.80,
    "target_dates_set": 0.90,
    "decision_within_target": 0.60,
}
FIDELITY_OTHER = 0.75
# Victim-reported measures: only cases with research consent that were eligible for an
# intervention (so only pilot-period cases). The share of moments that get a measure, by moment,
# in the order of pilot.models.Moment, and the event that makes the moment happen.
INSTRUMENT = "slachtofferervaring"
MEASURE_MOMENTS: tuple[tuple[str, str, float], ...] = (
    ("intake", "intake", 0.85),
    ("after_informative_interview", ev.INFORMATIVE_INTERVIEW, 0.75),
    ("after_complaint", ev.COMPLAINT_FILED, 0.75),
    ("after_rc_hearing", ev.RC_HEARING, 0.70),
    ("closure", ev.CASE_CLOSED, 0.60),
)
MEASURE_DELAY_MAX_DAYS = 14  # a measure is taken 0..14 days after the moment (and after consent)
P_ANSWER_MISSING = 0.10  # per item; a measure keeps at least one answer
# Answers on the 1..5 scale: round(MEAN + case level + moment shift + delivered bonus + noise).
ANSWER_MEAN = 3.0
ANSWER_CASE_SD = 0.6
ANSWER_ITEM_SD = 0.7
ANSWER_MOMENT_SHIFT = (0.0, 0.1, 0.2, 0.1, 0.2)
ANSWER_DELIVERED_BONUS = 0.3  # any delivered intervention: a slightly better experience

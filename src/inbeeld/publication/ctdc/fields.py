"""The CTDC alias table: every canonical column with its names in the CTDC 2022 and 2024
generations and older aliases; the required columns; the format error and the column report.
See the package docstring."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

MULTI_SEPARATOR = ";"

# --- the alias table ----------------------------------------------------------------------------

TEXT, FLAG, MULTI = "text", "flag", "multi"


@dataclass(frozen=True)
class Field:
    """One canonical column: its internal name, kind, the column names it has in the CTDC 2022
    and 2024 generations (empty: not in that generation), older aliases, and the older columns
    that were merged into it (any of them 1 → 1)."""

    name: str
    kind: str
    label: str
    v2022: tuple[str, ...] = ()
    v2024: tuple[str, ...] = ()
    older: tuple[str, ...] = ()
    merged_from: tuple[str, ...] = ()

    @property
    def aliases(self) -> tuple[str, ...]:
        return (*self.v2022, *self.v2024, *self.older)


FIELDS: tuple[Field, ...] = (
    Field(
        "year_register", TEXT, "jaar van registratie", ("yearRegister",), ("yearOfRegistration",)
    ),
    Field("gender", TEXT, "gender", ("gender",), ("gender",)),
    # Not in the 2024 codebook (derived from ageBroad there); the 2022 file has it.
    Field("majority_status", TEXT, "meerderjarig/minderjarig", ("majorityStatus",)),
    Field("age_broad", TEXT, "leeftijdsgroep", (), ("ageBroad",)),
    Field("citizenship", TEXT, "nationaliteit (ISO 3166-1 alpha-3)", (), ("citizenship",)),
    Field("coo_region", TEXT, "VN-regio van herkomst", ("UN_COO_Region",)),
    Field("country_of_exploitation", TEXT, "land van uitbuiting", (), ("CountryOfExploitation",)),
    Field("coe_region", TEXT, "VN-regio van uitbuiting", ("UN_COE_Region",)),
    Field("traffick_months", TEXT, "duur in maanden", (), ("traffickMonths",)),
    Field("is_forced_labour", FLAG, "dwangarbeid", ("isForcedLabour",), ("isForcedLabour",)),
    Field(
        "is_sexual_exploit", FLAG, "seksuele uitbuiting", ("isSexualExploit",), ("isSexualExploit",)
    ),
    Field("is_other_exploit", FLAG, "andere uitbuiting", (), ("isOtherExploit",)),
    Field(
        "means_debt_bondage_earnings",
        FLAG,
        "schuldslavernij/inhouden loon",
        (),
        ("meansDebtBondageEarnings",),
        merged_from=("meansOfControlDebtBondage", "meansOfControlTakesEarnings"),
    ),
    Field(
        "means_threats",
        FLAG,
        "bedreiging",
        (),
        ("meansThreats",),
        merged_from=(
            "meansOfControlThreats",
            "meansOfControlUsesChildren",
            "meansOfControlThreatOfLawEnforcement",
        ),
    ),
    Field(
        "means_abuse",
        FLAG,
        "mishandeling",
        (),
        ("meansAbusePsyPhySex",),
        merged_from=(
            "meansOfControlPsychologicalAbuse",
            "meansOfControlPhysicalAbuse",
            "meansOfControlSexualAbuse",
        ),
    ),
    Field(
        "means_false_promises",
        FLAG,
        "valse beloften",
        (),
        ("meansFalsePromises",),
        ("meansOfControlFalsePromises",),
    ),
    Field(
        "means_drugs_alcohol",
        FLAG,
        "middelen",
        (),
        ("meansDrugsAlcohol",),
        ("meansOfControlPsychoactiveSubstances",),
    ),
    Field(
        "means_deny_basic_needs",
        FLAG,
        "onthouden basisbehoeften",
        (),
        ("meansDenyBasicNeeds",),
        merged_from=(
            "meansOfControlRestrictsFinancialAccess",
            "meansOfControlRestrictsMovement",
            "meansOfControlRestrictsMedicalCare",
            "meansOfControlWithholdsNecessities",
        ),
    ),
    Field(
        "means_excessive_work_hours",
        FLAG,
        "excessieve werktijden",
        (),
        ("meansExcessiveWorkHours",),
        ("meansOfControlExcessiveWorkingHours",),
    ),
    Field(
        "means_withhold_documents",
        FLAG,
        "innemen documenten",
        (),
        ("meansWithholdDocs",),
        # The codebook names variable 14 both ways; the 2021 name came before.
        ("meansWithholdDocuments", "meansOfControlWithholdsDocuments"),
    ),
    Field(
        "labour_agriculture",
        FLAG,
        "arbeid: landbouw",
        (),
        ("typeOfLabourAgriculture", "sectorOfLabourAgriculture"),
    ),
    Field(
        "labour_construction",
        FLAG,
        "arbeid: bouw",
        (),
        ("typeOfLabourConstruction", "sectorOfLabourConstruction"),
    ),
    Field(
        "labour_domestic_work",
        FLAG,
        "arbeid: huishoudelijk werk",
        (),
        ("typeOfLabourDomesticWork", "sectorOfLabourDomesticWork"),
    ),
    Field(
        "labour_hospitality",
        FLAG,
        "arbeid: horeca",
        (),
        ("typeOfLabourHospitality", "sectorOfLabourHospitality"),
    ),
    Field(
        "sex_prostitution",
        FLAG,
        "seksueel: prostitutie",
        (),
        ("typeOfSexProstitution", "sectorOfSexProstitution"),
    ),
    Field(
        "sex_pornography",
        FLAG,
        "seksueel: pornografie",
        (),
        ("typeOfSexPornography", "sectorOfSexPornography"),
    ),
    Field(
        "recruiter_intimate_partner",
        FLAG,
        "ronselaar: partner",
        (),
        ("recruiterRelationIntimatePartner",),
    ),
    Field("recruiter_friend", FLAG, "ronselaar: vriend", (), ("recruiterRelationFriend",)),
    Field("recruiter_family", FLAG, "ronselaar: familie", (), ("recruiterRelationFamily",)),
    Field("recruiter_other", FLAG, "ronselaar: anders", (), ("recruiterRelationOther",)),
    Field("ip_exploiter", FLAG, "dader: uitbuiter", ("IP_Exploiter",)),
    Field("ip_gender", MULTI, "dader: gender", ("IP_Gender",)),
    Field("ip_age_broad", MULTI, "dader: leeftijdsgroep", ("IP_ageBroad",)),
    Field("ip_citizen_region", MULTI, "dader: VN-regio nationaliteit", ("IP_citizen_UNRegion",)),
    Field("ip_relation", MULTI, "dader: relatie", ("IP_Relation",)),
    Field("ip_pay_money", MULTI, "dader: betaalde geld", ("IP_PayMoney",)),
    Field("ip_recruiter_broker", FLAG, "dader: ronselaar/tussenpersoon", ("IP_RecruiterBroker",)),
    Field("ip_transaction_process", FLAG, "dader: transactie", ("IP_TransactionProcess",)),
    Field(
        "ip_control_abuse_kidnap", FLAG, "dader: controle/ontvoering", ("IP_ControlAbuseKidnap",)
    ),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
CANONICAL_COLUMNS = tuple(f.name for f in FIELDS)
_DTYPES = {TEXT: pl.String(), FLAG: pl.Boolean(), MULTI: pl.List(pl.String())}
CANONICAL_SCHEMA = {f.name: _DTYPES[f.kind] for f in FIELDS}

# What makes a file a CTDC file: a year, a gender, an age (majority status or age band) and the
# two main forms. Per generation, the column names that provide them.
REQUIRED = {
    "CTDC 2022 (slachtoffer-dader)": (
        "yearRegister",
        "gender",
        "majorityStatus",
        "isForcedLabour",
        "isSexualExploit",
    ),
    "CTDC 2024 (Global Synthetic)": (
        "yearOfRegistration",
        "gender",
        "ageBroad",
        "isForcedLabour",
        "isSexualExploit",
    ),
}
# The canonical requirement behind them: each entry is satisfied by any one of its fields.
REQUIRED_FIELDS = (
    ("year_register",),
    ("gender",),
    ("majority_status", "age_broad"),
    ("is_forced_labour",),
    ("is_sexual_exploit",),
)


class CtdcFormatError(ValueError):
    """The file is not a CTDC file of either generation; ``missing`` per generation."""

    def __init__(self, missing: dict[str, list[str]], found: list[str]):
        self.missing = missing
        self.found = found
        parts = [f"{generation}: {', '.join(names)}" for generation, names in missing.items()]
        super().__init__(
            "Dit is geen CTDC-bestand: verplichte kolommen ontbreken. Ontbrekend per generatie: "
            + "; ".join(parts)
            + f". Gevonden kolommen: {', '.join(found) or '(geen)'}."
        )


@dataclass(frozen=True)
class ColumnReport:
    generation: str  # "CTDC 2022 ...", "CTDC 2024 ..." or "gemengd"
    mapped: dict[str, str]  # file column -> canonical column
    unknown: list[str]  # file columns kept unchanged
    absent: list[str]  # canonical columns the file does not have (all missing)
    unrecognised_values: dict[str, dict[str, int]]  # canonical column -> value -> count

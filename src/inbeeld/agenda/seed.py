"""The real starting content of the agenda register (issue 18, item 7), written through the
services (audited). Only what seed documents 000 and 003 and DOMAIN.md say; anything else —
texts the sources do not give, dates they do not give, which recommendation a milestone belongs
to — is marked ``is_example`` with a note saying what is assumed. Idempotent: a publication
already in the register (same title) is skipped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from inbeeld.agenda import services
from inbeeld.agenda.models import Publication

SEED_000 = "seed 000 (hetckm.nl, 'Van misstand tot kamervragen')"
SEED_003 = "seed 003 (hetckm.nl, 'De aanpak van mensenhandel: meer ambitie nodig')"
DOMAIN_6 = "DOMAIN.md §6 [S74][S75][S76]"


@dataclass(frozen=True)
class SeedResult:
    publications: int
    recommendations: int
    milestones: int


# The register's content quoted from seed 003 (data, like a recommendation's text; not a label).
DEBATE_2023 = {
    "kind": "debate",
    "occurred_on": dt.date(2023, 12, 1),
    "date_precision": "month",
    "description": "De Tweede Kamer debatteert in december 2023 over het actieplan "
    "'Samen tegen Mensenhandel'.",
    "evidence_kind": "public_source",
    "evidence_reference": "hetckm.nl (seed 003)",
    "source_note": SEED_003 + "; de dag van het debat staat niet in de bron",
}


SAMEN_TEGEN_MENSENHANDEL = [
    (
        "Meer urgentie aan de versterking van de aanpak van criminele uitbuiting: slachtoffers in "
        "beeld, politie en OM beter toerusten, en bescherming van het non-punishmentprincipe, "
        "conform de aangenomen Kamermotie.",
        "justice",
        "criminal_exploitation",
    ),
    (
        "Voer de aangenomen motie uit om klanten van minderjarige slachtoffers van seksuele "
        "uitbuiting aan te pakken: voeg een pakket concrete maatregelen toe aan het actieplan.",
        "justice",
        "clients",
    ),
    (
        "Maatregelen voor de kansen en uitdagingen van technologie bij mensenhandel, in het "
        "bijzonder om seksadvertentieplatformen hun verantwoordelijkheid te laten nemen, conform "
        "de aangenomen Kamermotie.",
        "justice",
        "technology",
    ),
    (
        "Maatregelen om minderjarige slachtoffers, conform de aangenomen Kamermotie, wél zichtbaar "
        "te maken en te helpen, al dan niet per anonieme chat; ouders als daders meenemen in de "
        "daderaanpak.",
        "justice",
        "minors",
    ),
    (
        "Een betere onderbouwing van de financiële keuzes van de staatssecretaris, mede ten "
        "opzichte van de gestelde doelen.",
        "justice",
        "policy_funding",
    ),
]


def seed_agenda(actor) -> SeedResult:
    """Register the three paths; returns how much was added (zero the second time)."""
    counts = {"publications": 0, "recommendations": 0, "milestones": 0}

    def publication(**values):
        if Publication.objects.filter(title=values["title"]).exists():
            return None
        counts["publications"] += 1
        return services.publication_register(actor=actor, **values)

    def recommendation(pub, **values):
        counts["recommendations"] += 1
        return services.recommendation_add(actor=actor, publication=pub, **values)

    def milestone(rec, **values):
        counts["milestones"] += 1
        return services.milestone_record(actor=actor, recommendation=rec, **values)

    # 1. The 2018 study on willingness to report (DOMAIN §6; seed 000).
    pub = publication(
        project_title="Aangiftebereidheid seksuele uitbuiting",
        kind="report",
        title="Aangifte doe je niet",
        published_on=dt.date(2018, 6, 12),
        source_note=DOMAIN_6 + "; onderzoek opgezet in 2017 met steun van Adessium en Janivo "
        "(seed 000)",
    )
    if pub is not None:
        first = recommendation(
            pub,
            text="Leg de wettelijke definitie (van seksuele uitbuiting) beter uit.",
            addressee="other",
            theme="willingness_to_report",
            source="own",
            source_note=DOMAIN_6 + "; aan wie de aanbeveling is gericht staat niet in de bronnen",
        )
        others = [
            recommendation(
                pub,
                text=f"Aanbeveling {n} van 'Aangifte doe je niet' (de tekst staat niet in de "
                "bronnen van InBeeld).",
                addressee="other",
                theme="willingness_to_report",
                source="own",
                is_example=True,
                source_note=DOMAIN_6 + ": vier aanbevelingen, alleen de eerste is bekend",
            )
            for n in (2, 3, 4)
        ]
        milestone(
            first,
            kind="questions",
            occurred_on=dt.date(2018, 6, 12),
            date_precision="year",
            description="Kamervragen over het rapport 'Aangifte doe je niet'.",
            evidence_kind="parliament",
            evidence_reference="2018Z11194",
            is_example=True,
            source_note="DOMAIN.md [S74] (openkamer.org/kamervraag/2018Z11194); dat de vragen "
            "deze aanbeveling betreffen en de datum (2018) zijn aangenomen",
        )
        milestone(
            others[0],
            kind="partner_protocol",
            occurred_on=dt.date(2021, 6, 1),
            date_precision="month",
            description="Proeftuin aangiftebereidheid: na het rapport in opdracht van de politie "
            "(met het OM) opgezet; alle interventies lopen sinds juni 2021.",
            evidence_kind="public_source",
            evidence_reference="comensha.nl/onze-helpdesk/juridische-rubriek/"
            "proeftuin-aangiftebereidheid-ckm/",
            is_example=True,
            source_note="DOMAIN.md §6 [S79][S80], seed 000 ('een breed palet van aanbevelingen "
            "wordt geïmplementeerd'); welke aanbeveling de proeftuin uitvoert, zeggen de bronnen "
            "niet",
        )

    # 2. The 2020 pro-ana-coach research to the plenary debate (seed 000).
    pub = publication(
        project_title="Pro-ana-coaches",
        kind="report",
        title="Film en onderzoek: pro-ana-coaches benaderen meisjes met anorexia",
        published_on=dt.date(2020, 1, 1),
        date_precision="year",
        source_note=SEED_000 + ": in 2020 ontdekt, film meer dan 800.000 keer bekeken, "
        "opgepikt door NOS op 3 en NRC",
    )
    if pub is not None:
        rec = recommendation(
            pub,
            text="Pak de seksuele uitbuiting van kwetsbare meisjes door pro-ana-coaches via sociale "
            "media aan (voorbeeldtekst: de bron noemt geen aanbeveling).",
            addressee="parliament",
            theme="technology",
            source="own",
            is_example=True,
            source_note=SEED_000,
        )
        milestone(
            rec,
            kind="debate",
            occurred_on=dt.date(2020, 1, 1),
            date_precision="year",
            description="De commotie na de film leidde tot een plenair debat in de Tweede Kamer; "
            "CKM stond de meest betrokken Kamerleden bij met kennis.",
            evidence_kind="public_source",
            evidence_reference="hetckm.nl (seed 000)",
            is_example=True,
            source_note=SEED_000 + "; de datum van het debat staat niet in de bron",
        )

    # 3. The 2023 contribution to the debate on "Samen tegen Mensenhandel" (seed 003).
    pub = publication(
        project_title="Samen tegen Mensenhandel",
        kind="debate_contribution",
        title="Inbreng voor het debat over het actieplan 'Samen tegen Mensenhandel'",
        published_on=dt.date(2023, 1, 1),
        date_precision="year",
        source_note=SEED_003 + "; de dag van verschijnen staat niet in de bron",
    )
    if pub is not None:
        for text, addressee, theme in SAMEN_TEGEN_MENSENHANDEL:
            rec = recommendation(
                pub,
                text=text,
                addressee=addressee,
                theme=theme,
                source="own",
                source_note=SEED_003,
            )
            milestone(rec, **DEBATE_2023)
    return SeedResult(**counts)

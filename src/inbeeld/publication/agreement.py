"""The data-use agreement for microdata: its version and its Dutch text (one place, shown on the
agreement page and referred to by the export command).

A new text gets a new ``VERSION``: every researcher then accepts again before the next download
(an acceptance is recorded per user and version, publication.models.DataUseAgreementAcceptance).
"""

from __future__ import annotations

VERSION = "2026-1"

TITLE = "Gebruiksvoorwaarden microdata"

INTRO = (
    "De microdata zijn gepseudonimiseerd en beschermd tegen herkenning (k-anonimiteit), maar "
    "het blijven gegevens over slachtoffers van mensenhandel. Door deze voorwaarden te aanvaarden "
    "verklaart u:"
)

CLAUSES: tuple[tuple[str, str], ...] = (
    (
        "Doelbinding",
        "Ik gebruik de microdata alleen voor het onderzoeksproject waarvoor ik ze download, binnen "
        "mijn organisatie, en publiceer alleen tabellen die de onthullingscontrole doorstaan.",
    ),
    (
        "Geen heridentificatie",
        "Ik probeer niet te achterhalen wie een rij is, en probeer ook niet onderdrukte of "
        "gegeneraliseerde waarden terug te rekenen.",
    ),
    (
        "Niet koppelen",
        "Ik koppel de microdata niet aan andere bestanden met gegevens over personen, ook niet aan "
        "eerdere exports uit InBeeld.",
    ),
    (
        "Veilig bewaren",
        "Ik bewaar de bestanden alleen op een beveiligde, door mijn organisatie beheerde plek, "
        "versleuteld, en geef ze aan niemand door.",
    ),
    (
        "Verwijderen na het project",
        "Ik verwijder alle kopieën zodra het project klaar is, en uiterlijk als het doel vervalt.",
    ),
    (
        "Incidenten melden",
        "Ik meld een verlies, een datalek of een vermoeden van herkenning direct bij de "
        "functionaris gegevensbescherming (privacy).",
    ),
)

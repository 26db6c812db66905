"""The base rate beside the figure: of all motions (Zaak Soort "Motie") in dossier 28638 in the
parliament mirror, how many were carried. Hand-built responses following the published field
documentation of the gegevensmagazijn: Zaak (Nummer, Soort, Kamerstukdossier Nummer), Besluit
(BesluitSoort, BesluitTekst, Zaak), Stemming (Besluit_Id, Soort "Voor"/"Tegen", FractieGrootte).
The interval is checked against statsmodels."""

from __future__ import annotations

import json

import pypdfium2
import pytest
from django.urls import reverse
from statsmodels.stats.proportion import proportion_confint

from inbeeld.accounts.models import Role
from inbeeld.agenda.base_rate import motion_base_rate
from inbeeld.agenda.parliament import parliament_import
from tests.agenda import helpers
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CTX = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/$metadata#"
T = "2023-12-14T16:02:11+01:00"


def _guid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def _post(actor, entity, rows):
    parliament_import(
        actor=actor, data=json.dumps({"@odata.context": CTX + entity, "value": rows}).encode()
    )


def _motion(n, *, dossier="28638", soort="Motie", besluit=None):
    row = {
        "Id": _guid(n),
        "Nummer": f"2023Z2{n:04d}",
        "Soort": soort,
        "Onderwerp": f"Motie {n} over mensenhandel",
        "GewijzigdOp": T,
        "Verwijderd": False,
        "Kamerstukdossier": [{"Nummer": dossier, "Titel": "Mensenhandel"}],
    }
    if besluit is not None:
        row["Besluit"] = besluit
    return row


def _besluit(n, zaak, tekst, soort="Stemmen - aangenomen"):
    return {
        "Id": _guid(100 + n),
        "BesluitSoort": soort,
        "BesluitTekst": tekst,
        "StemmingsSoort": "Met handopsteken",
        "GewijzigdOp": T,
        "Verwijderd": False,
        "Zaak": [{"Id": _guid(zaak)}],
    }


def _vote(n, besluit, soort, size):
    return {
        "Id": _guid(500 + n),
        "Besluit_Id": _guid(100 + besluit),
        "Soort": soort,
        "FractieGrootte": size,
        "ActorFractie": f"Fractie {n}",
        "GewijzigdOp": T,
        "Verwijderd": False,
    }


def _mirror(actor):
    _post(
        actor,
        "Zaak",
        [
            _motion(1),
            _motion(2),
            _motion(3),
            _motion(4),  # decided by its votes only
            _motion(5),  # no vote in the mirror: left out of the denominator
            _motion(
                6, besluit=[{"Id": _guid(106), "BesluitTekst": "Aangenomen.", "BesluitSoort": ""}]
            ),
            _motion(7, dossier="36200"),  # another dossier: not counted
            _motion(8, soort="Schriftelijke vragen"),  # not a motion
        ],
    )
    _post(
        actor,
        "Besluit",
        [
            _besluit(1, 1, "Aangenomen."),
            _besluit(2, 2, "Verworpen.", "Stemmen - verworpen"),
            _besluit(3, 3, "Aangenomen."),
            _besluit(4, 4, "", ""),
            _besluit(7, 7, "Aangenomen."),
        ],
    )
    _post(
        actor,
        "Stemming",
        [_vote(1, 4, "Voor", 30), _vote(2, 4, "Tegen", 70), _vote(3, 4, "Niet deelgenomen", 50)],
    )


def test_carried_motions_in_dossier_28638_with_wilson_interval():
    actor = helpers.researcher()
    assert motion_base_rate().share is None  # nothing mirrored yet
    _mirror(actor)
    rate = motion_base_rate()
    # carried: 1, 3, 6; rejected: 2 (text), 4 (votes 30 against 70); 5 without a vote.
    assert (rate.carried, rate.decided, rate.undecided) == (3, 5, 1)
    low, high = proportion_confint(3, 5, alpha=0.05, method="wilson")
    assert rate.share.estimate == pytest.approx(0.6)
    assert (rate.share.low, rate.share.high) == (pytest.approx(low), pytest.approx(high))


def test_a_newer_version_of_the_decision_counts():
    actor = helpers.researcher()
    _mirror(actor)
    changed = dict(_besluit(2, 2, "Aangenomen."), GewijzigdOp="2024-01-10T12:00:00+01:00")
    _post(actor, "Besluit", [changed])
    assert (motion_base_rate().carried, motion_base_rate().decided) == (4, 5)


def test_the_figure_page_and_pdf_show_the_base_rate(client, login):
    actor = helpers.researcher()
    login(make_user(Role.PROSECUTOR))
    empty = client.get(reverse("agenda:figure")).content.decode()
    assert "nog niet te berekenen" in empty and "dat is nog niet gebouwd" not in empty
    _mirror(actor)
    page = client.get(reverse("agenda:figure")).content.decode()
    assert "van de 5 moties in Kamerdossier 28638 (Mensenhandel) waarover is gestemd" in page
    assert "zijn er 3 aangenomen" in page and "60 %" in page
    assert "1 motie zonder stemmingsuitslag" in page
    low, high = proportion_confint(3, 5, alpha=0.05, method="wilson")
    assert f"{round(low * 100)}–{round(high * 100)} %" in page
    pdf = client.get(reverse("agenda:figure_pdf"))
    text = "\n".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(pdf.content))
    assert "Basispercentage" in text and "28638" in text

"""Reference data: the Dutch police units, OM districts and courts, and the event catalogue.

The expected rows are written out here from DOMAIN.md §2 (the table of police units, OM
arrondissementsparketten, rechtbanken and gerechtshoven), so a wrong row in reference.json fails.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from inbeeld.cases.workflow import TRANSITIONS
from inbeeld.reference.models import (
    ChainEventOutcome,
    ChainEventType,
    Court,
    CourtOfAppeal,
    ExploitationForm,
    OMDistrict,
    PoliceUnit,
)
from inbeeld.reference.sync import (
    Difference,
    load_reference_document,
    reference_differences,
    sync_reference_data,
)

pytestmark = pytest.mark.django_db

REGIONS = [
    "noord-nederland",
    "oost-nederland",
    "midden-nederland",
    "noord-holland",
    "amsterdam",
    "den-haag",
    "rotterdam",
    "zeeland-west-brabant",
    "oost-brabant",
    "limburg",
]

# DOMAIN.md §2: police unit → OM district → court(s) → court of appeal (ressort)
DOMAIN_TABLE = {
    "noord-nederland": ("noord-nederland", {"noord-nederland"}, "arnhem-leeuwarden"),
    "oost-nederland": ("oost-nederland", {"gelderland", "overijssel"}, "arnhem-leeuwarden"),
    "midden-nederland": ("midden-nederland", {"midden-nederland"}, "arnhem-leeuwarden"),
    "noord-holland": ("noord-holland", {"noord-holland"}, "amsterdam"),
    "amsterdam": ("amsterdam", {"amsterdam"}, "amsterdam"),
    "den-haag": ("den-haag", {"den-haag"}, "den-haag"),
    "rotterdam": ("rotterdam", {"rotterdam"}, "den-haag"),
    "zeeland-west-brabant": ("zeeland-west-brabant", {"zeeland-west-brabant"}, "s-hertogenbosch"),
    "oost-brabant": ("oost-brabant", {"oost-brabant"}, "s-hertogenbosch"),
    "limburg": ("limburg", {"limburg"}, "s-hertogenbosch"),
}


def _codes(model, **filters):
    return set(model.objects.filter(**filters).values_list("code", flat=True))


def test_ten_regional_police_units_and_three_national_services():
    assert _codes(PoliceUnit, kind="regional") == set(REGIONS)
    assert _codes(PoliceUnit, kind="national") == {"landelijke-eenheid", "kmar", "nla"}
    assert PoliceUnit.objects.count() == 13


def test_police_units_are_listed_regions_first():
    codes = list(PoliceUnit.objects.values_list("code", flat=True))
    assert codes[:10] == REGIONS
    assert set(codes[10:]) == {"landelijke-eenheid", "kmar", "nla"}


def test_ten_district_parkets_and_two_national_parkets():
    assert _codes(OMDistrict, kind="district") == set(REGIONS)
    assert _codes(OMDistrict, kind="national") == {"landelijk-parket", "functioneel-parket"}


def test_eleven_courts_and_four_courts_of_appeal():
    assert Court.objects.count() == 11
    assert _codes(Court) == (set(REGIONS) - {"oost-nederland"}) | {"gelderland", "overijssel"}
    assert _codes(CourtOfAppeal) == {
        "arnhem-leeuwarden",
        "amsterdam",
        "den-haag",
        "s-hertogenbosch",
    }


def test_oost_nederland_district_maps_to_gelderland_and_overijssel():
    oost = OMDistrict.objects.get(code="oost-nederland")
    assert set(oost.courts.values_list("code", flat=True)) == {"gelderland", "overijssel"}


@pytest.mark.parametrize("region", REGIONS)
def test_each_region_follows_the_domain_table(region):
    district_code, court_codes, appeal_code = DOMAIN_TABLE[region]
    police_unit = PoliceUnit.objects.get(code=region)
    assert police_unit.om_district.code == district_code
    assert set(police_unit.om_district.courts.values_list("code", flat=True)) == court_codes
    for court in Court.objects.filter(code__in=court_codes):
        assert court.court_of_appeal.code == appeal_code, court.code


def test_every_court_belongs_to_the_right_court_of_appeal():
    expected = {}
    for _district, courts, appeal in DOMAIN_TABLE.values():
        for court in courts:
            expected[court] = appeal
    actual = dict(Court.objects.values_list("code", "court_of_appeal__code"))
    assert actual == expected
    assert {"gelderland", "overijssel", "noord-nederland", "midden-nederland"} == {
        c for c, a in actual.items() if a == "arnhem-leeuwarden"
    }


def test_every_court_belongs_to_exactly_one_district():
    for court in Court.objects.all():
        assert court.om_districts.filter(kind="district").count() == 1, court.code


def test_national_services_map_to_the_national_parkets():
    units = {u.code: u for u in PoliceUnit.objects.select_related("om_district")}
    assert units["landelijke-eenheid"].om_district.code == "landelijk-parket"
    assert units["nla"].om_district.code == "functioneel-parket"
    assert units["kmar"].om_district is None


def test_the_exploitation_forms():
    assert list(ExploitationForm.objects.values_list("code", flat=True)) == [
        "sexual",
        "labour",
        "criminal",
        "organ_removal",
        "unknown",
    ]


def test_labels_are_dutch():
    assert PoliceUnit.objects.get(code="kmar").name == "Koninklijke Marechaussee"
    assert ChainEventType.objects.get(code="complaint_filed").label == "Aangifte gedaan"
    assert ExploitationForm.objects.get(code="labour").label == "Arbeidsuitbuiting"


# --- the event catalogue and the workflow --------------------------------------------------


def test_every_workflow_event_exists_in_the_catalogue_and_every_catalogue_event_is_used():
    catalogue = _codes(ChainEventType)
    in_workflow = set().union(*(set(moves) for moves in TRANSITIONS.values()))
    assert in_workflow <= catalogue, in_workflow - catalogue
    assert catalogue <= in_workflow, catalogue - in_workflow
    assert len(catalogue) == 21


def test_events_with_a_required_outcome_have_outcomes():
    for event_type in ChainEventType.objects.prefetch_related("outcomes"):
        if event_type.outcome_required:
            assert event_type.outcomes.count() >= 2, event_type.code
    assert set(
        ChainEventType.objects.filter(outcome_required=True).values_list("code", flat=True)
    ) == {
        "complaint_declined",
        "other_cooperation",
        "prosecution_decision",
        "verdict",
        "appeal_verdict",
    }


def test_the_prosecution_decision_outcomes():
    assert list(
        ChainEventOutcome.objects.filter(event_type__code="prosecution_decision").values_list(
            "code", flat=True
        )
    ) == ["summons", "dismissal_technical", "dismissal_policy", "dismissal_conditional"]


def test_the_database_holds_exactly_the_document():
    doc = load_reference_document()
    assert PoliceUnit.objects.count() == len(doc["police_units"])
    assert OMDistrict.objects.count() == len(doc["om_districts"])
    assert Court.objects.count() == len(doc["courts"])
    assert ChainEventType.objects.count() == len(doc["chain_event_types"])
    assert ChainEventOutcome.objects.count() == sum(
        len(r["outcomes"]) for r in doc["chain_event_types"]
    )


# --- sync ----------------------------------------------------------------------------------

MODELS = [
    CourtOfAppeal,
    Court,
    OMDistrict,
    PoliceUnit,
    ExploitationForm,
    ChainEventType,
    ChainEventOutcome,
]


def _counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def test_sync_is_idempotent():
    before = _counts()
    pks = dict(PoliceUnit.objects.values_list("code", "pk"))
    sync_reference_data()
    sync_reference_data()
    assert _counts() == before
    assert dict(PoliceUnit.objects.values_list("code", "pk")) == pks
    assert set(
        OMDistrict.objects.get(code="oost-nederland").courts.values_list("code", flat=True)
    ) == {"gelderland", "overijssel"}


def test_sync_keeps_an_edit_of_the_database_and_rows_it_does_not_know():
    # After the first load the database is the truth (ADR 0003): an administrator's edit stays.
    limburg = PoliceUnit.objects.get(code="limburg")
    limburg.name = "Eenheid Limburg (beheer)"
    limburg.om_district = OMDistrict.objects.get(code="rotterdam")
    limburg.save()
    OMDistrict.objects.get(code="amsterdam").courts.clear()
    ChainEventOutcome.objects.filter(code="summons").update(label="Dagvaarding (beheer)")
    PoliceUnit.objects.create(
        code="test-eenheid", name="Door beheer toegevoegd", kind="national", order=99
    )
    assert sync_reference_data() == []
    limburg.refresh_from_db()
    assert (limburg.name, limburg.om_district.code) == ("Eenheid Limburg (beheer)", "rotterdam")
    assert not OMDistrict.objects.get(code="amsterdam").courts.exists()
    assert ChainEventOutcome.objects.get(code="summons").label == "Dagvaarding (beheer)"
    assert PoliceUnit.objects.filter(code="test-eenheid").exists()


def test_migrate_never_reverts_a_police_units_om_district():
    PoliceUnit.objects.filter(code="limburg").update(
        om_district=OMDistrict.objects.get(code="amsterdam")
    )
    call_command("migrate", verbosity=0)
    assert PoliceUnit.objects.get(code="limburg").om_district.code == "amsterdam"


def test_sync_adds_the_codes_the_database_lacks_with_the_files_values():
    ChainEventOutcome.objects.filter(code="summons").delete()
    CourtOfAppeal.objects.create(code="test-hof", name="Testhof")
    assert sync_reference_data() == ["chaineventoutcome:summons"]
    summons = ChainEventOutcome.objects.get(code="summons")
    assert (summons.event_type.code, summons.order) == ("prosecution_decision", 1)
    assert _counts()["ChainEventOutcome"] == sum(
        len(r["outcomes"]) for r in load_reference_document()["chain_event_types"]
    )


def test_reference_diff_lists_where_the_database_differs_from_the_file():
    hof = "Gerechtshof Amsterdam"
    assert reference_differences() == []
    PoliceUnit.objects.filter(code="limburg").update(
        om_district=OMDistrict.objects.get(code="amsterdam")
    )
    CourtOfAppeal.objects.filter(code="amsterdam").update(name="Hof Amsterdam (beheer)")
    ChainEventOutcome.objects.filter(code="summons").delete()
    assert reference_differences() == [
        Difference("courtofappeal", "amsterdam", "name", "Hof Amsterdam (beheer)", hof),
        Difference("policeunit", "limburg", "om_district", "amsterdam", "limburg"),
        Difference("chaineventoutcome", "summons", "(ontbreekt)", None, "summons"),
    ]
    out = StringIO()
    call_command("reference", "diff", stdout=out)
    text = out.getvalue()
    assert "3 verschil(len) met reference.json; de database geldt" in text
    assert "policeunit limburg: om_district is 'amsterdam', het bestand zegt 'limburg'" in text
    assert PoliceUnit.objects.get(code="limburg").om_district.code == "amsterdam"


def test_reference_diff_says_when_database_and_file_agree():
    out = StringIO()
    call_command("reference", "diff", stdout=out)
    assert out.getvalue().strip() == "De referentiegegevens komen overeen met reference.json."

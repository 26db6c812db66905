"""District → court (issue 14 item 2, DOMAIN §2): which court a case goes to follows from its OM
district when the district has one court; Oost-Nederland has two and the national parketten none,
so there a person chooses."""

from __future__ import annotations

import pytest

from inbeeld.reference.models import Court, OMDistrict

pytestmark = pytest.mark.django_db

# DOMAIN §2: arrondissementsparket → rechtbank(en).
DOMAIN_COURTS = {
    "noord-nederland": {"noord-nederland"},
    "oost-nederland": {"gelderland", "overijssel"},
    "midden-nederland": {"midden-nederland"},
    "noord-holland": {"noord-holland"},
    "amsterdam": {"amsterdam"},
    "den-haag": {"den-haag"},
    "rotterdam": {"rotterdam"},
    "zeeland-west-brabant": {"zeeland-west-brabant"},
    "oost-brabant": {"oost-brabant"},
    "limburg": {"limburg"},
    "landelijk-parket": set(),
    "functioneel-parket": set(),
}


def test_the_reference_data_maps_every_district_to_its_courts_as_in_domain():
    stored = {
        d.code: set(d.courts.values_list("code", flat=True)) for d in OMDistrict.objects.all()
    }
    assert stored == DOMAIN_COURTS


@pytest.mark.parametrize("code", sorted(DOMAIN_COURTS))
def test_the_derived_court_is_the_districts_only_court_or_none(code):
    district = OMDistrict.objects.get(code=code)
    courts = DOMAIN_COURTS[code]
    derived = district.derived_court()
    if len(courts) == 1:
        assert derived is not None and derived.code == next(iter(courts))
    else:
        assert derived is None


def test_the_choices_are_the_districts_courts_or_every_court_for_a_national_parket():
    oost = OMDistrict.objects.get(code="oost-nederland")
    assert set(oost.court_choices().values_list("code", flat=True)) == {"gelderland", "overijssel"}
    national = OMDistrict.objects.get(code="landelijk-parket")
    assert national.court_choices().count() == Court.objects.count() == 11

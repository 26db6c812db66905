"""Forms: Dutch validation messages for the case form, the filter form and the event form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from inbeeld.cases.forms import CaseFilterForm, CaseForm, EventForm
from inbeeld.cases.workflow import Status
from inbeeld.reference.models import PoliceUnit
from tests.factories import form, unit

pytestmark = pytest.mark.django_db

MINOR_MESSAGE = "Deze leeftijdscategorie is minderjarig: vink 'minderjarig bij instroom' aan."
ADULT_MESSAGE = "Deze leeftijdscategorie is meerderjarig: 'minderjarig bij instroom' klopt niet."


def _case_form(**overrides):
    data = {
        "police_unit": unit("amsterdam").pk,
        "exploitation_forms": [form("sexual").pk],
        "age_band": "23-29",
        "gender": "female",
        "nationality_group": "nl",
        "intake_date": "2024-04-01",
    }
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    return CaseForm(data, units=PoliceUnit.objects.filter(code="amsterdam"))


@pytest.mark.parametrize("band", ["0-11", "12-15", "16-17"])
def test_a_minor_age_band_needs_the_minor_box(band):
    unticked = _case_form(age_band=band)
    assert not unticked.is_valid()
    assert unticked.errors["minor_at_intake"] == [MINOR_MESSAGE]
    assert _case_form(age_band=band, minor_at_intake="on").is_valid()


@pytest.mark.parametrize("band", ["18-22", "23-29", "30-49", "50+"])
def test_an_adult_age_band_may_not_be_ticked_minor(band):
    ticked = _case_form(age_band=band, minor_at_intake="on")
    assert not ticked.is_valid()
    assert ticked.errors["minor_at_intake"] == [ADULT_MESSAGE]
    assert _case_form(age_band=band).is_valid()


@pytest.mark.parametrize("minor", [None, "on"])
def test_an_unknown_age_band_accepts_either_answer(minor):
    assert _case_form(age_band="unknown", minor_at_intake=minor).is_valid()


def test_the_case_form_needs_a_form_of_exploitation():
    bound = _case_form(exploitation_forms=None)
    assert bound.errors["exploitation_forms"] == ["Kies ten minste één uitbuitingsvorm."]


def test_the_case_form_gives_a_dutch_message_for_a_bad_date():
    assert _case_form(intake_date="1-4-24x").errors["intake_date"] == [
        "Vul een geldige datum in (jjjj-mm-dd)."
    ]


def test_the_case_form_only_accepts_the_units_it_was_given():
    bound = _case_form(police_unit=unit("limburg").pk)
    assert "police_unit" in bound.errors


def test_the_case_form_without_units_offers_none():
    assert list(CaseForm().fields["police_unit"].queryset) == []


def test_the_unbound_case_form_proposes_today():
    assert CaseForm().initial["intake_date"] == timezone.localdate()


# --- filter form ---------------------------------------------------------------------------


def test_the_filter_form_rejects_an_end_before_the_start():
    bound = CaseFilterForm({"intake_from": "2024-05-02", "intake_to": "2024-05-01"})
    assert not bound.is_valid()
    assert bound.errors["intake_to"] == ["De einddatum ligt vóór de begindatum."]


def test_the_filter_form_accepts_a_one_day_period():
    bound = CaseFilterForm({"intake_from": "2024-05-01", "intake_to": "2024-05-01"})
    assert bound.is_valid()
    filters = bound.filters()
    assert filters.intake_from == filters.intake_to == dt.date(2024, 5, 1)


def test_the_filter_form_turns_its_input_into_filters():
    filters = CaseFilterForm(
        {"status": "trial", "form": "labour", "minor": "ja", "unit": "limburg", "sort": "code"}
    ).filters()
    assert (filters.status, filters.exploitation_form, filters.minor) == (
        Status.TRIAL,
        "labour",
        True,
    )
    assert (filters.police_unit, filters.sort) == ("limburg", "code")
    assert CaseFilterForm({"minor": "nee"}).filters().minor is False
    assert CaseFilterForm({}).filters().minor is None


def test_an_invalid_filter_form_filters_nothing():
    filters = CaseFilterForm(
        {"status": "onzin", "intake_from": "2024-05-02", "intake_to": "2024-05-01"}
    ).filters()
    assert filters.status == "" and filters.intake_from is None and filters.intake_to is None
    assert filters.sort == "-intake_date"


# --- event form ----------------------------------------------------------------------------


def _event_form(codes, **data):
    values = {"event_date": "2024-05-01", "date_precision": "day", "version": 1, **data}
    return EventForm(values, event_codes=codes)


def test_the_event_form_only_accepts_offered_event_types():
    bound = _event_form({"first_police_contact"}, event_type="complaint_filed")
    assert bound.errors["event_type"] == ["Deze gebeurtenis kunt u hier niet kiezen."]


def test_the_event_form_requires_an_outcome_where_needed():
    bound = _event_form({"verdict"}, event_type="verdict")
    assert bound.errors["outcome"] == ["Kies een uitkomst of reden bij 'Vonnis'."]


def test_the_event_form_refuses_an_outcome_of_another_type():
    bound = _event_form(
        {"verdict", "prosecution_decision"}, event_type="verdict", outcome="summons"
    )
    assert bound.errors["outcome"] == ["'summons' past niet bij 'Vonnis'."]


def test_the_event_form_accepts_a_matching_outcome():
    assert _event_form({"verdict"}, event_type="verdict", outcome="acquittal").is_valid()


def test_the_event_form_without_note_permission_has_no_note_field():
    assert "note" not in EventForm(event_codes={"rc_hearing"}, allow_note=False).fields
    assert "note" in EventForm(event_codes={"rc_hearing"}).fields

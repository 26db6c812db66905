"""The primary analysis as pilot design data (issue 12 item 7): the model's choices are the
statistics' codes, pilot.json's values are loaded, a combination that does not fit the
intervention is refused in Dutch (model validation, as the admin's form runs it, and the sync of
pilot.json), and a valid change is accepted."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory

from inbeeld.pilot import sync
from inbeeld.pilot.admin import InterventionAdmin
from inbeeld.pilot.models import (
    STAGES_AFTER_COMPLAINT,
    Intervention,
    PrimaryComparison,
    PrimaryOutcome,
)
from inbeeld.stats import primary

pytestmark = pytest.mark.django_db

AFTER_COMPLAINT_MESSAGE = "Deze interventie grijpt pas na de aangifte aan"


def test_the_choices_are_the_statistics_codes():
    assert set(PrimaryOutcome.values) == set(primary.OUTCOMES)
    assert set(PrimaryComparison.values) == set(primary.COMPARISONS)


def test_pilot_json_primary_analyses_are_loaded_and_valid():
    document = sync.load_pilot_document()
    for row in document["interventions"]:
        intervention = Intervention.objects.get(code=row["code"])
        design = row["primary"]
        assert intervention.primary_outcome == design["outcome"]
        assert intervention.primary_comparison == design["comparison"]
        assert intervention.primary_horizon_days == design["horizon_days"]
        assert intervention.min_important_difference == pytest.approx(
            design["min_important_difference"]
        )
        intervention.full_clean()  # what the admin would accept
    judge = Intervention.objects.get(code="examining_judge")
    assert judge.acts_after_complaint
    assert judge.primary_outcome == PrimaryOutcome.RETAINED_AFTER_COMPLAINT


def _form(instance, **changes):
    """The admin's form for ``instance`` with ``changes`` (the fields it shows)."""
    fields = [f for _, options in InterventionAdmin.fieldsets for f in options["fields"]]
    Form = modelform_factory(Intervention, fields=fields)
    data = {f: getattr(instance, f) for f in fields} | changes
    return Form(data=data, instance=instance)


def test_an_after_complaint_intervention_with_a_complaint_outcome_is_refused_in_dutch():
    judge = Intervention.objects.get(code="examining_judge")
    assert judge.chain_stage in STAGES_AFTER_COMPLAINT
    for outcome in (PrimaryOutcome.COMPLAINT_WITHIN, PrimaryOutcome.COOPERATION_WITHIN):
        form = _form(judge, primary_outcome=outcome)
        assert not form.is_valid()
        assert AFTER_COMPLAINT_MESSAGE in " ".join(form.errors["primary_outcome"])
    assert (
        Intervention.objects.get(code="examining_judge").primary_outcome
        == PrimaryOutcome.RETAINED_AFTER_COMPLAINT
    )


def test_moving_an_intervention_after_the_complaint_requires_the_retention_outcome():
    psychologist = Intervention.objects.get(code="psychologist")
    form = _form(psychologist, chain_stage="rc_hearing")
    assert not form.is_valid()
    assert AFTER_COMPLAINT_MESSAGE in " ".join(form.errors["primary_outcome"])
    form = _form(
        psychologist,
        chain_stage="rc_hearing",
        primary_outcome=PrimaryOutcome.RETAINED_AFTER_COMPLAINT,
        primary_horizon_days=365,
    )
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("code", "changes", "field", "message"),
    [
        (
            "psychologist",
            {"primary_outcome": PrimaryOutcome.RETAINED_AFTER_COMPLAINT},
            "primary_outcome",
            "is alleen de primaire uitkomst van een interventie die na de aangifte aangrijpt",
        ),
        (
            "examining_judge",
            {"primary_comparison": PrimaryComparison.STAGGERED_ATT},
            "primary_comparison",
            "De gespreide vergelijking kan alleen met aangifte of medewerking",
        ),
        (
            "psychologist",
            {"primary_horizon_days": 20},
            "primary_horizon_days",
            "30",
        ),
        (
            "psychologist",
            {"primary_outcome": "sneller"},
            "primary_outcome",
            "Selecteer een geldige keuze",
        ),
    ],
)
def test_other_bad_combinations_are_refused(code, changes, field, message):
    form = _form(Intervention.objects.get(code=code), **changes)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field]), form.errors


def test_a_valid_change_is_accepted_and_saved():
    psychologist = Intervention.objects.get(code="psychologist")
    form = _form(
        psychologist,
        primary_comparison=PrimaryComparison.STAGGERED_ATT,
        primary_outcome=PrimaryOutcome.COOPERATION_WITHIN,
        primary_horizon_days=365,
    )
    assert form.is_valid(), form.errors
    form.save()
    saved = Intervention.objects.get(code="psychologist")
    assert saved.primary_design() == primary.PrimaryDesign(
        primary.COOPERATION_WITHIN, primary.STAGGERED_ATT, 365
    )


def test_model_clean_refuses_without_a_form():
    judge = Intervention.objects.get(code="examining_judge")
    judge.primary_outcome = PrimaryOutcome.COMPLAINT_WITHIN
    with pytest.raises(ValidationError) as raised:
        judge.full_clean()
    assert AFTER_COMPLAINT_MESSAGE in " ".join(raised.value.message_dict["primary_outcome"])


def test_a_pilot_json_with_a_bad_design_is_refused_with_the_code(monkeypatch):
    document = sync.load_pilot_document()
    judge = next(row for row in document["interventions"] if row["code"] == "examining_judge")
    judge["primary"]["outcome"] = "complaint_within"
    monkeypatch.setattr(sync, "load_pilot_document", lambda: document)
    with pytest.raises(ValueError, match="'examining_judge'.*grijpt pas na de aangifte aan"):
        sync.sync_pilot_design()
    # nothing of the bad design reached the database
    assert (
        Intervention.objects.get(code="examining_judge").primary_outcome
        == PrimaryOutcome.RETAINED_AFTER_COMPLAINT
    )


# --- through the real admin ----------------------------------------------------------------------


@pytest.fixture
def admin_client(beheerder):
    from django.test import Client

    from tests.conftest import verified_login

    return verified_login(Client(raise_request_exception=True), beheerder)


def test_the_admin_shows_the_primary_analysis_and_refuses_a_bad_one_in_dutch(admin_client):
    from django.urls import reverse

    from inbeeld.audit.models import AuditEvent
    from tests.approvals.admin_forms import form_data

    judge = Intervention.objects.get(code="examining_judge")
    url = reverse("admin:pilot_intervention_change", args=[judge.pk])
    page = admin_client.get(url).content.decode()
    assert "Primaire analyse (vooraf vastgelegd)" in page
    data = form_data(page)
    audits = AuditEvent.objects.count()
    response = admin_client.post(url, {**data, "primary_outcome": ["complaint_within"]})
    assert response.status_code == 200
    assert AFTER_COMPLAINT_MESSAGE in response.content.decode()
    assert AuditEvent.objects.count() == audits
    judge.refresh_from_db()
    assert judge.primary_outcome == PrimaryOutcome.RETAINED_AFTER_COMPLAINT

    response = admin_client.post(url, {**data, "primary_horizon_days": ["540"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    judge.refresh_from_db()
    assert judge.primary_horizon_days == 540
    assert AuditEvent.objects.count() > audits  # the change is audited, with old and new values
    assert "primary_horizon_days" in str(AuditEvent.objects.latest("pk").extra)

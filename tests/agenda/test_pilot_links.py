"""Item 8: a recommendation points to the pilot intervention (and its evaluation) that supports
it; an implemented recommendation to the deployments that carry it out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.agenda import services
from inbeeld.pilot.models import Deployment, Intervention
from tests.agenda import helpers
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_an_implemented_recommendation_points_to_its_deployments_and_intervention(client, login):
    actor = helpers.researcher()
    psychologist = Intervention.objects.get(code="psychologist")
    rec = services.recommendation_add(
        actor=actor,
        publication=helpers.publication(actor),
        text="Zet een recherchepsycholoog in.",
        addressee="police",
        theme="willingness_to_report",
        source="own",
        intervention=psychologist,
    )
    deployment = Deployment.objects.filter(intervention=psychologist).order_by("start").first()
    assert deployment is not None
    with pytest.raises(ValidationError) as refused:
        helpers.milestone(actor, rec, "debate", dt.date(2019, 1, 1), deployments=[deployment])
    assert "deployments" in refused.value.message_dict
    helpers.milestone(
        actor,
        rec,
        "partner_protocol",
        dt.date(2021, 6, 1),
        evidence_kind="public_source",
        evidence_reference="comensha.nl",
        deployments=[deployment],
    )
    login(actor)
    page = client.get(reverse("agenda:recommendation", args=[rec.pk])).content.decode()
    assert "Uitgevoerd via inzet in de proeftuin" in page and str(deployment) in page
    assert reverse("evaluation:intervention", args=["psychologist"]) in page
    login(make_user(Role.POLICE_OFFICER))
    page = client.get(reverse("agenda:recommendation", args=[rec.pk])).content.decode()
    assert str(deployment) in page
    assert reverse("evaluation:intervention", args=["psychologist"]) not in page  # no dead end

"""The agenda's seed: only the facts of the seeds and DOMAIN, everything assumed marked as example
data; idempotent; through the services (audited)."""

from __future__ import annotations

import datetime as dt
import pathlib

import pytest
from django.core.management import call_command

from inbeeld.agenda import selectors
from inbeeld.agenda.models import Milestone, Publication, Recommendation
from inbeeld.agenda.seed import SAMEN_TEGEN_MENSENHANDEL
from inbeeld.audit.models import AuditEvent
from tests.agenda import helpers

pytestmark = pytest.mark.django_db

SEEDS = pathlib.Path("/work/shared/seeds")


def test_the_seed_registers_the_three_paths_once(capsys):
    actor = helpers.researcher(username="tom")
    call_command("agenda_seed", "--user", "tom")
    assert "3 publicaties, 10 aanbevelingen, 8 mijlpalen" in capsys.readouterr().out
    call_command("agenda_seed", "--user", "tom")
    assert "0 publicaties" in capsys.readouterr().out
    assert Publication.objects.count() == 3 and Recommendation.objects.count() == 10
    report = Publication.objects.get(title="Aangifte doe je niet")
    assert report.published_on == dt.date(2018, 6, 12)
    assert report.recommendations.count() == 4  # DOMAIN §6: four recommendations
    # Only the first text is known; the others are marked as example data.
    assert [r.is_example for r in report.recommendations.order_by("number")] == [
        False,
        True,
        True,
        True,
    ]
    contribution = Publication.objects.get(kind="debate_contribution")
    assert contribution.recommendations.count() == 5
    assert not contribution.recommendations.filter(is_example=True).exists()
    assert all(m.is_example or m.source_note for m in Milestone.objects.all())
    assert AuditEvent.objects.filter(action="agenda.recommendation").count() == 10
    rows = selectors.register_for(actor, status="on_agenda")
    assert len(rows) >= 6  # the five points (debate December 2023) and the pro-ana path


@pytest.mark.skipif(not SEEDS.exists(), reason="the shared seed documents are not on this machine")
def test_the_five_points_are_those_of_seed_003():
    text = next(SEEDS.glob("003_*.txt")).read_text()
    for phrase in (
        "criminele uitbuiting",
        "klanten van minderjarige",
        "seksadvertentieplatformen",
        "anonieme chat",
        "financiële keuzes",
    ):
        assert phrase in text
        assert any(phrase in point for point, _, _ in SAMEN_TEGEN_MENSENHANDEL)
    assert "De Tweede Kamer debatteert in december 2023" in text


def test_the_seed_refuses_someone_who_may_not_maintain_the_agenda():
    from django.core.management.base import CommandError

    from inbeeld.accounts.models import Role
    from tests.factories import make_user

    make_user(Role.POLICE_OFFICER, username="agent")
    with pytest.raises(CommandError, match="mag de agenda niet"):
        call_command("agenda_seed", "--user", "agent")
    with pytest.raises(CommandError, match="bestaat niet"):
        call_command("agenda_seed", "--user", "niemand")
    assert not Publication.objects.exists()

"""`inbeeld simulate`: runs end to end with few replications on the test database, prints a Dutch
table (or strict JSON), simulates the configured pilot design from the database, and refuses bad
input with a Dutch message."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inbeeld.analysis.simulate import configured_design
from inbeeld.pilot.models import Deployment, Intervention
from inbeeld.reference.models import PoliceUnit

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    buffer = io.StringIO()
    call_command("simulate", *args, stdout=buffer)
    return buffer.getvalue()


def _no_constants(name):
    raise AssertionError(f"non-standard JSON constant {name}")


def test_standard_scenario_prints_a_dutch_table():
    text = run("--scenario", "18+18", "--replications", "3", "--jobs", "1")
    assert "Scenario: 18 + 18 zaken" in text
    for word in ("dekking (MC 95 %)", "gem. breedte", "zonder interval", "risicoverschil ITT"):
        assert word in text
    assert "voldoet" in text or "geen oordeel" in text
    assert "Looptijd:" in text and "1 proces(sen)" in text
    # the staggered aggregate has no pre-period in this design: no interval, never a miss
    assert "geen oordeel: in geen enkele pilot een interval gepubliceerd" in text


def test_json_is_strict_and_counts_the_replications():
    payload = json.loads(
        run("--scenario", "18+18", "--replications", "2", "--jobs", "1", "--format", "json"),
        parse_constant=_no_constants,
    )
    assert payload["replications"] == 2
    rows = {row["kind"]: row for row in payload["rows"]}
    itt = rows["itt_risk_difference"]
    assert itt["replications"] == 2 and itt["published"] == 2
    assert 0 <= itt["covered"] <= 2 and itt["threshold"] == pytest.approx(0.93)
    assert payload["designs"][0]["key"] == "18+18"


def test_custom_design_from_the_options():
    text = run(
        "--units", "4", "--never-treated", "1", "--cases", "40-60", "--control-rate", "0.2",
        "--effect", "0.15", "--growing", "2", "--replications", "2", "--jobs", "1",
    )  # fmt: skip
    assert "eigen ontwerp: 4 eenheden, 1 nooit behandeld, 40–60 zaken, 20 % → 35 %" in text
    assert "effect groeit over 2 halfjaren" in text


def test_configured_design_comes_from_the_database():
    psychologist = Intervention.objects.get(code="psychologist")
    design = configured_design(intervention="psychologist")
    deployed = {
        unit.code
        for deployment in Deployment.objects.filter(intervention=psychologist)
        for unit in deployment.police_units.all()
    }
    assert {unit for unit, _, _ in design.deployments} == deployed
    regional = set(
        PoliceUnit.objects.filter(kind=PoliceUnit.Kind.REGIONAL).values_list("code", flat=True)
    )
    assert set(design.never_treated) == (regional | deployed) - deployed
    assert design.mid == pytest.approx(psychologist.min_important_difference)
    assert design.effect == pytest.approx(psychologist.min_important_difference)
    first = min(d.start for d in Deployment.objects.filter(intervention=psychologist))
    assert design.intake_start.year == first.year - 2
    text = run("--configured", "--cases", "80", "--replications", "2", "--jobs", "1")
    assert "ingericht ontwerp" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cases", "veel"), "--cases"),
        (("--cases", "50-10"), "--cases"),
        (("--replications", "0"), "--replications"),
        (("--units", "3", "--never-treated", "3"), "Ontwerp niet te simuleren"),
        (("--control-rate", "0.95", "--effect", "0.1"), "Ontwerp niet te simuleren"),
        (("--configured", "--intervention", "bestaat-niet"), "Onbekende interventie"),
        (("--intervention", "psychologist"), "--configured"),
    ],
)
def test_bad_input_gives_a_dutch_error(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args, "--jobs", "1")

"""Lost updates and free text on pilot deployments (issue 11, items 6 and 8).

Two researchers open the same deployment (*Proeftuin → Inzet beheren*) and both save: before the
fix the second save silently overwrote the first (deployments decide who counts as exposed). Now
the second writer gets a Dutch conflict page that shows what is stored and what they asked, nothing
of theirs is stored, and they can redo their change on top of the stored one. Deployment notes
are encrypted at rest and never copied into the audit log. The other objects edited in place
outside the admin (research consent and event corrections on a case, a break-glass review) are
replayed with two sessions too.
"""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import ChainEvent, ConsentRecord
from inbeeld.cases.services import break_glass_open
from inbeeld.crypto import decrypt_text
from inbeeld.pilot import services
from inbeeld.pilot.models import Deployment, Intervention, Phase
from inbeeld.web import ConcurrentChange
from tests.conftest import verified_login
from tests.factories import CaseFactory, make_user, record_events, unit

pytestmark = pytest.mark.django_db

NOTE = "Afspraak met zorgpartner Kerkstraat 12 over de regio Limburg."
CONFLICT = "Deze inzet is intussen door iemand anders gewijzigd. Uw wijziging is niet opgeslagen."


def _deployment(**fields) -> Deployment:
    deployment = Deployment(
        intervention=Intervention.objects.get(code="psychologist"),
        phase=Phase.objects.order_by("start").last(),
    )
    services.deployment_save(
        actor=make_user(Role.RESEARCHER),
        deployment=deployment,
        police_units=[unit("amsterdam")],
        start=dt.date(2023, 1, 1),
        end=fields.get("end"),
        partners=fields.get("partners", "Politie"),
        regions_assumed=False,
        note=fields.get("note", ""),
    )
    return Deployment.objects.get(pk=deployment.pk)


def _researcher_client() -> Client:
    return verified_login(Client(), make_user(Role.RESEARCHER))


def _form_fields(html: str) -> dict:
    """What the browser would post back unchanged from the deployment form in ``html``."""

    def value(name: str) -> str:
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
        found = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
        return found.group(1) if found else ""

    ticked = [
        re.search(r'value="(\d+)"', tag).group(1)
        for tag in re.findall(r'<input[^>]*name="police_units"[^>]*>', html)
        if " checked" in tag
    ]
    note = re.search(r'<textarea[^>]*name="note"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    return {
        "version": value("version"),
        "start": value("start"),
        "end": value("end"),
        "partners": value("partners"),
        "police_units": ticked,
        "note": note.strip(),
    }


def _read_form(client: Client, url: str) -> dict:
    return _form_fields(client.get(url).content.decode())


def _changes() -> int:
    return AuditEvent.objects.filter(action=AuditAction.DEPLOYMENT_CHANGED).count()


def test_two_researchers_edit_one_deployment_and_the_second_gets_a_conflict_not_a_lost_update():
    deployment = _deployment()
    url = reverse("pilot:deployment_edit", args=[deployment.pk])
    anna, bram = _researcher_client(), _researcher_client()
    form_anna, form_bram = _read_form(anna, url), _read_form(bram, url)
    assert form_anna["version"] == form_bram["version"]  # both read the same state
    audits = _changes()

    # Anna widens the deployment to Rotterdam and saves first.
    first = anna.post(
        url,
        {**form_anna, "police_units": [unit("amsterdam").pk, unit("rotterdam").pk]},
    )
    assert first.status_code == 302

    # Bram, on the page he read before Anna saved, ends the deployment and changes the partners.
    second = bram.post(url, {**form_bram, "end": "2023-12-31", "partners": "Politie, GGZ"})
    assert second.status_code == 409
    html = second.content.decode()
    assert CONFLICT in html
    # He sees what is stored now (Anna's units) next to what he asked (not stored).
    table = html[html.index("Wat nu is opgeslagen") : html.index("</table>")]
    assert "Rotterdam" in table and "31 december 2023" in table and "Politie, GGZ" in table
    # Nothing of his was stored; Anna's edit survives.
    stored = Deployment.objects.get(pk=deployment.pk)
    assert sorted(stored.police_units.values_list("code", flat=True)) == ["amsterdam", "rotterdam"]
    assert (stored.end, stored.partners, stored.version) == (None, "Politie", 2)
    assert _changes() == audits + 1

    # No dead end: the conflict page is a fresh form at the stored version with the stored values
    # (Rotterdam ticked), so redoing his change keeps Anna's.
    retry = _form_fields(html)
    assert retry["version"] == "2"
    assert sorted(retry["police_units"]) == sorted(
        [str(unit("amsterdam").pk), str(unit("rotterdam").pk)]
    )
    again = bram.post(url, {**retry, "end": "2023-12-31", "partners": "Politie, GGZ"})
    assert again.status_code == 302
    stored = Deployment.objects.get(pk=deployment.pk)
    assert sorted(stored.police_units.values_list("code", flat=True)) == ["amsterdam", "rotterdam"]
    assert (stored.end, stored.partners, stored.version) == (
        dt.date(2023, 12, 31),
        "Politie, GGZ",
        3,
    )
    last = AuditEvent.objects.filter(action=AuditAction.DEPLOYMENT_CHANGED).latest("pk")
    assert last.extra["version"] == {"old": 2, "new": 3}
    assert last.extra["old"]["units"] == ["amsterdam", "rotterdam"]


def test_ending_a_deployment_from_a_stale_page_is_refused_too():
    """There is no delete: a deployment ends by its end date. A stale 'end it' loses the race."""
    deployment = _deployment(end=dt.date(2024, 6, 30))
    url = reverse("pilot:deployment_edit", args=[deployment.pk])
    anna, bram = _researcher_client(), _researcher_client()
    form_anna, form_bram = _read_form(anna, url), _read_form(bram, url)
    assert anna.post(url, {**form_anna, "end": ""}).status_code == 302  # Anna: it runs on
    response = bram.post(url, {**form_bram, "end": "2023-03-31"})  # Bram: end it early
    assert response.status_code == 409
    assert Deployment.objects.get(pk=deployment.pk).end is None


def test_the_service_refuses_a_stale_version_and_writes_nothing():
    deployment = _deployment(partners="Politie")
    researcher = make_user(Role.RESEARCHER)
    services.deployment_save(
        actor=researcher,
        deployment=Deployment.objects.get(pk=deployment.pk),
        police_units=[unit("limburg")],
        start=dt.date(2023, 1, 1),
        end=None,
        partners="Politie, OM",
        regions_assumed=False,
        expected_version=1,
    )
    audits = _changes()
    with pytest.raises(ConcurrentChange) as exc:
        services.deployment_save(
            actor=researcher,
            deployment=Deployment.objects.get(pk=deployment.pk),
            police_units=[unit("den-haag")],
            start=dt.date(2023, 2, 1),
            end=None,
            partners="Iets anders",
            regions_assumed=True,
            expected_version=1,
        )
    assert exc.value.current.partners == "Politie, OM" and exc.value.current.version == 2
    stored = Deployment.objects.get(pk=deployment.pk)
    assert (stored.partners, stored.start, stored.regions_assumed) == (
        "Politie, OM",
        dt.date(2023, 1, 1),
        False,
    )
    assert list(stored.police_units.values_list("code", flat=True)) == ["limburg"]
    assert _changes() == audits


@pytest.mark.parametrize(
    "version",
    [None, "", "abc", "0", "-1", "9" * 30],
    ids=["absent", "empty", "text", "0", "-1", "30d"],
)
def test_a_missing_or_forged_version_gets_a_dutch_message_and_stores_nothing(version):
    deployment = _deployment(partners="Politie")
    url = reverse("pilot:deployment_edit", args=[deployment.pk])
    client = _researcher_client()
    form = {**_read_form(client, url), "partners": "Gewijzigd"}
    if version is None:
        del form["version"]
    else:
        form["version"] = version
    response = client.post(url, form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Deze pagina is onvolledig of verouderd." in html
    assert Deployment.objects.get(pk=deployment.pk).partners == "Politie"


def test_a_version_far_ahead_is_a_conflict_not_an_overwrite():
    deployment = _deployment(partners="Politie")
    url = reverse("pilot:deployment_edit", args=[deployment.pk])
    client = _researcher_client()
    response = client.post(url, {**_read_form(client, url), "version": "7", "partners": "X"})
    assert response.status_code == 409
    assert Deployment.objects.get(pk=deployment.pk).partners == "Politie"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_the_database_exactly_one_wins():
    """Real concurrency (threads, one connection each): with the same read version only one save
    lands. SQLite's in-memory test database cannot share rows across connections, so this one runs
    on PostgreSQL (DATABASE_URL)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database (run with DATABASE_URL=postgres://...)")
    deployment = _deployment(partners="Politie")
    researcher = make_user(Role.RESEARCHER)
    writers = 8
    barrier = threading.Barrier(writers)
    outcomes: list[str] = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            services.deployment_save(
                actor=researcher,
                deployment=Deployment.objects.get(pk=deployment.pk),
                police_units=[unit("amsterdam")],
                start=dt.date(2023, 1, 1),
                end=None,
                partners=f"Schrijver {n}",
                regions_assumed=False,
                expected_version=1,
            )
            outcomes.append("saved")
        except ConcurrentChange:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * (writers - 1) + ["saved"]
    stored = Deployment.objects.get(pk=deployment.pk)
    assert stored.version == 2 and stored.partners.startswith("Schrijver ")


# --- deployment notes: encrypted at rest, not in the audit log -------------------------------


def _raw_deployment_row(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM pilot_deployment WHERE id = %s", [pk])
        return " ".join(str(value) for value in cursor.fetchone())


def _raw_audit_rows() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent")
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_a_note_saved_through_the_page_is_stored_encrypted_and_not_audited_as_text():
    deployment = _deployment()
    url = reverse("pilot:deployment_edit", args=[deployment.pk])
    client = _researcher_client()
    assert client.post(url, {**_read_form(client, url), "note": NOTE}).status_code == 302
    raw = _raw_deployment_row(deployment.pk)
    assert NOTE not in raw and "Kerkstraat" not in raw
    assert Deployment.objects.get(pk=deployment.pk).note == NOTE
    event = AuditEvent.objects.filter(action=AuditAction.DEPLOYMENT_CHANGED).latest("pk")
    assert event.extra["note_changed"] is True
    assert "Kerkstraat" not in _raw_audit_rows()
    # The researcher who manages deployments reads it back on the edit page.
    assert NOTE in client.get(url).content.decode()
    # An unchanged note is recorded as unchanged.
    assert client.post(url, _read_form(client, url)).status_code == 302
    event = AuditEvent.objects.filter(action=AuditAction.DEPLOYMENT_CHANGED).latest("pk")
    assert event.extra["note_changed"] is False


def test_the_seeded_deployment_notes_are_encrypted_too():
    seeded = Deployment.objects.exclude(seed_key=None).exclude(note_ciphertext="")
    assert seeded.exists()
    for deployment in seeded:
        raw = _raw_deployment_row(deployment.pk)
        assert deployment.note and deployment.note not in raw


def test_the_note_is_shown_only_on_the_management_edit_page():
    deployment = _deployment(note=NOTE)
    researcher = _researcher_client()
    for url in (reverse("pilot:dashboard"), reverse("pilot:deployment_list")):
        assert "Kerkstraat" not in researcher.get(url).content.decode(), url
    edit = reverse("pilot:deployment_edit", args=[deployment.pk])
    for role in Role.values:
        if role == Role.RESEARCHER:
            continue
        other = verified_login(Client(), make_user(role))
        response = other.get(edit)
        assert response.status_code in (403, 404), role
        assert "Kerkstraat" not in response.content.decode(), role


def test_key_rotation_re_encrypts_deployment_notes(settings):
    deployment = _deployment(note=NOTE)
    before = Deployment.objects.get(pk=deployment.pk).note_ciphertext
    old, new = settings.INBEELD_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    settings.INBEELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_keys")
    after = Deployment.objects.get(pk=deployment.pk)
    assert after.note_ciphertext != before
    settings.INBEELD_ENCRYPTION_KEYS = [new]  # the old key is gone: the note still reads
    assert after.note == NOTE
    assert after.version == deployment.version  # rotation is not an edit


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_notes_that_were_stored_in_clear():
    executor = MigrationExecutor(connection)
    target = [("pilot", "0002_encrypt_delivery_reason")]
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(target)
        old_apps = executor.loader.project_state(target).apps
        OldDeployment = old_apps.get_model("pilot", "Deployment")
        # Historical models only: today's models have columns the old schema lacks.
        OldIntervention = old_apps.get_model("pilot", "Intervention")
        OldPhase = old_apps.get_model("pilot", "Phase")
        old = OldDeployment.objects.create(
            intervention_id=OldIntervention.objects.get(code="psychologist").pk,
            phase_id=OldPhase.objects.order_by("start").first().pk,
            start=dt.date(2023, 1, 1),
            partners="",
            note=NOTE,
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT note FROM pilot_deployment WHERE id = %s", [old.pk])
            assert cursor.fetchone()[0] == NOTE  # the old schema: in clear
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    raw = _raw_deployment_row(old.pk)
    assert "Kerkstraat" not in raw
    stored = Deployment.objects.get(pk=old.pk)
    assert stored.note == NOTE and decrypt_text(stored.note_ciphertext) == NOTE
    assert stored.version == 1


# --- the other objects edited in place outside the admin: two sessions each -------------------


def _version(response) -> str:
    return re.search(r'name="version" value="(\d+)"', response.content.decode()).group(1)


def _officer_client() -> Client:
    return verified_login(Client(), make_user(Role.POLICE_OFFICER, unit_code="amsterdam"))


def test_two_officers_recording_consent_from_one_page_the_second_gets_a_conflict():
    case = CaseFactory(without_consent=True)
    url = reverse("cases:consent_add", args=[case.code])
    sam, noor = _officer_client(), _officer_client()
    version_sam, version_noor = _version(sam.get(url)), _version(noor.get(url))
    given = {"kind": "given", "date": "2025-06-01"}
    first = sam.post(url, {**given, "scope": "evaluation", "version": version_sam})
    assert first.status_code == 302
    second = noor.post(url, {**given, "scope": "evaluation_monitor", "version": version_noor})
    assert second.status_code == 200
    assert "intussen door iemand anders gewijzigd" in second.content.decode()
    assert list(ConsentRecord.objects.filter(case=case).values_list("scope", flat=True)) == [
        "evaluation"
    ]
    # Reloaded, the second officer sees the consent and can record at the new version.
    fresh = _version(noor.get(url))
    assert fresh != version_noor
    assert (
        noor.post(url, {"kind": "withdrawn", "date": "2025-06-02", "version": fresh}).status_code
        == 302
    )


def test_two_officers_correcting_one_event_the_second_gets_a_conflict():
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    case = CaseFactory()
    record_events(case, [("first_police_contact", "")], actor=officer)
    event = ChainEvent.objects.get(case=case)
    url = reverse("cases:event_correct", args=[case.code, event.pk])
    sam, noor = _officer_client(), _officer_client()
    version_sam, version_noor = _version(sam.get(url)), _version(noor.get(url))
    correction = {"event_type": "first_police_contact", "date_precision": "day"}
    first = sam.post(url, {**correction, "event_date": "2024-03-04", "version": version_sam})
    assert first.status_code == 302
    second = noor.post(url, {**correction, "event_date": "2024-02-01", "version": version_noor})
    assert second.status_code == 200
    assert "intussen door iemand anders gewijzigd" in second.content.decode()
    dates = sorted(ChainEvent.objects.filter(case=case).values_list("event_date", flat=True))
    assert dt.date(2024, 2, 1) not in dates and dt.date(2024, 3, 4) in dates


def test_two_privacy_officers_reviewing_one_break_glass_the_first_verdict_stands():
    limburg = CaseFactory(police_unit=unit("limburg"))
    _case, grant = break_glass_open(
        actor=make_user(Role.POLICE_OFFICER, unit_code="amsterdam"),
        code=limburg.code,
        reason="Slachtoffer meldt zich nu bij ons bureau en vraagt om hulp bij opvang.",
    )
    url = reverse("privacy:break_glass_review", args=[grant.pk])
    fg1 = verified_login(Client(), make_user(Role.PRIVACY_OFFICER))
    fg2 = verified_login(Client(), make_user(Role.PRIVACY_OFFICER))
    assert fg1.post(url, {"verdict": "justified", "note": ""}).status_code == 302
    second = fg2.post(url, {"verdict": "unjustified", "note": "Geen grond."}, follow=True)
    assert "Deze noodtoegang is al beoordeeld." in second.content.decode()
    grant.refresh_from_db()
    assert grant.review == "justified"
    reviews = AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS_REVIEWED)
    assert reviews.count() == 1

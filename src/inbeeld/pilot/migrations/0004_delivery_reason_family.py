# A reason "not delivered" is free text and is read, like a note, only by the role family that
# wrote it (issue 11, item 3). Existing reasons get the family of the role through which their
# recorder delivers the intervention. When that cannot be told for sure (no recorder, as in bulk
# loaded demo data; no membership of a delivering role; or memberships of two families that the
# delivery's organisation does not tell apart) the family stays empty and nobody is shown the
# reason: hiding a reason is safe, showing it to the wrong profession is not.

from django.db import migrations, models

# Frozen copies of policy.DELIVERY_RECORDERS and policy.NOTE_FAMILY as of this migration.
DELIVERY_RECORDERS = {
    "psychologist": {"psychologist", "police_officer"},
    "examining_judge": {"examining_judge", "prosecutor"},
    "safety_coordinator": {"safety_coordinator"},
    "peer_expert": {"peer_expert", "police_officer"},
    "shorter_lead_times": {"prosecutor"},
}
NOTE_FAMILY = {
    "police_officer": "police",
    "psychologist": "police",
    "safety_coordinator": "care",
    "peer_expert": "care",
    "prosecutor": "prosecution",
    "examining_judge": "judiciary",
}


def family_of(memberships, intervention_code: str, organisation_id) -> str:
    """The one family of the recorder's delivering memberships, or '' when none or ambiguous."""
    recorders = DELIVERY_RECORDERS.get(intervention_code, set())
    candidates = [(role, org) for role, org in memberships if role in recorders]
    if organisation_id is not None and any(org == organisation_id for _, org in candidates):
        candidates = [(role, org) for role, org in candidates if org == organisation_id]
    families = {NOTE_FAMILY[role] for role, _ in candidates if role in NOTE_FAMILY}
    return families.pop() if len(families) == 1 else ""


def tag_reasons(apps, schema_editor):
    Delivery = apps.get_model("pilot", "Delivery")
    Membership = apps.get_model("accounts", "Membership")
    rows = (
        Delivery.objects.exclude(reason_ciphertext="")
        .filter(reason_family="", recorded_by__isnull=False)
        .values_list("pk", "recorded_by_id", "intervention__code", "organisation_id")
    )
    memberships: dict[int, list] = {}
    for pk, user_id, code, organisation_id in rows.iterator():
        if user_id not in memberships:
            memberships[user_id] = list(
                Membership.objects.filter(user_id=user_id).values_list("role", "organisation_id")
            )
        family = family_of(memberships[user_id], code, organisation_id)
        if family:
            Delivery.objects.filter(pk=pk).update(reason_family=family)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_session_generation"),
        ("pilot", "0003_deployment_version_encrypted_note"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="reason_family",
            field=models.CharField(
                blank=True,
                choices=[
                    ("police", "politie"),
                    ("care", "zorg"),
                    ("prosecution", "openbaar ministerie"),
                    ("judiciary", "rechtspraak"),
                ],
                max_length=20,
                verbose_name="beroepsgroep van de reden",
            ),
        ),
        migrations.RunPython(tag_reasons, migrations.RunPython.noop),
    ]

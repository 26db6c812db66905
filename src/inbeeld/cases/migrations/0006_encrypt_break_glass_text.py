# Break-glass reasons and the privacy officer's review notes are free text: they move from clear
# columns to encrypted ones (issue 11, item 8). Existing rows are encrypted here, in the same
# migration, so no clear copy survives it; `inbeeld rotate_keys` covers the new columns through
# BreakGlassGrant.ENCRYPTED_FIELDS.

from django.db import migrations, models


def encrypt_texts(apps, schema_editor):
    from inbeeld.crypto import encrypt_text

    Grant = apps.get_model("cases", "BreakGlassGrant")
    rows = Grant.objects.values_list("pk", "reason", "review_note")
    for pk, reason, note in rows.iterator():
        Grant.objects.filter(pk=pk).update(
            reason_ciphertext=encrypt_text(reason), review_note_ciphertext=encrypt_text(note)
        )


def decrypt_texts(apps, schema_editor):
    from inbeeld.crypto import decrypt_text

    Grant = apps.get_model("cases", "BreakGlassGrant")
    rows = Grant.objects.values_list("pk", "reason_ciphertext", "review_note_ciphertext")
    for pk, reason, note in rows.iterator():
        Grant.objects.filter(pk=pk).update(
            reason=decrypt_text(reason), review_note=decrypt_text(note)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_event_case_type_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="breakglassgrant",
            name="reason_ciphertext",
            field=models.TextField(default="", verbose_name="reden (versleuteld)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="breakglassgrant",
            name="review_note_ciphertext",
            field=models.TextField(
                blank=True, verbose_name="toelichting beoordeling (versleuteld)"
            ),
        ),
        migrations.RunPython(encrypt_texts, decrypt_texts),
        migrations.RemoveField(model_name="breakglassgrant", name="reason"),
        migrations.RemoveField(model_name="breakglassgrant", name="review_note"),
    ]

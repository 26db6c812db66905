"""Issue 11: one-time-link labels ("voor wie", often a name) are encrypted at rest; a reporter can
store a personal recovery answer (only its slow keyed hash) for a locked receipt code.

Existing labels are encrypted here, in the same migration that drops the clear-text column, so no
database ever holds both or neither.
"""

from django.db import migrations, models


def encrypt_labels(apps, schema_editor):
    from inbeeld.crypto import encrypt_text

    IntakeLink = apps.get_model("intake", "IntakeLink")
    for link in IntakeLink.objects.exclude(label="").only("pk", "label").iterator():
        IntakeLink.objects.filter(pk=link.pk).update(label_ciphertext=encrypt_text(link.label))


def decrypt_labels(apps, schema_editor):
    from inbeeld.crypto import decrypt_text

    IntakeLink = apps.get_model("intake", "IntakeLink")
    for link in IntakeLink.objects.exclude(label_ciphertext="").iterator():
        IntakeLink.objects.filter(pk=link.pk).update(
            label=decrypt_text(link.label_ciphertext)[:100]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="intakelink",
            name="label_ciphertext",
            field=models.TextField(blank=True, verbose_name="voor wie (intern, versleuteld)"),
        ),
        migrations.AlterField(
            model_name="intakelink",
            name="label",
            field=models.CharField(blank=True, max_length=100, verbose_name="voor wie (intern)"),
        ),
        migrations.RunPython(encrypt_labels, decrypt_labels),
        migrations.RemoveField(model_name="intakelink", name="label"),
        migrations.AddField(
            model_name="signal",
            name="recovery_question",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.AddField(
            model_name="signal",
            name="recovery_answer_hash",
            field=models.CharField(blank=True, max_length=200),
        ),
    ]

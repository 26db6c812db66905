# The fill of Case.monitor_consent in a migration of its own: 0011's ALTER TABLE holds an
# exclusive lock on the case table until its transaction commits, and the fill (29 s at
# 1,000,000 cases on PostgreSQL) should not run under it (ADR 0028).

from django.db import migrations
from django.db.models import Exists, OuterRef

# The value of ConsentRecord.Scope.EVALUATION_AND_MONITOR (policy.MONITOR_CONSENT_SCOPE), written
# out: a migration must not change when the code it was written against does.
MONITOR_SCOPE = "evaluation_monitor"


def fill_monitor_consent(apps, schema_editor):
    """Set the new column from the consent history: the case's latest record (highest id) is a
    consent given with the monitor's scope — what the monitor selected before the column."""
    Case = apps.get_model("cases", "Case")
    ConsentRecord = apps.get_model("cases", "ConsentRecord")
    later = ConsentRecord.objects.filter(case=OuterRef("case"), pk__gt=OuterRef("pk"))
    latest_covers = ConsentRecord.objects.filter(
        case=OuterRef("pk"), kind="given", scope=MONITOR_SCOPE
    ).filter(~Exists(later))
    Case.objects.filter(Exists(latest_covers)).update(monitor_consent=True)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0011_monitor_consent"),
    ]

    operations = [
        migrations.RunPython(fill_monitor_consent, migrations.RunPython.noop, elidable=True),
    ]

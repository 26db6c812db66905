"""The two name indexes of the audit search by user (issue 15 item 5), rebuilt under the same
names with id in the key and the columns of the conditions included: the search reads each of
them apart (oversight.selectors.UserSearchQuerySet), a page in index order and the counts by
index-only scans (PostgreSQL; SQLite ignores INCLUDE). Building them on a large log takes a while
(about a minute each per 5 million rows on the benchmark machine) and blocks audit writes
meanwhile: migrate in a quiet moment.
"""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0014_parallel_chains_and_search_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="auditevent",
            name="audit_actor_time",
        ),
        migrations.RemoveIndex(
            model_name="auditevent",
            name="audit_user_subject_time",
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                django.db.models.functions.text.Upper("actor_label"),
                models.F("created_at"),
                models.F("id"),
                include=("actor_label",),
                name="audit_actor_time",
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                django.db.models.functions.text.Upper("subject_ref"),
                models.F("created_at"),
                models.F("id"),
                condition=models.Q(("subject_type", "user")),
                include=("subject_ref", "actor_label"),
                name="audit_user_subject_time",
            ),
        ),
    ]

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "inbeeld.jobs"
    label = "jobs"
    verbose_name = "Taken op de achtergrond"

    def ready(self) -> None:
        # django-tasks-db registers its queue table in the admin, in English and outside the
        # policy's admin rules; the queue holds only job ids, the jobs' own pages show the rest.
        from django.contrib import admin
        from django_tasks_db.models import DBTaskResult

        if admin.site.is_registered(DBTaskResult):
            admin.site.unregister(DBTaskResult)

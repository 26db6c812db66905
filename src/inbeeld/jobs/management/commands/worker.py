"""`inbeeld worker`: runs the background jobs (PDF reports, ...) from the database queue.

django-tasks' database worker under a Dutch name; run one next to the web server (make run does),
in production as its own systemd service (docs/deployment.md). `--batch` runs what is queued and
stops."""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


class Command(DatabaseWorker):
    help = "Voert de taken op de achtergrond uit (rapporten, exports)."

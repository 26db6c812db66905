"""`inbeeld serve`: the production server (conf/server.py, docs/deployment.md)."""

import logging

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, SystemCheckError
from django.db import connections

from inbeeld.conf.health import migrations_applied
from inbeeld.conf.server import ServerOptions, default_workers, serve

# Once the checks pass, everything goes to the JSON log (settings.LOGGING), gunicorn's lines too.
logger = logging.getLogger("inbeeld.serve")


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Start InBeeld in production: check --deploy, collectstatic, then gunicorn with "
        "threaded workers."
    )
    # The deploy checks run below, with warnings counted as failures.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--bind", help="host:port or unix:/path (default INBEELD_BIND)")
        parser.add_argument(
            "--workers",
            type=_positive,
            help="worker processes (default INBEELD_WORKERS, or 2 x CPUs + 1, at most 12)",
        )
        parser.add_argument(
            "--threads", type=_positive, help="threads per worker (default INBEELD_THREADS)"
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="skip collectstatic (the static files were collected when the release was built)",
        )

    def handle(self, *args, **options):
        if settings.INBEELD_ENVIRONMENT != "production":
            raise CommandError(
                "inbeeld serve draait alleen met de productie-instellingen: zet "
                "DJANGO_SETTINGS_MODULE=inbeeld.conf.settings.production (of laat het leeg). "
                "Voor ontwikkeling is er `make run`."
            )
        try:
            call_command("check", deploy=True, fail_level="WARNING")
        except SystemCheckError as exc:
            raise CommandError(
                f"{exc}\ninbeeld serve start niet: de controles voor productie (check --deploy) "
                "hierboven vinden problemen. Los ze op (docs/deployment.md) en start opnieuw."
            ) from exc
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        if not migrations_applied():
            logger.warning(
                "inbeeld serve: de database mist migraties; /health/ready meldt 'niet gereed' "
                "tot `inbeeld migrate` ze heeft uitgevoerd."
            )
        # The workers are forked from this process: none may inherit its database connection.
        connections.close_all()
        server = ServerOptions(
            bind=options["bind"] or settings.INBEELD_BIND,
            workers=options["workers"] or settings.INBEELD_WORKERS or default_workers(),
            threads=options["threads"] or settings.INBEELD_THREADS,
            timeout=settings.INBEELD_WORKER_TIMEOUT,
            logging=settings.LOGGING,
        )
        logger.info(
            "inbeeld serve: luistert op %s met %d werkprocessen van elk %d threads.",
            server.bind,
            server.workers,
            server.threads,
        )
        serve(server)

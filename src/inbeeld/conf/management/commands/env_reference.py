from django.core.management.base import BaseCommand

from inbeeld.conf.env import render_reference


class Command(BaseCommand):
    help = "Print the environment-variable reference (docs/configuration.md) from the env reader."

    def handle(self, *args, **options):
        self.stdout.write(render_reference(), ending="")

from django.core.management.base import BaseCommand

from inbeeld.crypto_rotation import keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt all free text under the newest key. Put the new key first in "
        "INBEELD_ENCRYPTION_KEYS (old keys after it), run this, then remove the old keys."
    )

    def handle(self, *args, **options):
        result = keys_rotate()
        self.stdout.write(
            f"Sleutelrotatie klaar: {result.rows} versleutelde waarden opnieuw "
            "versleuteld met de nieuwste sleutel."
        )
        for label, count in result.fields.items():
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write("Verwijder nu de oude sleutel(s) uit INBEELD_ENCRYPTION_KEYS.")

"""Password rules after NIST SP 800-63B: length (>= 12), no composition rules, refused when on a
list of common or breached passwords, when close to the user's own name, or when built on words
of this service.

The breached/common list is local: Django's CommonPasswordValidator ships 20,000 of the most
common passwords (no network call, nothing leaves the server). An operator who keeps a larger
offline list (one password per line, optionally gzipped) names it in INBEELD_PASSWORD_LIST_FILE;
it is then checked as well. No well-kept PyPI package ships a larger list for offline use (the
Pwned Passwords range API needs the network, which this platform does not call).
"""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Context-specific words (NIST 800-63B 3.1.1.2): the service and its subject.
CONTEXT_WORDS = ("inbeeld", "mensenhandel", "wachtwoord", "password", "welkom")


class ContextWordsValidator:
    """Refuse a password that is mostly a word of this service plus digits and punctuation
    (``InBeeld2026!``, ``wachtwoord-123``); passphrases that merely contain one pass."""

    def validate(self, password, user=None):
        letters = re.sub(r"[^a-zà-ÿ]", "", password.lower())
        for word in CONTEXT_WORDS:
            if word in letters and len(letters) - len(word) < 6:
                raise ValidationError(
                    _(
                        "Dit wachtwoord is te makkelijk te raden: het is gebouwd op het woord "
                        "“%(word)s”."
                    ),
                    code="password_context_word",
                    params={"word": word},
                )

    def get_help_text(self):
        return _("Uw wachtwoord mag niet gebouwd zijn op de naam van deze dienst.")


class DutchMinimumLengthValidator(MinimumLengthValidator):
    """Django's length rule with a Dutch message (Django 5.2's Dutch catalogue misses it)."""

    def get_error_message(self):
        return _("Dit wachtwoord is te kort: gebruik minstens %(min_length)d tekens.") % {
            "min_length": self.min_length
        }

    def get_help_text(self):
        return _("Uw wachtwoord heeft minstens %(min_length)d tekens.") % {
            "min_length": self.min_length
        }

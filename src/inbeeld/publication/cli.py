"""What the release commands (`inbeeld evaluate`, `inbeeld report`, `inbeeld export`) share: the
user named with ``--user``, checked the same way by all three.

The named user must exist, be active and be allowed the command's action by the policy; otherwise
the command is refused with a Dutch message, and the refusal leaves an audit row
(publication.release.release_refused), as a refused page does. A command run as a user releases
within that user's scope and its audit row names them. ``--user`` is required (default deny): a
command never releases figures on nobody's behalf; a researcher's scope is the national research
scope (consented cases, policy.RESEARCH_CONSENT), so a researcher gets the national figures.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from inbeeld import policy
from inbeeld.publication.release import release_refused

USER_HELP = (
    "gebruikersnaam namens wie de opdracht draait: diens bereik bepaalt welke casussen meetellen "
    "en de auditlog noemt deze gebruiker"
)


def command_user(username: str | None, *, command: str, action: policy.Action, refused: str):
    """The active user named ``username``, allowed ``action``.
    ``refused``: the Dutch message when the policy refuses (``{username}`` is filled in).
    Raises CommandError without a name, and (after the refusal's audit row) for an unknown user or
    one the policy refuses."""
    if not username:
        raise CommandError(
            "Geef met --user de gebruikersnaam namens wie de opdracht draait (bijvoorbeeld de "
            "onderzoeker); diens bereik bepaalt welke casussen meetellen."
        )
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        release_refused(user=None, command=command, username=username, reason="unknown_user")
        raise CommandError(f"Gebruiker '{username}' bestaat niet of is niet actief.")
    if not policy.can(user, action):
        release_refused(user=user, command=command, username=username, reason=str(action))
        raise CommandError(refused.format(username=username))
    return user

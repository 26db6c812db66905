"""`Authorization: Bearer <key>`: the key's client and the user it acts for (issue 16).

request.user becomes the acting user, narrowed by the policy to the client's organisation and
scopes (policy.bind_api_client); request.auth is the ApiClient; the audit context names the
client, so every audit row of the request carries it."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import authentication, exceptions

from inbeeld import policy
from inbeeld.api.keys import digest_matches, split_key
from inbeeld.api.models import ApiKey
from inbeeld.audit import context as audit_context

INVALID = "De API-sleutel is onbekend, ingetrokken of verlopen."
NOT_ALLOWED = "Deze koppeling is niet (meer) actief of mag niet namens deze gebruiker werken."
# Writing "last used" at every request would make every read a write; once a minute is enough.
LAST_USED_EVERY_SECONDS = 60


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _sep, key = header.partition(" ")
        if scheme != self.keyword or not key.strip():
            raise exceptions.AuthenticationFailed(
                "Geef de API-sleutel mee als 'Authorization: Bearer <sleutel>'."
            )
        key = key.strip()
        prefix = split_key(key)
        row = (
            ApiKey.objects.select_related("client", "client__organisation", "client__acting_user")
            .filter(prefix=prefix)
            .first()
            if prefix
            else None
        )
        now = timezone.now()
        if row is None or not digest_matches(key, row.digest) or not row.usable(now):
            raise exceptions.AuthenticationFailed(INVALID)
        client = row.client
        user = client.acting_user
        if (
            not client.is_active
            or not client.organisation.is_active
            or policy.api_client_may_act_for(user, client.organisation_id) is not None
        ):
            raise exceptions.AuthenticationFailed(NOT_ALLOWED)
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > (
            LAST_USED_EVERY_SECONDS
        ):
            ApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
        policy.bind_api_client(user, organisation_id=client.organisation_id, scopes=client.scopes)
        audit_context.bind_api_client(client_id=client.pk, name=client.name)
        return user, client

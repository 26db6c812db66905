"""Idempotency-Key on every POST (issue 16): a retried request never creates a second case or
event. The key, a hash of the request and the answer are stored per client in the SAME
transaction as the write, so either both land or neither does; a retry with the same key and
the same body gets the stored answer, with another body a 422 problem."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop
from rest_framework.response import Response

from inbeeld.api.models import IdempotentRequest
from inbeeld.api.problems import ApiProblem

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def request_key(request) -> str:
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise ApiProblem(
            400,
            "idempotency-key-ontbreekt",
            "De header Idempotency-Key ontbreekt.",
            "Geef bij elke POST een eigen, unieke Idempotency-Key mee (bijvoorbeeld een UUID).",
            invalid=[
                {
                    "name": HEADER,
                    "code": "required",
                    "reason": gettext_noop("Deze header is verplicht."),
                }
            ],
        )
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiProblem(
            400,
            "idempotency-key-ongeldig",
            "De header Idempotency-Key is ongeldig.",
            invalid=[
                {
                    "name": HEADER,
                    "code": "invalid",
                    "reason": f"Hooguit {MAX_KEY_LENGTH} leesbare tekens.",
                }
            ],
        )
    return key


def request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    material = f"{request.method}\n{request.path}\n{request.headers.get('If-Match', '')}\n{body}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _replay(stored: IdempotentRequest, digest: str) -> Response:
    if stored.request_hash != digest:
        raise ApiProblem(
            422,
            "idempotency-key-hergebruikt",
            "Deze Idempotency-Key is al gebruikt voor een ander verzoek.",
            "Gebruik voor elk nieuw verzoek een nieuwe sleutel; herhaal een verzoek alleen met "
            "precies dezelfde inhoud.",
            invalid=[
                {
                    "name": HEADER,
                    "code": "reused",
                    "reason": gettext_noop("Al gebruikt met andere inhoud."),
                }
            ],
        )
    headers = {"Idempotent-Replayed": "true"}
    if stored.location:
        headers["Location"] = stored.location
    return Response(stored.body, status=stored.status, headers=headers)


def idempotent(request, write: Callable[[], Response]) -> Response:
    """Run ``write`` (which returns the success response) at most once per client and key."""
    client = request.auth
    key = request_key(request)
    digest = request_hash(request)
    stored = IdempotentRequest.objects.filter(client=client, key=key).first()
    if stored is not None:
        return _replay(stored, digest)
    try:
        with transaction.atomic():
            response = write()
            IdempotentRequest.objects.create(
                client=client,
                key=key,
                request_hash=digest,
                status=response.status_code,
                body=response.data,
                location=response.get("Location", ""),
            )
    except IntegrityError:
        # The same key at the same moment: the other request won and its write stands; ours was
        # rolled back whole. Answer as a retry would.
        stored = IdempotentRequest.objects.filter(client=client, key=key).first()
        if stored is None:
            raise
        return _replay(stored, digest)
    return response

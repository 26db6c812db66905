"""Request bodies are capped (issue 11, item 11): the public form answers an oversized POST with a
Dutch 413 page, every other page with Django's cap and the Dutch 400 page; nothing is stored."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.security.test_crafted_input import row_counts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/melden/", "/melden/status/"])
def test_an_oversized_post_to_the_public_pages_gets_a_dutch_413_and_stores_nothing(client, path):
    before = row_counts()
    body = "x" * (settings.INBEELD_PUBLIC_FORM_MAX_BYTES + 1)
    response = client.post(path, {"description": body, "code": body, "urgency": "normal"})
    assert response.status_code == 413
    page = response.content.decode()
    assert "Te veel tekst in één keer" in page and "Er is niets opgeslagen." in page
    assert row_counts() == before


def test_a_body_over_the_site_wide_cap_gets_the_dutch_400(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    settings.INBEELD_PUBLIC_FORM_MAX_BYTES = 10**9  # let it through to Django's own cap
    before = row_counts()
    response = client.post("/account/inloggen/", {"username": "x" * 20_000, "password": "y"})
    assert response.status_code == 400
    assert "Ongeldig verzoek" in response.content.decode()
    response = client.post("/melden/", {f"veld{n}": "1" for n in range(3000)})
    assert response.status_code == 400
    assert row_counts() == before


def test_the_caps_are_set():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 1_048_576
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 2000
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 1_048_576
    assert settings.INBEELD_PUBLIC_FORM_MAX_BYTES <= 65_536

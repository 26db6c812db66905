"""Single sign-on in a real browser (issue 15 item 6): the "Inloggen via <organisatie>" button
on the login page, a real OpenID provider on 127.0.0.1 (tests/oidc_provider.py), and back: a new
account sees only "no access yet". At desktop and phone width, with axe on both pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from inbeeld.accounts.models import ExternalIdentity, IdentityProvider
from tests.factories import OrganisationFactory
from tests.oidc_provider import OIDCProvider

pytestmark = pytest.mark.e2e

NO_ACCESS = "U bent aangemeld, maar heeft nog geen toegang; een beheerder moet u een rol geven."


@pytest.fixture
def op():
    provider = OIDCProvider().start()
    yield provider
    provider.stop()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_sso_button_logs_a_new_user_in_without_rights(page: Page, op, axe, width):
    op.user.amr = ["pwd", "mfa"]
    provider = IdentityProvider(
        organisation=OrganisationFactory(name="Zorg Noord", type="care"),
        issuer=op.issuer,
        client_id=op.client_id,
        is_active=True,
    )
    provider.set_client_secret(op.client_secret)
    provider.save()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/account/inloggen/")
    button = page.get_by_role("link", name="Inloggen via Zorg Noord")
    expect(button).to_be_visible()
    assert axe(page) == []
    button.click()
    page.wait_for_url("**/")
    expect(page.get_by_test_id("no-access")).to_have_text(NO_ACCESS)
    assert axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert ExternalIdentity.objects.get(provider=provider).user.memberships.count() == 0
    # Every other page refuses, with the same words.
    page.goto("/casussen/")
    expect(page.get_by_test_id("no-access")).to_be_visible()
    page.locator("#inhoud").get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", name="Inloggen bij InBeeld")).to_be_visible()

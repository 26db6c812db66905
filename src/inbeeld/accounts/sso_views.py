"""Single sign-on pages: the button's start (to the provider) and the provider's way back.

Both are public (the person is not logged in yet); every refusal is audited with its reason and
answered with one Dutch message on the login page: the details are for the privacy officer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from inbeeld.accounts import sso
from inbeeld.accounts.models import IdentityProvider


def _refused(request: HttpRequest, error: sso.SSOError) -> HttpResponse:
    sso.failure_record(request=request, error=error)
    if error.reason == sso.Failure.INACTIVE:
        text = _("Inloggen via deze organisatie is uitgeschakeld. Log in met uw wachtwoord.")
    elif error.reason == sso.Failure.ACCOUNT_INACTIVE:
        text = _("Uw account staat uit. Neem contact op met de beheerder.")
    else:
        text = _(
            "Inloggen via uw organisatie is niet gelukt. Probeer het opnieuw; lukt het weer niet, "
            "neem dan contact op met de beheerder."
        )
    messages.error(request, text)
    return redirect("accounts:login")


def _next(request: HttpRequest) -> str:
    target = request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_not_required
@require_GET
def sso_start(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Inloggen via <organisatie>" button: off to the provider's login page. A link, not a
    form: the login page's CSP allows forms to post only to InBeeld itself (form-action 'self'),
    and starting a login changes nothing but this session's list of pending attempts."""
    provider = get_object_or_404(IdentityProvider.objects.select_related("organisation"), pk=pk)
    try:
        url = sso.authorization_redirect(
            request=request, provider=provider, next_url=_next(request)
        )
    except sso.SSOError as error:
        return _refused(request, error)
    return redirect(url)


@login_not_required
@require_GET
def sso_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here with a code (or an error) and the state."""
    try:
        next_url = sso.callback(request=request)
    except sso.SSOError as error:
        return _refused(request, error)
    return redirect(next_url)

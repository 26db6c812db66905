from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from inbeeld import policy
from inbeeld.accounts import services
from inbeeld.accounts.forms import LoginForm, TokenForm


def home(request: HttpRequest) -> HttpResponse:
    """Start page: who you are, in which roles, and what you can do here."""
    memberships = policy.active_memberships(request.user)
    return render(
        request,
        "accounts/home.html",
        {
            "memberships": memberships,
            "can_list_cases": policy.can(request.user, policy.Action.CASE_LIST),
            "can_create_case": policy.can(request.user, policy.Action.CASE_CREATE),
            "can_administer": policy.may_administer(request.user),
        },
    )


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Second step of the login: the current code from the user's authenticator app."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not services.confirmed_devices(request.user):
        return redirect("accounts:second_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_verify(request=request, token=form.cleaned_data["token"]):
            return redirect(_next_url(request))
        form.add_error(
            "token",
            _(
                "Deze code klopt niet of is verlopen. Wacht op de volgende "
                "code en probeer het opnieuw."
            ),
        )
    return render(
        request, "accounts/second_factor.html", {"form": form, "next": _next_url(request)}
    )


@require_http_methods(["GET", "POST"])
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: scan the QR code (rendered on the server) and confirm with a first code."""
    if services.confirmed_devices(request.user):
        return redirect("accounts:second_factor")
    device = services.totp_enrolment_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_enrol_confirm(
            request=request, device=device, token=form.cleaned_data["token"]
        ):
            return redirect(_next_url(request))
        form.add_error(
            "token",
            _(
                "Deze code klopt niet. Controleer de tijd op uw telefoon en "
                "probeer de volgende code."
            ),
        )
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/second_factor_setup.html",
        {"form": form, "secret": secret, "next": _next_url(request)},
    )


@require_http_methods(["GET"])
def second_factor_qr(request: HttpRequest) -> HttpResponse:
    """The enrolment QR code as SVG, made on the server (no third party sees the secret)."""
    if services.confirmed_devices(request.user):
        raise Http404  # the secret is shown once, at enrolment only
    device = services.totp_enrolment_device(request.user)
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2
    )
    response = HttpResponse(image.to_string(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    services.logout_everywhere(request=request)
    return redirect("accounts:login")


@require_http_methods(["GET"])
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html")

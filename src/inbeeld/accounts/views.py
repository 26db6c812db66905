from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from inbeeld import policy
from inbeeld.accounts import home_panels, links, services, sso
from inbeeld.accounts.forms import (
    LoginForm,
    NewPasswordForm,
    NotificationsForm,
    PasswordChangeForm,
    TokenForm,
)


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
            "can_import": policy.can(request.user, policy.Action.IMPORT_CASES)
            or policy.can(request.user, policy.Action.IMPORT_SIGNALS),
            "can_administer": policy.may_administer(request.user),
            "panels": home_panels.render_panels(request),
        },
    )


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session_expired"] = self.request.GET.get("verlopen") == "1"
        context["identity_providers"] = sso.active_providers()
        return context


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
    """No second factor yet and no enrolment link: the password alone never enrols one. Says what
    to do (ask the administrator for an enrolment link) and offers to log out."""
    if services.confirmed_devices(request.user):
        return redirect("accounts:second_factor")
    return render(request, "accounts/second_factor_missing.html")


def _link_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/link_invalid.html", status=404)


@require_http_methods(["GET", "POST"])
def second_factor_enrol(request: HttpRequest, token: str) -> HttpResponse:
    """Enrolment through a one-time link from the administrator (after the password): scan the
    QR code (rendered on the server) and confirm with a first code."""
    if services.confirmed_devices(request.user):
        return redirect("accounts:second_factor")
    link = links.link_get(token=token, purpose=links.Purpose.ENROLMENT, user=request.user)
    if link is None:
        return _link_invalid(request)
    request.session[ENROLMENT_LINK_SESSION_KEY] = link.pk
    device = services.totp_enrolment_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_enrol_confirm(
            request=request, device=device, link=link, token=form.cleaned_data["token"]
        ):
            request.session.pop(ENROLMENT_LINK_SESSION_KEY, None)
            messages.success(request, _("Uw tweede factor is ingesteld."))
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


ENROLMENT_LINK_SESSION_KEY = "inbeeld_enrolment_link"


@require_http_methods(["GET"])
def second_factor_qr(request: HttpRequest) -> HttpResponse:
    """The enrolment QR code as SVG, made on the server (no third party sees the secret); only
    while the user holds a valid enrolment link opened in this session."""
    if services.confirmed_devices(request.user):
        raise Http404  # the secret is shown once, at enrolment only
    if not links.enrolment_link_open(
        user=request.user, pk=request.session.get(ENROLMENT_LINK_SESSION_KEY)
    ):
        raise Http404
    device = services.totp_enrolment_device(request.user)
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2
    )
    response = HttpResponse(image.to_string(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest, token: str) -> HttpResponse:
    """Set a new password through a one-time link the administrator had e-mailed to the user."""
    link = links.link_get(token=token, purpose=links.Purpose.PASSWORD_RESET)
    if link is None:
        return _link_invalid(request)
    form = NewPasswordForm(link.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if links.password_reset_complete(
            link=link, new_password=form.cleaned_data["new_password1"], request=request
        ):
            if request.user.is_authenticated:
                logout(request)
            messages.success(request, _("Uw nieuwe wachtwoord is ingesteld. Log ermee in."))
            return redirect("accounts:login")
        return _link_invalid(request)
    response = render(request, "accounts/password_reset.html", {"form": form, "account": link.user})
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Mijn account → Wachtwoord wijzigen: the current password and the new one twice."""
    form = PasswordChangeForm(request.user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        services.password_change(request=request, new_password=form.cleaned_data["new_password1"])
        messages.success(
            request,
            _("Uw wachtwoord is gewijzigd. Uw sessies op andere apparaten zijn beëindigd."),
        )
        return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})


@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    services.logout_everywhere(request=request)
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """Mijn account: who you are, the e-mail notifications (on or off), password, log out."""
    form = NotificationsForm(
        request.POST if request.method == "POST" else None,
        initial={"email_notifications": request.user.email_notifications},
    )
    if request.method == "POST" and form.is_valid():
        enabled = form.cleaned_data["email_notifications"]
        services.notifications_set(actor=request.user, enabled=enabled)
        messages.success(
            request,
            _("U krijgt een e-mail als er nieuws is.")
            if enabled
            else _("U krijgt geen e-mails meer als er nieuws is."),
        )
        return redirect("accounts:account")
    return render(request, "accounts/account.html", {"notifications_form": form})

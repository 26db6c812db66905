"""Second factor for every role: a logged-in user who has not passed TOTP reaches only the pages
that let them pass it (or log out). And an absolute session lifetime besides the idle timeout."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse

EXEMPT_VIEWS = {
    "accounts:login",
    "accounts:logout",
    "accounts:second_factor",
    "accounts:second_factor_setup",
    "accounts:second_factor_enrol",
    "accounts:second_factor_qr",
    "accounts:password_reset",
    # Probes carry no session; a logged-in browser gets the same answer (conf/health.py).
    "health:live",
    "health:ready",
    "accounts:sso_start",
    "accounts:sso_callback",
}

# What an account without an active membership may still reach: logging in and out, the second
# factor (RequireSecondFactorMiddleware comes first) and its own account page (name, password,
# e-mail preference: nothing of anyone else). The start page says "no access yet".
MEMBERSHIP_EXEMPT_VIEWS = EXEMPT_VIEWS | {
    "accounts:logout_everywhere",
    "accounts:account",
    "accounts:password_change",
}


class SessionLifetimeMiddleware:
    """A login ends INBEELD_SESSION_MAX_HOURS after it began, however active the user is (the
    idle timeout alone lets a session that is used every few minutes live for ever). The start is
    stored in the session at login (accounts.signals); the end is audited as SESSION_EXPIRED."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from inbeeld.accounts import services

        if request.user.is_authenticated and services.session_too_old(request):
            services.session_expire(request=request)
            query = urlencode({"verlopen": "1", "next": request.get_full_path()})
            return redirect(f"{reverse('accounts:login')}?{query}")
        return self.get_response(request)


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not self._exempt(request):
            from inbeeld.accounts.services import confirmed_devices

            target = (
                "accounts:second_factor"
                if confirmed_devices(user)
                else "accounts:second_factor_setup"
            )
            url = redirect(target).url
            return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _exempt(request) -> bool:
        return request.path_info.startswith(API_PREFIX) or _view_name(request) in EXEMPT_VIEWS


# The REST API (issue 16) authenticates every request with an API key, never with the session:
# the session's second factor and memberships do not apply there (its key's client and user are
# checked by the API's own authentication).
API_PREFIX = "/api/"


def _view_name(request) -> str | None:
    """The URL name of the request's view; None for static files, the API and unknown paths (a
    404 shows nothing), which every rule here lets through."""
    if request.path_info.startswith((settings.STATIC_URL, API_PREFIX)):
        return None
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


class RequireMembershipMiddleware:
    """Default deny for an account without any active membership (a first SSO login creates
    one): every page answers "U bent aangemeld, maar heeft nog geen toegang" (the start page with
    200, every other page with 403), until an administrator gives a membership (ADR 0008)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from inbeeld import policy

        user = request.user
        if user.is_authenticated and user.is_verified() and not policy.active_memberships(user):
            name = _view_name(request)
            if name is not None and name not in MEMBERSHIP_EXEMPT_VIEWS:
                return render(
                    request, "accounts/no_access.html", status=200 if name == "home" else 403
                )
        return self.get_response(request)

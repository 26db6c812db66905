"""Second factor for every role: a logged-in user who has not passed TOTP reaches only the pages
that let them pass it (or log out). And an absolute session lifetime besides the idle timeout."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
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
        if request.path_info.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True  # a 404 shows nothing
        return match.view_name in EXEMPT_VIEWS

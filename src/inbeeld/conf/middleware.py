"""HTTP hardening headers that Django's SecurityMiddleware does not set itself, the refusal
audit and the request log."""

import ipaddress
import logging
import time

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as _DjangoSessionMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.crypto import salted_hmac

from inbeeld.web import is_background_poll

request_logger = logging.getLogger("inbeeld.request")
# Probes ask every few seconds and say nothing about users: they would drown the log.
UNLOGGED_PREFIXES = ("/health/",)

# No inline script or style, nothing from elsewhere: every asset is served by InBeeld itself.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = getattr(settings, "INBEELD_CSP", DEFAULT_CSP)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Pages with case data must not linger in shared caches or the back button.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class AuditRefusalMiddleware:
    """Every refused function page leaves an audit row (FUNCTION_ACCESS_DENIED): a view that
    raises PermissionDenied (answered 403) or a policy refusal it marks as such while answering
    404 (an Http404 with ``audit_refusal = True``), for a logged-in user. Path without query
    string and the view's name, both bounded (audit.services.audit_refusal). Refused objects (a
    case or signal outside one's scope) are logged where they are refused, with the object."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        if isinstance(exception, PermissionDenied):
            status = 403
        elif isinstance(exception, Http404) and getattr(exception, "audit_refusal", False):
            status = 404
        else:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        from inbeeld.audit.services import audit_refusal

        match = getattr(request, "resolver_match", None)
        audit_refusal(
            actor=user,
            path=request.path,
            view_name=(match.view_name if match else "") or "",
            method=request.method or "",
            status=status,
        )
        return None  # Django answers with the Dutch 403/404 page as before


class RequestLogMiddleware:
    """One log line per request: method, path WITHOUT the query string (search words and filter
    values may name people), status, duration in milliseconds and, for a logged-in user, a keyed
    pseudonym of their id (the same user gives the same pseudonym, so one session can be followed
    without a name in the log; the audit log holds who did what). No IP address ever: the
    reporter on the anonymous signal form (/melden/) must not be traceable through a log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        if not request.path.startswith(UNLOGGED_PREFIXES):
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user": user_pseudonym(getattr(request, "user", None)),
                },
            )
        return response


def user_pseudonym(user) -> str | None:
    """A keyed pseudonym of a logged-in user's id for the request log; None when anonymous."""
    if user is None or not user.is_authenticated:
        return None
    return salted_hmac("inbeeld.request-log.user", str(user.pk)).hexdigest()[:16]


class ForwardedClientAddressMiddleware:
    """Behind the TLS proxy every connection comes from the proxy, so REMOTE_ADDR would be the
    same for everyone and the per-address limits (failed logins, the anonymous signal form)
    would count all users together. When the direct peer is a trusted proxy
    (INBEELD_TRUSTED_PROXIES), the client is the rightmost address in X-Forwarded-For that is
    not itself a trusted proxy: the one the proxy appended and the client cannot forge. Anything
    else leaves REMOTE_ADDR as it is."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = frozenset(settings.INBEELD_TRUSTED_PROXIES)

    def __call__(self, request):
        meta = request.META
        if self.trusted and meta.get("REMOTE_ADDR") in self.trusted:
            chain = [a.strip() for a in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            for address in reversed([a for a in chain if a]):
                if address in self.trusted:
                    continue
                try:
                    meta["REMOTE_ADDR"] = str(ipaddress.ip_address(address))
                except ValueError:
                    pass  # garbage in the header: keep the proxy's address
                break
        return self.get_response(request)


# --- sessions: background polls do not count as activity ----------------------------------------


# The session key of the time the session row was last written (epoch seconds).
SESSION_SAVED_KEY = "_inbeeld_saved_at"


class SessionMiddleware(_DjangoSessionMiddleware):
    """Django's session middleware (SESSION_SAVE_EVERY_REQUEST: every request the user makes
    extends the idle timeout) except for background polls (inbeeld.web.mark_background_poll): a tab left
    open on a job's page would otherwise keep the session alive for ever and write the session
    row every two seconds.

    And the row is written at most once per INBEELD_SESSION_REFRESH_SECONDS (60) when nothing in
    the session changed: a page view then costs no write and no commit of its own (issue 15
    item 5). The idle timeout can only come sooner by that: a session ends between 14 and 15
    minutes after the last request, never later than 15."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and not session.modified:
            if is_background_poll(request) or self._recently_saved(session):
                if session.accessed:
                    patch_vary_headers(response, ("Cookie",))
                return response
        if session is not None and not session.is_empty():
            session[SESSION_SAVED_KEY] = int(time.time())
        return super().process_response(request, response)

    @staticmethod
    def _recently_saved(session) -> bool:
        if session.is_empty():
            return False
        saved = session.get(SESSION_SAVED_KEY)
        age = time.time() - saved if isinstance(saved, int) else None
        return age is not None and 0 <= age < settings.INBEELD_SESSION_REFRESH_SECONDS

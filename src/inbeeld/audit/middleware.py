"""Request scope for read rows: see inbeeld.audit.reads (one audit row per user action)."""

from __future__ import annotations

from inbeeld.audit import reads

REDIRECTS = {301, 302, 303, 307, 308}


class AuditReadScopeMiddleware:
    """Collects the case reads of one request and writes the ones that still stand at its end.

    A request that wrote rows about cases and answers with a redirect passes those case codes
    to the next request of the same session (the landing page of post/redirect/get), whose
    reads of them are then covered by the write row."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        follow_up = session.pop(reads.FOLLOW_UP_SESSION_KEY, []) if session is not None else []
        token = reads.open_scope(follow_up=follow_up)
        response = None
        try:
            response = self.get_response(request)
        finally:
            scope = reads.close_scope(token)
        if (
            session is not None
            and scope is not None
            and scope.written
            and response.status_code in REDIRECTS
        ):
            session[reads.FOLLOW_UP_SESSION_KEY] = sorted(scope.written)
        return response

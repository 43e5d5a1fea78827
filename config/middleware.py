"""Request id and audit actor: every audited write names who made it and in which request."""

import re
import uuid
from contextvars import ContextVar

from auditlog.middleware import AuditlogMiddleware
from django.utils.functional import SimpleLazyObject

_request_id: ContextVar[str | None] = ContextVar("careguard_request_id", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str | None:
    return _request_id.get()


class RequestIdMiddleware:
    """Takes a sane X-Request-ID from the client (or a proxy) or makes one, and echoes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        request.request_id = request_id
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class AuditActorMiddleware(AuditlogMiddleware):
    """auditlog's middleware, with the actor resolved when the log row is written.

    API clients are authenticated by DRF inside the view, after middleware has run; DRF then sets
    the user on the underlying request, so resolving lazily catches bearer-key users too.
    """

    @staticmethod
    def _get_actor(request):
        def resolve():
            user = getattr(request, "user", None)
            return user if user is not None and user.is_authenticated else None

        return SimpleLazyObject(resolve)

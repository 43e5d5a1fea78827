"""Request id and audit actor: every audited write names who made it and in which request."""

import re
import uuid
from contextvars import ContextVar

from auditlog.middleware import AuditlogMiddleware
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from config.views import bad_request_with

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


class RejectNulMiddleware:
    """NUL characters are never valid input here, and PostgreSQL refuses them in text where
    SQLite stores them: answer 400 up front instead of a database error later."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            return bad_request_with(request, "nul_character", _("The request contains a NUL character."))
        return self.get_response(request)


def _has_nul(request) -> bool:
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query:
        return True
    if request.content_type == "multipart/form-data":
        return False  # files may hold any byte; their fields are checked where they are read
    try:
        body = request.body
    except Exception:  # unreadable or too large: the view refuses it in its own words
        return False
    return b"\x00" in body or (request.content_type == "application/json" and b"\\u0000" in body)

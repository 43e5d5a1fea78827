"""Domain errors and the one API error shape.

Services raise the exceptions below; views and the DRF handler turn any of them (and DRF's and
Django's own) into `{"code", "detail", "fields"?}` with the right status. Nothing a client sends
should reach a 500.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf
from rest_framework import status
from rest_framework.response import Response


class DomainError(Exception):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    default_detail = _("The request is invalid.")

    def __init__(self, detail=None, *, code: str | None = None, fields: dict | None = None):
        self.detail = detail if detail is not None else self.default_detail
        self.code = code or self.default_code
        self.fields = fields or {}
        super().__init__(str(self.detail))


class ValidationFailed(DomainError):
    pass


class NotAllowed(DomainError):
    """The caller can see the object but its role may not do this (403)."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"
    default_detail = _("Your role may not perform this action.")


class NotFound(DomainError):
    """Missing or outside the caller's scope; the two are deliberately indistinguishable."""

    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"
    default_detail = _("Not found.")


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = _("The action is not allowed in the record's current state.")


class PreconditionFailed(DomainError):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale_version"
    default_detail = _("The record was changed by someone else; reload it and try again.")


def _as_list(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            out.extend(_as_list(item))
        return out
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _as_list(v)]
    return [str(value)]


def _fields_from(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(name): _as_list(messages) for name, messages in detail.items()}
    return {}


def error_body(code: str, detail, fields: dict | None = None) -> dict:
    body = {"code": code, "detail": str(detail)}
    if fields:
        body["fields"] = {name: [str(m) for m in msgs] for name, msgs in fields.items()}
    return body


def _django_validation_fields(exc: DjangoValidationError) -> tuple[str, dict]:
    if hasattr(exc, "error_dict"):
        fields = {("non_field_errors" if k == "__all__" else k): [str(m) for m in v] for k, v in exc.message_dict.items()}
        first = next(iter(fields.values()))[0]
        return first, fields
    return "; ".join(exc.messages), {}


def api_exception_handler(exc, context):
    # Imported here: rest_framework.views imports the authentication classes, which import the
    # services that raise these errors.
    from rest_framework.views import exception_handler as drf_handler

    if isinstance(exc, DomainError):
        response = Response(error_body(exc.code, exc.detail, exc.fields), status=exc.status_code)
        return response
    if isinstance(exc, DjangoValidationError):
        detail, fields = _django_validation_fields(exc)
        return Response(error_body("invalid", detail, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()

    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf.ValidationError):
        fields = _fields_from(exc.detail)
        if fields:
            first_field, first_messages = next(iter(fields.items()))
            detail = first_messages[0] if first_field == "non_field_errors" else f"{first_field}: {first_messages[0]}"
        else:
            detail = "; ".join(_as_list(exc.detail))
            fields = {}
        response.data = error_body("invalid", detail, fields)
    else:
        code = exc.get_codes() if isinstance(exc, drf.APIException) else "error"
        if not isinstance(code, str):
            code = "error"
        detail = exc.detail if isinstance(exc, drf.APIException) else str(exc)
        response.data = error_body(code, detail if isinstance(detail, str) else "; ".join(_as_list(detail)))
    return response

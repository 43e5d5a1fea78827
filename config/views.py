"""Error pages: JSON in the API's error shape under /api/, friendly pages elsewhere."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from config.errors import error_body


def _error(request, status: int, code: str, detail: str):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code, detail), status=status)
    return render(request, "error.html", {"status": status, "detail": detail}, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, "bad_request", _("The request could not be understood."))


def bad_request_with(request, code: str, detail: str):
    return _error(request, 400, code, detail)


def permission_denied(request, exception=None):
    return _error(request, 403, "permission_denied", _("Your role may not open this page."))


def page_not_found(request, exception=None):
    return _error(request, 404, "not_found", _("Not found, or not within your jurisdiction."))


def server_error(request):
    return _error(request, 500, "server_error", _("Something went wrong on our side. The error has been logged."))

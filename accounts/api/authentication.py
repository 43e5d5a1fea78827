from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.services import user_for_api_key


class BearerKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>` for machine clients (see `manage.py issue_api_key`)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
        user = user_for_api_key(header[1])
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked API key."))
        return user, None

    def authenticate_header(self, request):
        return self.keyword


class BearerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.BearerKeyAuthentication"
    name = "bearerKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "API key issued by `manage.py issue_api_key`."}

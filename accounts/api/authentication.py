"""Personal API tokens: `Authorization: Bearer <key>`.

The key is looked up by its SHA-256 hash. A missing header leaves the request to the next
authenticator (the browser session); a malformed, unknown or revoked key is a 401.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.api.selectors import api_token_for_key
from accounts.api.services import api_token_touch
from accounts.models import ApiToken


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[object, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as 'Authorization: Bearer <key>'."))
        try:
            raw_key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This API token is not valid.")) from None
        now = timezone.now()
        token = api_token_for_key(raw_key, now=now)
        if token is None:
            raise exceptions.AuthenticationFailed(_("This API token is not valid: it was revoked or it expired."))
        api_token_touch(token=token, now=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _("A personal API token from your account page (Account → API tokens), sent as 'Bearer <key>'.")
            ),
        }

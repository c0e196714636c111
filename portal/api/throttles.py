"""Request limits per token (or signed-in person) and per client IP address.

Rates come from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` and are read on each request,
so that settings overrides take effect. The counters live in the shared cache; when it is
down the limits fail open (django-redis' `IGNORE_EXCEPTIONS`: no history, the request is
served, the outage is logged): they protect capacity, not a secret (docs/OPERATIONS.md).
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken
from core.client_address import client_address


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class IpRateThrottle(_SettingsRateThrottle):
    """Every request, signed in or not, counts against its client address."""

    scope = "ip"

    def get_ident(self, request) -> str:
        return client_address(request) or ""

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenRateThrottle(_SettingsRateThrottle):
    """Requests with a token count against the token; session requests against the person."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}

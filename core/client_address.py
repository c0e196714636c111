"""The client's address, the one way every limit reads it: the API throttles, the sign-in
lockout (django-axes) and the password-reset throttle.

DRF's own rule, so there is one setting for it, `REST_FRAMEWORK["NUM_PROXIES"]`
(`API_NUM_PROXIES`): with 0 the socket's address counts and a forged X-Forwarded-For is
ignored; with N, the address that the N-th proxy from the app appended to it."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_address(request: HttpRequest) -> str | None:
    """The client's address as the proxies in front of the app (NUM_PROXIES) saw it."""
    return BaseThrottle().get_ident(request) or None

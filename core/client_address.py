"""The client's address, the one way every limit reads it: the API throttles, the sign-in
lockout (django-axes) and the password-reset throttle.

DRF's own rule, so there is one setting for it, `REST_FRAMEWORK["NUM_PROXIES"]`
(`API_NUM_PROXIES`): with 0 the socket's address counts and a forged X-Forwarded-For is
ignored; with N, the address that the N-th proxy from the app appended to it.

`TRUSTED_PROXIES` (`API_TRUSTED_PROXIES`, addresses or networks) narrows that: when it is set,
X-Forwarded-For is read only from a request whose socket address is one of them, so a client
that reaches the app directly, around the proxy, is counted by its own address and cannot
rotate it with a forged header."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def _from_trusted_proxy(remote_addr: str) -> bool:
    networks = getattr(settings, "TRUSTED_PROXIES", ())
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The client's address as the proxies in front of the app (NUM_PROXIES) saw it."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    if not _from_trusted_proxy(remote_addr):
        return remote_addr or None
    return BaseThrottle().get_ident(request) or None

"""Rate limits on one key in the shared cache: per client address and per e-mail address
asked for (password resets, invitations). DRF's rate throttle, so the counting is a well-kept
library's; the e-mail address is hashed, so that no address is kept in the cache."""

from __future__ import annotations

import hashlib
import math

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import ngettext
from rest_framework.throttling import SimpleRateThrottle

from core.client_address import client_address


class KeyedRateThrottle(SimpleRateThrottle):
    def __init__(self, scope: str, ident: str, rate: str) -> None:
        self.scope, self.ident, self.rate = scope, ident, rate
        self.num_requests, self.duration = self.parse_rate(rate)

    def get_cache_key(self, request: HttpRequest, view: object) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def keyed_throttles(
    request: HttpRequest, email: str, *, scope: str, client_rate: str, email_rate: str
) -> list[KeyedRateThrottle]:
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return [
        KeyedRateThrottle(f"{scope}-client", client_address(request) or "", client_rate),
        KeyedRateThrottle(f"{scope}-email", address, email_rate),
    ]


def minutes_to_wait(request: HttpRequest, throttles: list[KeyedRateThrottle]) -> int | None:
    """Count one request against every throttle; None if all allow it, else the minutes
    until the strictest refusing one allows again."""
    refused = [throttle for throttle in throttles if not throttle.allow_request(request, None)]
    if not refused:
        return None
    return max(1, math.ceil(max(throttle.wait() or 0 for throttle in refused) / 60))


def try_again_in(minutes: int) -> str:
    """The second sentence of every "too many …" message."""
    return ngettext("Try again in %(minutes)s minute.", "Try again in %(minutes)s minutes.", minutes) % {
        "minutes": minutes
    }


def invitation_throttles(request: HttpRequest, email: str) -> list[KeyedRateThrottle]:
    """INVITATION_CLIENT_RATE per client address, INVITATION_EMAIL_RATE per invited address:
    an organisation admin's account cannot be used to mail anyone over and over."""
    return keyed_throttles(
        request,
        email,
        scope="invitation",
        client_rate=settings.INVITATION_CLIENT_RATE,
        email_rate=settings.INVITATION_EMAIL_RATE,
    )

"""The limits on invitations (`core.rate_limits` counts them)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from core.client_address import client_address
from core.rate_limits import RateLimit, client_and_email_limits


def invitation_limits(request: HttpRequest, email: str) -> list[RateLimit]:
    """INVITATION_CLIENT_RATE per client address, INVITATION_EMAIL_RATE per invited address:
    an organisation admin's account cannot be used to mail anyone over and over."""
    return client_and_email_limits(
        scope="invitation",
        client=client_address(request),
        email=email,
        client_rate=settings.INVITATION_CLIENT_RATE,
        email_rate=settings.INVITATION_EMAIL_RATE,
    )

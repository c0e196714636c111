"""The limits on invitations and password resets: per client address and per e-mail address
asked for (`core.rate_limits` counts them)."""

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


def password_reset_limits(request: HttpRequest, email: str) -> list[RateLimit]:
    """PASSWORD_RESET_CLIENT_RATE per client address, PASSWORD_RESET_EMAIL_RATE per address
    asked for: nobody's mailbox can be flooded with reset links."""
    return client_and_email_limits(
        scope="password-reset",
        client=client_address(request),
        email=email,
        client_rate=settings.PASSWORD_RESET_CLIENT_RATE,
        email_rate=settings.PASSWORD_RESET_EMAIL_RATE,
    )


def two_factor_link_limits(request: HttpRequest, email: str) -> list[RateLimit]:
    """The e-mailed link that lets a person set up a new app after `otp_reset` is a credential
    like a reset link, with the same limits: whoever has the password cannot flood the mailbox."""
    return client_and_email_limits(
        scope="two-factor-link",
        client=client_address(request),
        email=email,
        client_rate=settings.PASSWORD_RESET_CLIENT_RATE,
        email_rate=settings.PASSWORD_RESET_EMAIL_RATE,
    )

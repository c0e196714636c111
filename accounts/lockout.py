"""Guessing passwords on the sign-in pages (the site's and the admin's), and the page a
refused sign-in gets; django-axes does the counting (one AccessAttempt row per account and
client address, an AccessFailureLog row per failure), this module the rule:

- an account *from one address* is locked after AXES_FAILURE_LIMIT failures, for
  AXES_COOLOFF_TIME: someone who fails from elsewhere never locks its owner out;
- an address alone is locked after SIGN_IN_ADDRESS_FAILURE_LIMIT failures (any accounts):
  one address cannot try many accounts;
- an account is slowed down, never locked, after SIGN_IN_ACCOUNT_SLOWDOWN_AFTER failures from
  any addresses: each further attempt waits 1, 2, 4 … seconds (at most
  SIGN_IN_ACCOUNT_SLOWDOWN_MAX_SECONDS) after the account's latest failure, so guessing from
  many addresses is slow while its owner waits seconds, not a quarter of an hour, and not at
  all from an address the account signed in from before (django-axes' AccessLog);
- an attempt refused by a lock or a slow-down is not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
  off), a successful sign-in forgets its address's failures for the account, and so does a
  password reset (all of them). Staff lift a lock by deleting its row in the admin (Axes ›
  Access attempts).
"""

from __future__ import annotations

import datetime as dt
import math

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessLog
from axes.utils import reset
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def account_wait(username: str | None, *, now: dt.datetime, since: dt.datetime) -> dt.timedelta | None:
    """How long a new attempt for the account must still wait, or None (pure of the request)."""
    if not username:
        return None
    recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        failures=Sum("failures_since_start"), latest=Max("attempt_time")
    )
    excess = (recent["failures"] or 0) - settings.SIGN_IN_ACCOUNT_SLOWDOWN_AFTER
    if excess < 0:
        return None
    delay = dt.timedelta(seconds=min(2**excess, settings.SIGN_IN_ACCOUNT_SLOWDOWN_MAX_SECONDS))
    remaining = recent["latest"] + delay - now
    return remaining if remaining > dt.timedelta(0) else None


def _signed_in_from_here_before(username: str | None, address: str | None) -> bool:
    """The account signed in successfully from this address before (django-axes' AccessLog)."""
    return bool(username and address) and AccessLog.objects.filter(username=username, ip_address=address).exists()


class PortalLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with the address limit and the account slow-down."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):  # the (account, address) pair
            return True
        since = get_cool_off_threshold(request)
        address_failures = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=since
        ).aggregate(total=Sum("failures_since_start"))["total"]
        if (address_failures or 0) >= settings.SIGN_IN_ADDRESS_FAILURE_LIMIT:
            return True
        username = get_client_username(request, credentials)
        if _signed_in_from_here_before(username, request.axes_ip_address):
            return False  # its owner's usual address is never slowed down by others' failures
        wait = account_wait(username, now=timezone.now(), since=since)
        if wait is not None:
            request.portal_sign_in_wait = wait
            return True
        return False


def forget_failures(username: str) -> None:
    """After a password reset: the account's failures from every address are forgotten."""
    reset(username=username)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    cool_off = getattr(request, "portal_sign_in_wait", None) or get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)

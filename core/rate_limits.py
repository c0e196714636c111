"""How often one client, or one e-mail address, may ask for something that mails or pages
people: password resets, invitations, the public escalation form. One way to count them.

Each limit is a fixed window in the shared cache, counted with `add` and `incr`, which the
cache does atomically (Redis' INCR): a burst of concurrent requests cannot slip past the
count, as it can past a history that is read and written back (DRF's throttles, which the API
keeps: they protect capacity there, and fail open, `portal.api.throttles`).

These limits guard security paths, so they fail closed: they count in the "limits" cache
alias, which raises while the cache is down (the default alias ignores an outage), so
`minutes_to_wait` raises `CacheUnavailable` and the view refuses with a clear message instead
of mailing without a limit.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import caches
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The periods a rate may be given in ("5/hour", "20/d"), as Django REST framework spells them.
PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class CacheUnavailable(Exception):
    """The shared cache that counts is down: a limited request is refused."""


@dataclass(frozen=True)
class RateLimit:
    scope: str  # what is counted, e.g. "password-reset-email"
    ident: str  # whose count: a client address, or an e-mail address's hash
    count: int  # at most this many requests …
    seconds: int  # … per window of this length

    @classmethod
    def parse(cls, scope: str, ident: str, rate: str) -> RateLimit:
        """A limit from a rate as the settings give it: "5/hour", "3/m", "100/day"."""
        count, _slash, period = rate.partition("/")
        try:
            return cls(scope, ident, int(count), PERIOD_SECONDS[period.strip()[:1]])
        except (ValueError, KeyError):
            raise ValueError(f"{rate!r} is not a rate like '5/hour' (periods: s, m, h, d)") from None


def email_ident(email: str) -> str:
    """An e-mail address as a count's key: normalised and hashed, so that no address is kept
    in the cache."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def client_and_email_limits(
    *, scope: str, client: str | None, email: str, client_rate: str, email_rate: str
) -> list[RateLimit]:
    """The usual pair: per client address (`core.client_address`) and per e-mail address asked
    for. A request whose address is unknown counts against the e-mail address only."""
    limits = [RateLimit.parse(f"{scope}-email", email_ident(email), email_rate)]
    if client:
        limits.append(RateLimit.parse(f"{scope}-client", client, client_rate))
    return limits


def _count(key: str, timeout: int) -> int:
    cache = caches["limits"]
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def minutes_to_wait(limits: Sequence[RateLimit], *, now: float | None = None) -> int | None:
    """Count one request against every limit: None if all allow it, else the minutes until
    the window of the strictest refusing one ends. Raises `CacheUnavailable` while the cache
    is down (fail closed)."""
    now = time.time() if now is None else now
    waits = []
    for limit in limits:
        window_start = int(now // limit.seconds) * limit.seconds
        key = f"rate:{limit.scope}:{limit.ident}:{window_start}"
        try:
            count = _count(key, limit.seconds)
        except Exception as exc:  # each backend raises its own kinds (redis, OSError, ...)
            raise CacheUnavailable(str(exc)) from exc
        if count > limit.count:
            waits.append(window_start + limit.seconds - now)
    if not waits:
        return None
    return max(1, math.ceil(max(waits) / 60))


def try_again_in(minutes: int) -> str:
    """The second sentence of every "too many …" message."""
    return ngettext("Try again in %(minutes)s minute.", "Try again in %(minutes)s minutes.", minutes) % {
        "minutes": minutes
    }


def cannot_count_now() -> str:
    """The message of a limited form while the cache that counts is down."""
    return _("This cannot be done right now. Please try again in a few minutes.")

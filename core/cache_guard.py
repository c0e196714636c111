"""Calls to the shared cache (CACHE_URL) that survive its outage.

The cache holds nothing that the database does not also have (sessions) or that cannot be
lost for a while (rate-limit counters), so a cache that is down must not take the site down
(docs/OPERATIONS.md). After a failed call this process leaves the cache alone for
`CACHE_RETRY_SECONDS`, so that each request does not wait for the socket timeout again, and
it logs the outage once a minute, not once a call.

- `cache_call_or(default, method, *args)`: fail soft, for callers that can do without
  (sessions read the database, API throttles let the request through).
- `cache_call(method, *args)`: fail closed, raising `CacheUnavailable`, for limits that
  guard a security path (they refuse the request with a clear message).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

LOG_EVERY_SECONDS = 60.0

_state = {"paused_until": 0.0, "logged_at": float("-inf"), "failures": 0}


class CacheUnavailable(Exception):
    """The shared cache is down (or was, moments ago, and is being left alone)."""


def cache_guard_reset() -> None:
    """Forget an outage (tests)."""
    _state.update(paused_until=0.0, logged_at=float("-inf"), failures=0)


def cache_call(method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    now = time.monotonic()
    if now < _state["paused_until"]:
        _state["failures"] += 1
        raise CacheUnavailable("the cache failed moments ago")
    try:
        result = method(*args, **kwargs)
    except Exception as exc:  # each backend raises its own kinds (redis, OSError, ...)
        _state["failures"] += 1
        _state["paused_until"] = now + float(settings.CACHE_RETRY_SECONDS)
        if now - _state["logged_at"] >= LOG_EVERY_SECONDS:
            _state["logged_at"] = now
            logger.warning(
                "cache unavailable (%s: %s); %d call(s) done without it; retrying in %s s",
                exc.__class__.__name__,
                str(exc)[:200],
                _state["failures"],
                settings.CACHE_RETRY_SECONDS,
            )
        raise CacheUnavailable(str(exc)) from exc
    if _state["failures"]:
        logger.warning("cache is back after %d call(s) done without it", _state["failures"])
        cache_guard_reset()
    return result


def cache_call_or(default: T, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return cache_call(method, *args, **kwargs)
    except CacheUnavailable:
        return default

"""Enqueueing a Celery task from a request without waiting on a broker that is down.

Everything a request enqueues can wait: the outbox's rows are in the database and
`notify.resend` enqueues them again, a password-reset e-mail can be asked for again. So a
request gives the broker one attempt (`CELERY_TASK_PUBLISH_RETRY` is off), which costs at
most the broker's socket timeout when the broker stalls; after a failure this process does
not try again for `BROKER_RETRY_SECONDS`, so the requests that follow do not wait for that
timeout each (docs/OPERATIONS.md). The failure is logged once per pause.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)

_state = {"paused_until": 0.0}


def broker_guard_reset() -> None:
    """Forget an outage (tests)."""
    _state["paused_until"] = 0.0


def enqueue(send: Callable[[], object], *, what: str) -> bool:
    """Call `send` (a task's `delay` or `apply_async`) unless the broker failed moments ago.
    True when it was enqueued; False when it was not, logged as `what`."""
    if time.monotonic() < _state["paused_until"]:
        logger.info("broker: %s not enqueued (the broker failed moments ago)", what)
        return False
    try:
        send()
    except Exception as exc:
        _state["paused_until"] = time.monotonic() + settings.BROKER_RETRY_SECONDS
        logger.warning(
            "broker: %s not enqueued (%s: %s); not trying again for %s s",
            what,
            exc.__class__.__name__,
            str(exc)[:200],
            settings.BROKER_RETRY_SECONDS,
        )
        return False
    return True

"""Readiness checks: each returns None when fine, else a short reason.

`/readyz` asks one question, whether this web node can serve (its database answers): a load
balancer takes a node out on it, so nothing else may fail it. A broker outage does not stop
the site (submissions are stored and their messages wait in the outbox), so the broker, the
scheduler (beat), the workers, the escalation watcher and the outbox are reported apart, by
`/readyz/workers` and `manage.py watcher_status`, for monitoring.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from accounts.two_factor import is_verified
from core.client_address import client_address
from incidents.models import Incident
from notify.models import Delivery, DeliveryStatus
from portal.models import SchedulerHeartbeat, WorkerHeartbeat

logger = logging.getLogger(__name__)

# A worker is alive if it ran the heartbeat task (every 30 s) this recently.
HEARTBEAT_WITHIN = dt.timedelta(seconds=120)
# Beat is stopped if it has not ticked this long (it records a tick every 5 s: portal/beat.py).
SCHEDULER_WITHIN = dt.timedelta(seconds=30)
# The watcher is behind if an incident's check is overdue by more than this.
WATCHER_LAG_LIMIT = dt.timedelta(seconds=60)
# The outbox is behind if a message due this long ago is still waiting.
OUTBOX_LAG_LIMIT = dt.timedelta(seconds=120)


def database_check(connection) -> str | None:
    try:
        # Raw SQL on purpose: a round trip that reads no table, which no ORM query is.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"database unreachable: {exc.__class__.__name__}: {str(exc)[:200]}"
    return None


def broker_check(timeout: float = 2.0) -> str | None:
    """Open a connection to the Celery broker the worker uses, with a short timeout."""
    from portal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout, interval_start=0, interval_step=0)
            # A channel too: kombu's Redis channel pings the server when it opens.
            conn.default_channel  # noqa: B018
            if settings.CELERY_BROKER_URL.startswith("filesystem://"):
                from pathlib import Path

                folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
                if not folder.is_dir():
                    return f"broker folder {folder} is missing"
    except Exception as exc:
        return f"broker unreachable: {exc.__class__.__name__}: {str(exc)[:200]}"
    return None


def scheduler_check(now: dt.datetime) -> tuple[str | None, dt.datetime | None]:
    """Beat's own heartbeat (`portal/beat.py`): (problem or None, when beat last ticked)."""
    seen_at = SchedulerHeartbeat.objects.values_list("seen_at", flat=True).first()
    if seen_at is None:
        return "the scheduler (celery beat) has not reported yet", None
    if now - seen_at > SCHEDULER_WITHIN:
        return f"the scheduler stopped: no beat for {int((now - seen_at).total_seconds())} s", seen_at
    return None, seen_at


def workers_check(now: dt.datetime, *, scheduled_until: dt.datetime | None = None) -> str | None:
    """A worker ran the heartbeat task recently. Beat schedules that task, so while beat is
    stopped the workers are judged at the last instant beat ticked (`scheduled_until`): a
    stopped beat is reported as the scheduler, not as the workers."""
    if scheduled_until is not None:
        now = min(now, scheduled_until)
    newest = WorkerHeartbeat.objects.order_by("-seen_at").first()
    if newest is None:
        return "no worker has reported yet"
    if now - newest.seen_at > HEARTBEAT_WITHIN:
        return f"no worker heartbeat for {int((now - newest.seen_at).total_seconds())} s"
    return None


def watcher_check(now: dt.datetime, *, limit: dt.timedelta = WATCHER_LAG_LIMIT) -> str | None:
    """The sweep keeps up: no incident's next check is overdue by more than `limit` (the
    partial index on next_check_at answers this in one row)."""
    oldest = (
        Incident.objects.filter(next_check_at__lte=now - limit)
        .order_by("next_check_at")
        .values_list("next_check_at", flat=True)
        .first()
    )
    if oldest is not None:
        return f"escalation checks overdue by {int((now - oldest).total_seconds())} s"
    return None


def outbox_check(now: dt.datetime) -> str | None:
    oldest = (
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - OUTBOX_LAG_LIMIT)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if oldest is not None:
        return f"messages waiting for {int((now - oldest).total_seconds())} s"
    return None


def workers_report(now: dt.datetime) -> dict[str, str | None]:
    """The background side: database, broker, scheduler, workers, watcher, outbox (None:
    fine). Whatever is down, this answers: a database that fails is reported as the
    database, and the checks that read it as not known."""
    database = database_check(connection)
    if database is not None:
        unknown = "not known: the database is unreachable"
        return {
            "database": database,
            "broker": broker_check(),
            "scheduler": unknown,
            "workers": unknown,
            "watcher": unknown,
            "outbox": unknown,
        }
    scheduler, beat_at = scheduler_check(now)
    return {
        "database": None,
        "broker": broker_check(),
        "scheduler": scheduler,
        "workers": workers_check(now, scheduled_until=beat_at + SCHEDULER_WITHIN if scheduler and beat_at else None),
        "watcher": watcher_check(now),
        "outbox": outbox_check(now),
    }


def may_see_details(request: HttpRequest) -> bool:
    """What failed and why (host names, error texts) is for staff who passed their second
    factor, or for a monitor that sends `Authorization: Bearer <READINESS_TOKEN>` (compared
    in constant time); anyone else, from any address, reads only the status. A wrong token
    is logged with the client's address (`core.client_address`)."""
    token = settings.READINESS_TOKEN
    sent = request.headers.get("Authorization", "")
    if sent:
        if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return True
        logger.warning("readiness: a wrong token from %s", client_address(request))
    try:
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated and user.is_staff and is_verified(request))
    except Exception:  # the database (sessions, users) is down: no one is known
        return False

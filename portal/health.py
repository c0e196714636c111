"""Readiness checks: each returns None when fine, else a short reason.

`/readyz` asks one question, whether this web node can serve (its database answers): a load
balancer takes a node out on it, so nothing else may fail it. A broker outage does not stop
the site (submissions are stored and their messages wait in the outbox), so the broker, the
workers, the escalation watcher and the outbox are reported apart, by `/readyz/workers` and
`manage.py watcher_status`, for monitoring.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from django.conf import settings
from django.http import HttpRequest

from incidents.models import Incident
from notify.models import Delivery, DeliveryStatus
from portal.models import WorkerHeartbeat

# A worker is alive if it ran the heartbeat task (every 30 s) this recently.
HEARTBEAT_WITHIN = dt.timedelta(seconds=120)
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


def workers_check(now: dt.datetime) -> str | None:
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
    """The background side: broker, workers, watcher, outbox (None: fine)."""
    return {
        "broker": broker_check(),
        "workers": workers_check(now),
        "watcher": watcher_check(now),
        "outbox": outbox_check(now),
    }


def may_see_details(request: HttpRequest) -> bool:
    """What failed and why (host names, error texts) is for staff, or for a probe on the
    machine itself; anyone else reads only the status."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated and request.user.is_staff:
        return True
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False

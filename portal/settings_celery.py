"""Celery's settings, read from the environment: broker, queues by urgency, beat's schedule.

`portal/settings.py` takes them in (`vars().update(celery_settings(...))`); they live apart
only to keep that module short. Every variable is in `.env.example`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def celery_settings(
    *,
    read_int: Callable[[str, int], int],
    fail: Callable[[str, str], None],
    testing: bool,
    var_dir: Path,
    sweep_seconds: int,
    resend_seconds: int,
    inbound_seconds: int = 30,
) -> dict[str, Any]:
    # The filesystem transport under var/ unless CELERY_BROKER_URL says otherwise.
    broker_url = os.environ.get("CELERY_BROKER_URL", "filesystem://")
    if "://" not in broker_url:
        fail("CELERY_BROKER_URL", f"is not a broker URL, got {broker_url!r}")
    # Tests get a broker folder and queue of their own, so that parallel runs never share one.
    broker_dir = Path(
        os.environ.get("PORTAL_BROKER_DIR") or (var_dir / (f"broker-test-{os.getpid()}" if testing else "broker"))
    )
    default_queue = os.environ.get("CELERY_TASK_DEFAULT_QUEUE") or (
        f"portal-test-{os.getpid()}" if testing else "portal"
    )
    # Queues by urgency (docs/OPERATIONS.md), named after the default queue: a busy outbox or
    # a bulk job never delays the escalation sweep. A worker consumes WORKER_QUEUES
    # (the sweep's first); the default queue keeps the heartbeat and anything unrouted.
    queue = {kind: f"{default_queue}.{kind}" for kind in ("sweep", "deliveries", "bulk")}
    if broker_url.startswith("filesystem://"):
        for sub in ("in", "processed", "control"):
            (broker_dir / sub).mkdir(parents=True, exist_ok=True)
        transport_options: dict[str, Any] = {
            "data_folder_in": str(broker_dir / "in"),
            "data_folder_out": str(broker_dir / "in"),
            "processed_folder": str(broker_dir / "processed"),
            "control_folder": str(broker_dir / "control"),
            "store_processed": False,
        }
    else:
        transport_options = {
            "visibility_timeout": 3600,
            # Outages: above the worker's 1 s BRPOP wait, short enough that a publish fails fast.
            "socket_connect_timeout": read_int("BROKER_CONNECT_TIMEOUT_SECONDS", 2),
            "socket_timeout": read_int("BROKER_SOCKET_TIMEOUT_SECONDS", 5),
        }
    return {
        "CELERY_BROKER_URL": broker_url,
        "BROKER_DIR": broker_dir,
        "CELERY_BROKER_TRANSPORT_OPTIONS": transport_options,
        "CELERY_TASK_DEFAULT_QUEUE": default_queue,
        "CELERY_TASK_ROUTES": {
            "escalation.sweep": {"queue": queue["sweep"]},
            "notify.deliver": {"queue": queue["deliveries"]},
            "notify.resend": {"queue": queue["deliveries"]},
            "escalation.policy_refresh": {"queue": queue["bulk"]},
            "incidents.inbound_poll": {"queue": queue["bulk"]},
            "notices.run": {"queue": queue["bulk"]},
        },
        "WORKER_QUEUES": [queue["sweep"], queue["deliveries"], default_queue, queue["bulk"]],
        "CELERY_RESULT_BACKEND": None,
        "CELERY_TASK_IGNORE_RESULT": True,
        # One attempt to publish: a request does not wait on a broker that stalls (whatever
        # it enqueues can wait for the re-send; core/broker_guard.py).
        "CELERY_TASK_PUBLISH_RETRY": False,
        "CELERY_TASK_ACKS_LATE": True,
        "CELERY_TASK_REJECT_ON_WORKER_LOST": True,
        "CELERY_WORKER_PREFETCH_MULTIPLIER": 1,
        "CELERY_TASK_SOFT_TIME_LIMIT": 60,
        "CELERY_TASK_TIME_LIMIT": 90,
        "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP": True,
        "CELERY_TIMEZONE": "UTC",
        # django-celery-beat's DatabaseScheduler, which also records beat's own heartbeat.
        "CELERY_BEAT_SCHEDULER": "portal.beat:HeartbeatScheduler",
        # Each tick expires before the next one, so that beat does not replay the ticks an
        # outage held up. django-celery-beat's DatabaseScheduler keeps `expire_seconds` and
        # silently drops `expires` (tests/portal/test_beat_schedule.py).
        "CELERY_BEAT_SCHEDULE": {
            "worker-heartbeat": {
                "task": "portal.worker_heartbeat",
                "schedule": 30.0,
                "options": {"expire_seconds": 25},
            },
            "escalation-sweep": {
                "task": "escalation.sweep",
                "schedule": float(sweep_seconds),
                "options": {"expire_seconds": max(1, sweep_seconds - 1)},
            },
            # Customer notices: daily would do (a missed day is sent late); hourly, so a beat
            # outage at the hour costs an hour, not a day. Each notice is sent once however often it runs.
            "customer-notices": {
                "task": "notices.run",
                "schedule": 3600.0,
                "options": {"expire_seconds": 3500},
            },
            "notify-resend": {
                "task": "notify.resend",
                "schedule": float(resend_seconds),
                "options": {"expire_seconds": max(1, resend_seconds - 1)},
            },
            # Answers by e-mail (a no-op while INBOUND_IMAP_URL is unset).
            "incidents-inbound-poll": {
                "task": "incidents.inbound_poll",
                "schedule": float(inbound_seconds),
                "options": {"expire_seconds": max(1, inbound_seconds - 1)},
            },
        },
    }

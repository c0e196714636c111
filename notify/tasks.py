"""Celery tasks of the outbox: thin wrappers that take ids and call one service."""

from __future__ import annotations

from functools import partial

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.broker_guard import enqueue
from notify import sending


@shared_task(name="notify.deliver", ignore_result=True, acks_late=True, soft_time_limit=120, time_limit=150)
def deliver(delivery_ids: list[int]) -> int:
    """Send a batch of deliveries. Idempotent: a redelivered message finds its rows sent
    or claimed and sends nothing; failures are retried by `notify.resend`."""
    return len(sending.deliveries_send(ids=delivery_ids, now=timezone.now()).sent)


@shared_task(name="notify.resend", ignore_result=True, soft_time_limit=50, time_limit=60)
def resend() -> int:
    """Beat runs this every NOTIFY_RESEND_SECONDS (with `expires`): deliveries whose task
    was lost, whose worker died or whose backoff is over are enqueued again."""
    ids = sending.deliveries_due(now=timezone.now())
    deliveries_enqueue(ids)
    return len(ids)


def deliveries_enqueue(ids: list[int]) -> None:
    """Enqueue `notify.deliver`, one task per NOTIFY_BATCH deliveries (one claim, one SMTP
    connection and one HTTP session each). A broker that is down leaves them to the re-send."""
    size = max(1, settings.NOTIFY_BATCH)
    for start in range(0, len(ids), size):
        chunk = list(ids[start : start + size])
        if not enqueue(partial(deliver.delay, chunk), what=f"deliveries {chunk} (left for the re-send)"):
            return  # the rest waits for the re-send too: the broker is down

"""Celery tasks of the deadline watcher: thin wrappers that load by id and call one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from escalation import delivery, watcher, webhooks


@shared_task(name="escalation.sweep", ignore_result=True, soft_time_limit=50, time_limit=60)
def sweep() -> int:
    """Beat runs this every ESCALATION_SWEEP_SECONDS (with `expires`, so a backlog of
    ticks is dropped rather than replayed). Safe to run on several workers at once.

    A full batch means more may be due: another sweep is enqueued at once, so a burst of
    due incidents is worked off by every free worker instead of one batch per tick."""
    result = watcher.escalation_sweep(now=timezone.now(), on_full_batch=_sweep_again)
    return result.fired


def _sweep_again() -> None:
    sweep.apply_async(expires=max(1, settings.ESCALATION_SWEEP_SECONDS))


@shared_task(
    name="escalation.deliver_events",
    bind=True,
    ignore_result=True,
    acks_late=True,
    max_retries=8,
    soft_time_limit=50,
    time_limit=60,
)
def deliver_events(self, event_ids: list[int]) -> None:
    """Deliver a batch of events (the sweep enqueues one per `ESCALATION_DELIVERY_BATCH`
    events it fired); the ones whose email failed are retried with backoff."""
    result = delivery.escalation_events_deliver(event_ids=event_ids, now=timezone.now())
    if result.failed:
        exc = delivery.DeliveryFailed(result.error)
        raise self.retry(args=(result.failed,), exc=exc, countdown=webhooks.backoff_seconds(self.request.retries + 1))


@shared_task(
    name="escalation.deliver_event",
    bind=True,
    ignore_result=True,
    acks_late=True,
    max_retries=8,
    soft_time_limit=50,
    time_limit=60,
)
def deliver_event(self, event_id: int) -> None:
    """One event (messages queued before batches existed are still understood)."""
    try:
        delivery.escalation_event_deliver(event_id=event_id, now=timezone.now())
    except delivery.DeliveryFailed as exc:
        raise self.retry(exc=exc, countdown=webhooks.backoff_seconds(self.request.retries + 1)) from exc


@shared_task(
    name="escalation.deliver_webhook",
    bind=True,
    ignore_result=True,
    acks_late=True,
    max_retries=None,
    soft_time_limit=50,
    time_limit=60,
)
def deliver_webhook(self, delivery_id: int) -> None:
    try:
        webhooks.webhook_deliver(delivery_id=delivery_id, now=timezone.now())
    except webhooks.WebhookRetry as exc:
        raise self.retry(exc=exc, countdown=exc.countdown) from exc


@shared_task(name="escalation.resend", ignore_result=True, soft_time_limit=50, time_limit=60)
def resend() -> None:
    """Beat runs this every ESCALATION_RESEND_SECONDS: events and webhook deliveries that a
    crash left undelivered are enqueued again (the deliveries themselves are idempotent)."""
    delivery.escalation_outbox_resend(now=timezone.now())


@shared_task(name="escalation.policy_refresh", ignore_result=True, soft_time_limit=300, time_limit=360)
def policy_refresh(policy_id: int) -> None:
    watcher.policy_incidents_refresh(policy_id=policy_id, now=timezone.now())

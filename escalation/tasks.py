"""Celery tasks of the deadline watcher: thin wrappers that load by id and call one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from escalation import watcher


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


@shared_task(name="escalation.policy_refresh", ignore_result=True, soft_time_limit=300, time_limit=360)
def policy_refresh(policy_id: int) -> None:
    watcher.policy_incidents_refresh(policy_id=policy_id, now=timezone.now())

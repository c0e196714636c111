"""Celery beat's own heartbeat: django-celery-beat's scheduler, which also records in the
database, every few seconds, that beat is ticking (`portal.models.SchedulerHeartbeat`).

The workers' heartbeat is a task that beat schedules, so it cannot tell a stopped beat from
stopped workers; this one is written by the beat process itself (`portal.health`)."""

from __future__ import annotations

import logging
import time

from django.db import connection
from django.utils import timezone
from django_celery_beat.schedulers import DatabaseScheduler

from portal.models import SchedulerHeartbeat

logger = logging.getLogger(__name__)

# How often beat records that it is ticking (portal.health judges it stopped after 30 s).
BEAT_HEARTBEAT_SECONDS = 5.0


def scheduler_heartbeat_record() -> None:
    """Record that beat is ticking; a database that does not answer is logged, never fatal."""
    try:
        SchedulerHeartbeat.objects.update_or_create(pk=1, defaults={"seen_at": timezone.now()})
    except Exception:
        logger.exception("beat: could not record its heartbeat")
        if not connection.in_atomic_block:
            connection.close()  # the next tick opens a new one


class HeartbeatScheduler(DatabaseScheduler):
    """`celery beat --scheduler portal.beat:HeartbeatScheduler` (the settings' default)."""

    _heartbeat_at = 0.0

    def tick(self, *args, **kwargs) -> float:
        now = time.monotonic()
        if now - self._heartbeat_at >= BEAT_HEARTBEAT_SECONDS:
            self._heartbeat_at = now
            scheduler_heartbeat_record()
        return min(super().tick(*args, **kwargs), BEAT_HEARTBEAT_SECONDS)

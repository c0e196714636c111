from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from portal.models import WorkerHeartbeat


@shared_task(name="portal.worker_heartbeat", bind=True, ignore_result=True, soft_time_limit=10, time_limit=20)
def worker_heartbeat(self) -> None:
    """Record that a worker is consuming from the broker (idempotent upsert)."""
    WorkerHeartbeat.objects.update_or_create(
        worker=self.request.hostname or "unknown", defaults={"seen_at": timezone.now()}
    )

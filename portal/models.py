"""The project shell's own table: the workers' heartbeats that /readyz reports."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran the heartbeat task (shown by /readyz)."""

    worker = models.CharField(max_length=200, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class SchedulerHeartbeat(models.Model):
    """The last time Celery beat ticked (one row, written by beat itself: `portal/beat.py`).
    Beat schedules the sweep, the re-send and the workers' heartbeat: when it stops, nothing
    is scheduled, and /readyz/workers says so rather than blaming the workers."""

    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"beat at {self.seen_at:%Y-%m-%d %H:%M:%S}"

"""The project shell's own tables: the workers' heartbeats that /readyz reports, and the
outages of the background side that the admin's banner shows (portal/watch_alarm.py)."""

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


class WatchOutage(models.Model):
    """An outage of the background side as a web process noticed it on a staff request.

    At most one is open (the partial unique constraint): the process whose insert wins is
    the one that tells the support leads, once (`leads_told_at`, set by compare-and-set)."""

    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    is_open = models.BooleanField(default=True)
    problems = models.TextField(blank=True)
    leads_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["is_open"], condition=models.Q(is_open=True), name="one_open_watch_outage")
        ]

    def __str__(self) -> str:
        return f"outage since {self.started_at:%Y-%m-%d %H:%M:%S}"

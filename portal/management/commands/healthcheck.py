"""Container health checks for the worker and beat processes.

`healthcheck --heartbeat-within 120` exits 0 when some worker ran the heartbeat task
(scheduled by beat every 30 s) in the last 120 s: that proves beat schedules, the broker
carries and a worker consumes. `--worker NAME` narrows it to one worker's heartbeat.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.models import WorkerHeartbeat


class Command(BaseCommand):
    help = "Exit 0 when a worker heartbeat is fresh, 1 otherwise."

    def add_arguments(self, parser):
        parser.add_argument("--heartbeat-within", type=int, default=120, help="Seconds (default 120).")
        parser.add_argument("--worker", default="", help="Only this worker's heartbeat (e.g. celery@host).")

    def handle(self, *args, heartbeat_within: int, worker: str, **options):
        beats = WorkerHeartbeat.objects.all()
        if worker:
            beats = beats.filter(worker=worker)
        newest = beats.order_by("-seen_at").first()
        cutoff = timezone.now() - dt.timedelta(seconds=heartbeat_within)
        if newest is None or newest.seen_at < cutoff:
            seen = newest.seen_at.isoformat() if newest else "never"
            raise CommandError(f"no worker heartbeat within {heartbeat_within} s (last: {seen})")
        self.stdout.write(f"ok: {newest.worker} at {newest.seen_at.isoformat()}")

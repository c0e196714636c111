"""The background side at a glance: `manage.py watcher_status` (exit 1 when something fails).

The same checks as `/readyz/workers`: the database and the broker answer, beat ticked in the
last 30 seconds ("the scheduler stopped" otherwise), a worker ran its heartbeat in the last
two minutes, no incident's escalation check is overdue by more than a minute, no message has
waited in the outbox for more than two minutes.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.health import workers_report
from portal.models import WorkerHeartbeat


class Command(BaseCommand):
    help = "Report the database, broker, scheduler, workers, watcher and outbox; exit 1 if one fails."

    def handle(self, *args, **options):
        report = workers_report(timezone.now())
        for name, problem in report.items():
            self.stdout.write(f"{name:9} {'ok' if problem is None else problem}")
        if report["database"] is None:
            for beat in WorkerHeartbeat.objects.order_by("-seen_at")[:20]:
                self.stdout.write(f"  worker {beat.worker} last seen {beat.seen_at.isoformat()}")
        failed = [name for name, problem in report.items() if problem is not None]
        if failed:
            raise CommandError(f"failing: {', '.join(failed)}")

"""The background side at a glance: `manage.py watcher_status` (exit 1 when something fails).

The same checks as `/readyz/workers`: the broker answers, a worker ran its heartbeat in the
last two minutes, no incident's escalation check is overdue by more than a minute, no message
has waited in the outbox for more than two minutes.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.health import workers_report
from portal.models import WorkerHeartbeat


class Command(BaseCommand):
    help = "Report the broker, the workers, the escalation watcher and the outbox; exit 1 if one fails."

    def handle(self, *args, **options):
        report = workers_report(timezone.now())
        for name, problem in report.items():
            self.stdout.write(f"{name:8} {'ok' if problem is None else problem}")
        for beat in WorkerHeartbeat.objects.order_by("-seen_at")[:20]:
            self.stdout.write(f"  worker {beat.worker} last seen {beat.seen_at.isoformat()}")
        failed = [name for name, problem in report.items() if problem is not None]
        if failed:
            raise CommandError(f"failing: {', '.join(failed)}")

"""Load Microsoft's Dynamics lifecycle facts (lifecycle/data/dynamics_lifecycle.json by default).

Idempotent: rows are matched by their id; unchanged rows are not written again. A file that
cannot be used stops the command with a message naming the problem and exit status 2.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lifecycle.services import DATA_FILE, LifecycleDataError, dynamics_lifecycle_import, dynamics_lifecycle_read


class Command(BaseCommand):
    help = "Import Microsoft's Dynamics lifecycle data (products, versions, dates and their sources)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DATA_FILE, help=f"JSON data file (default: {DATA_FILE})")

    def handle(self, *args, file: Path, **options):
        try:
            rows = dynamics_lifecycle_read(file)
        except LifecycleDataError as exc:
            raise CommandError(str(exc), returncode=2) from None
        result = dynamics_lifecycle_import(rows=rows, now=timezone.now())
        self.stdout.write(
            self.style.SUCCESS(
                f"Dynamics lifecycle from {file}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )

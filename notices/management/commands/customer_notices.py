"""Run the customer notices job for a day: `manage.py customer_notices --date 2027-01-31 [--dry-run]`."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notices.services import notices_run


class Command(BaseCommand):
    help = "Send the plan and end-of-support notices due on a day (today by default), each once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="The day, YYYY-MM-DD (default: today, UTC).")
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be sent.")

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        today = now.astimezone(dt.UTC).date()
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date must be YYYY-MM-DD, got {options['date']!r}") from error
        outcomes = notices_run(today=today, now=now, dry_run=options["dry_run"])
        for outcome in outcomes:
            self.stdout.write(outcome.line())
        if not outcomes:
            self.stdout.write(f"No notices due on {today.isoformat()}.")

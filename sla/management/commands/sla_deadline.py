"""Print the initial-response deadline for a submission, from the same SLA clock as the portal.

    manage.py sla_deadline --plan premier --severity B --region japan --at 2026-11-20T17:00:00+09:00
    2026-11-20T10:00:00+00:00

With `--jsonl`, read `{"plan": ..., "severity": ..., "region": ..., "at": ...}` lines from
stdin and write one `{"due": ...}` line per input line, in order; a line that cannot be
answered gets `{"error": "..."}` (naming the field) and the rest carry on. The policy is
loaded once, and each region's calendar comes from `sla.calendars`' cache.

Bad arguments exit with status 2 and one line on stderr naming the field.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError

from sla.deadlines import SlaInputError, UnknownTarget
from sla.policy import SlaRows

FIELDS = ("plan", "severity", "region", "at")
BATCH_LINES = 1000  # answers written per write call


class Command(BaseCommand):
    help = "Print the initial-response deadline (ISO 8601, UTC) for a plan, severity, region and submission time."
    stealth_options = ("stdin",)
    requires_system_checks: list[str] = []  # a fast, quiet tool: `manage.py check` is the place for checks

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--plan", help="support plan code, e.g. subscription, professional-direct, premier")
        parser.add_argument("--severity", help="severity code, e.g. A, B, C")
        parser.add_argument("--region", help="support region code, e.g. north-america, japan, germany")
        parser.add_argument("--at", help="submission time, ISO 8601 with an offset, e.g. 2026-11-23T08:00:00-08:00")
        parser.add_argument(
            "--jsonl", action="store_true", help="read JSON lines from stdin and write one JSON line per input"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["jsonl"]:
            given = [f"--{name}" for name in FIELDS if options[name] is not None]
            if given:
                raise CommandError(f"{given[0]}: not used with --jsonl (each input line names it)", returncode=2)
            self.answer_lines(options.get("stdin") or sys.stdin)
            return
        for name in FIELDS:
            if options[name] is None:
                raise CommandError(f"--{name}: required", returncode=2)
        try:
            deadline = SlaRows().deadline(
                plan=options["plan"], severity=options["severity"], region=options["region"], at=options["at"]
            )
        except SlaInputError as exc:
            raise CommandError(f"--{exc.field}: {exc.message}", returncode=2) from None
        except (UnknownTarget, ValueError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(deadline.due_at.isoformat())

    def answer_lines(self, stdin: TextIO) -> None:
        policy = SlaRows()
        deadline = policy.deadline
        loads, dumps = json.loads, json.dumps
        batch: list[str] = []
        for number, line in enumerate(stdin, start=1):
            if not line.strip():
                continue
            try:
                item = loads(line)
                if not isinstance(item, dict):
                    raise ValueError(f"line {number}: expected a JSON object")
                due = deadline(
                    plan=item.get("plan"), severity=item.get("severity"), region=item.get("region"), at=item.get("at")
                ).due_at
            except json.JSONDecodeError as exc:
                batch.append(dumps({"error": f"line {number}: not JSON ({exc.msg})"}))
            except (SlaInputError, UnknownTarget, ValueError) as exc:
                batch.append(dumps({"error": str(exc)}))
            else:
                # An ISO 8601 instant needs no JSON escaping.
                batch.append('{"due": "' + due.isoformat() + '"}')
            if len(batch) >= BATCH_LINES:
                self.stdout.write("\n".join(batch))
                batch.clear()
        if batch:
            self.stdout.write("\n".join(batch))

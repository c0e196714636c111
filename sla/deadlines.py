"""The initial-response deadline: plan, severity, region and submission time in, due time out.

`deadline()` is the one computation of `Incident.response_due_at`: the submission, a
severity change, the SLA page's calculator, `manage.py sla_deadline` and the API call it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sla import businesshours, calendars
from sla.businesshours import Calendar
from sla.models import ResponseTarget, Severity, SupportPlan, SupportRegion
from sla.selectors import UnknownTarget, response_target

__all__ = ["Deadline", "SlaInputError", "UnknownTarget", "deadline", "deadline_for_target", "response_target"]


class SlaInputError(ValueError):
    """A plan, severity, region or submission time that the SLA clock cannot use."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Deadline:
    due_at: dt.datetime
    target: ResponseTarget  # the target that applied: its minutes and coverage
    calendar: Calendar


def deadline_for_target(
    *, target: ResponseTarget, region: SupportRegion, submitted_at: dt.datetime, version: int | None = None
) -> Deadline:
    """The deadline of a submission at `submitted_at` under `target`, on the region's
    calendar at `version` (by default the version the region row holds: a new submission's
    filing version); no query while that calendar is kept."""
    if submitted_at.tzinfo is None or submitted_at.utcoffset() is None:
        raise ValueError("submitted_at must be an aware datetime")
    calendar = calendars.target_calendar(coverage=target.coverage, region=region, at=submitted_at, version=version)
    due_at = businesshours.add_business_time(calendar, submitted_at, target.duration)
    return Deadline(due_at=due_at, target=target, calendar=calendar)


def deadline(
    *,
    plan: SupportPlan,
    severity: Severity,
    region: SupportRegion,
    submitted_at: dt.datetime,
    version: int | None = None,
) -> Deadline:
    """The initial-response deadline for a submission at `submitted_at`, on the region's
    calendar at `version` (an incident's filing version; by default the region's current
    one); no query while the region's version holds."""
    if submitted_at.tzinfo is None or submitted_at.utcoffset() is None:
        raise ValueError("submitted_at must be an aware datetime")
    target = response_target(plan_id=plan.pk, severity=severity, region=region)
    return deadline_for_target(target=target, region=region, submitted_at=submitted_at, version=version)


def parse_instant(value: object, *, field: str = "at") -> dt.datetime:
    """An ISO 8601 date and time with a UTC offset (or Z), as an aware datetime."""
    if not isinstance(value, str) or not value.strip():
        raise SlaInputError(field, "give an ISO 8601 date and time with an offset, e.g. 2026-11-23T08:00:00-08:00")
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise SlaInputError(
            field, f"{value!r} is not an ISO 8601 date and time, e.g. 2026-11-23T08:00:00-08:00"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise SlaInputError(
            field, f"{value!r} has no UTC offset; add one, e.g. {moment.isoformat()}+00:00 or {moment.isoformat()}Z"
        )
    return moment

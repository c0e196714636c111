"""The SLA clock: turns plan, severity, region and submission time into a deadline.

This is the one place where database rows become `businesshours.Calendar` values, and
the one place that computes `Incident.response_due_at`. The SLA page, its calculator,
`manage.py sla_deadline`, the API and the escalation watcher all call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from incidents import businesshours
from incidents.businesshours import Calendar
from incidents.models import Coverage, DateException, ResponseTarget, Severity, SupportPlan, SupportRegion

# A deadline is computed with the holidays of the submission's year, the year before (a
# submission on 1 January in a zone behind UTC) and a few after (a deadline crossing New Year).
YEARS_BEFORE = 1
YEARS_AFTER = 3


class UnknownTarget(LookupError):
    """No response target for this plan and severity."""


@dataclass(frozen=True)
class Deadline:
    due_at: dt.datetime
    target: ResponseTarget
    calendar: Calendar


def region_holidays(region: SupportRegion, years: Iterable[int]) -> dict[dt.date, str]:
    """Public holidays of the region's country (and subdivision), adjusted by its exceptions."""
    years = list(years)
    days: dict[dt.date, str] = {}
    if region.holiday_country:
        country = holidays_lib.country_holidays(
            region.holiday_country, subdiv=region.holiday_subdivision or None, years=years
        )
        days.update({day: str(name) for day, name in country.items()})
    exceptions: Iterable[DateException] = region.date_exceptions.all()
    year_set = set(years)
    for exception in exceptions:
        if exception.on.year not in year_set:
            continue
        if exception.kind == DateException.Kind.OPEN:
            days.pop(exception.on, None)
        else:
            days[exception.on] = exception.note or "Closed"
    return days


def region_calendar(region: SupportRegion, years: Iterable[int]) -> Calendar:
    """The region's business-hours calendar for the given years' holidays.

    Uses `region.intervals.all()` and `region.date_exceptions.all()`, so a caller that
    prefetches them builds calendars for many regions without a query per region.
    """
    weekly: list[list[tuple[dt.time, dt.time]]] = [[] for _ in range(7)]
    for interval in region.intervals.all():
        weekly[interval.weekday].append((interval.opens_at, interval.closes_at))
    return Calendar(
        zone=ZoneInfo(region.time_zone),
        weekly=tuple(tuple(day) for day in weekly),
        holidays=frozenset(region_holidays(region, years)),
    )


def years_around(at: dt.datetime) -> range:
    return range(at.year - YEARS_BEFORE, at.year + YEARS_AFTER + 1)


_ALWAYS = Calendar.always()


def target_calendar(target: ResponseTarget, region: SupportRegion, at: dt.datetime) -> Calendar:
    if target.coverage == Coverage.ALWAYS:
        return _ALWAYS
    return region_calendar(region, years_around(at))


def response_target(plan: SupportPlan, severity: Severity) -> ResponseTarget:
    try:
        return ResponseTarget.objects.get(plan=plan, severity=severity)
    except ResponseTarget.DoesNotExist:
        raise UnknownTarget(f"no response target for plan {plan.code} and severity {severity.code}") from None


def deadline_compute(
    *, plan: SupportPlan, severity: Severity, region: SupportRegion, submitted_at: dt.datetime
) -> Deadline:
    """The initial-response deadline for a submission at `submitted_at`."""
    if submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be an aware datetime")
    target = response_target(plan, severity)
    calendar = target_calendar(target, region, submitted_at)
    due_at = businesshours.add_business_time(calendar, submitted_at, target.duration)
    return Deadline(due_at=due_at, target=target, calendar=calendar)

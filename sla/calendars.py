"""Business-hours calendars of the support regions: the one place where database rows
become `businesshours.Calendar` values, and the one cache of them.

The cache is keyed by the region's id and `SupportRegion.version`, plus the year the
calendar is for. Invalidation rule: every write to a region, its opening intervals, its
date exceptions or its languages bumps the region's version in the same transaction
(`sla.services.region_changed`, connected to their saves and deletes in `sla/apps.py`, so
the admin, a shell and an import all do it), so a calendar built from older rows is never
found again, in any process.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from django.db.models import prefetch_related_objects

from sla.businesshours import Calendar
from sla.models import Coverage, DateException, OpeningInterval, SupportRegion

# A calendar holds the holidays of the year it is built for, the year before (a submission
# on 1 January in a zone behind UTC) and a few after (a deadline crossing New Year).
YEARS_BEFORE = 1
YEARS_AFTER = 3

# Regions × years kept per process; far more than the regions a portal has.
CACHE_SIZE = 256

ALWAYS = Calendar.always()


@dataclass(frozen=True)
class RegionCalendar:
    calendar: Calendar
    holidays: dict[dt.date, str]  # the closed dates with their names, for the SLA page


@functools.lru_cache(maxsize=512)
def public_holidays(country: str, subdivision: str, years: tuple[int, ...]) -> tuple[tuple[dt.date, str], ...]:
    """The `holidays` package's default public holidays (static data, so cached per process)."""
    found = holidays_lib.country_holidays(country, subdiv=subdivision or None, years=years)
    return tuple(sorted((day, str(name)) for day, name in found.items()))


def years_around(at: dt.datetime) -> range:
    return range(at.year - YEARS_BEFORE, at.year + YEARS_AFTER + 1)


def _region_holidays(
    region: SupportRegion, exceptions: Iterable[DateException], years: Iterable[int]
) -> dict[dt.date, str]:
    """Public holidays of the region's country (and subdivision), adjusted by its exceptions."""
    year_set = set(years)
    days: dict[dt.date, str] = {}
    if region.holiday_country:
        days.update(public_holidays(region.holiday_country, region.holiday_subdivision, tuple(sorted(year_set))))
    for exception in exceptions:
        if exception.on.year not in year_set:
            continue
        if exception.kind == DateException.Kind.OPEN:
            days.pop(exception.on, None)
        else:
            days[exception.on] = exception.note or "Closed"
    return days


def region_calendar_build(region: SupportRegion, *, year: int) -> RegionCalendar:
    """Build the region's calendar for submissions in `year` from its rows: two queries, or
    none when the caller prefetched `intervals` and `date_exceptions` (`region_calendars_at`)."""
    weekly: list[list[tuple[dt.time, dt.time]]] = [[] for _ in range(7)]
    intervals: Iterable[OpeningInterval] = region.intervals.all()
    for interval in sorted(intervals, key=lambda i: (i.weekday, i.opens_at)):
        weekly[interval.weekday].append((interval.opens_at, interval.closes_at))
    years = range(year - YEARS_BEFORE, year + YEARS_AFTER + 1)
    holidays = _region_holidays(region, region.date_exceptions.all(), years)
    calendar = Calendar(
        zone=ZoneInfo(region.time_zone),
        weekly=tuple(tuple(day) for day in weekly),
        holidays=frozenset(holidays),
    )
    return RegionCalendar(calendar=calendar, holidays=holidays)


_cache: dict[tuple[int, int, int], RegionCalendar] = {}
_lock = threading.Lock()


def region_calendar_at(region: SupportRegion, at: dt.datetime) -> RegionCalendar:
    """The region's calendar (and named holidays) for an instant in year `at.year`, from the
    cache while the region's version holds; no query then."""
    key = (region.pk, region.version, at.year)
    found = _cache.get(key)
    if found is None:
        found = region_calendar_build(region, year=at.year)
        with _lock:
            if len(_cache) >= CACHE_SIZE:
                _cache.clear()
            _cache[key] = found
    return found


def region_calendars_at(regions: Iterable[SupportRegion], at: dt.datetime) -> list[RegionCalendar]:
    """`region_calendar_at` for several regions: the rows of those whose calendar is not
    cached are read in two queries for all of them; none when every calendar is cached."""
    regions = list(regions)
    missing = [region for region in regions if (region.pk, region.version, at.year) not in _cache]
    if missing:
        prefetch_related_objects(missing, "intervals", "date_exceptions")
    return [region_calendar_at(region, at) for region in regions]


def region_calendar(region: SupportRegion, at: dt.datetime) -> Calendar:
    return region_calendar_at(region, at).calendar


def target_calendar(*, coverage: str, region: SupportRegion, at: dt.datetime) -> Calendar:
    """The calendar a response target with this coverage counts on: always open for 24/7."""
    if coverage == Coverage.ALWAYS:
        return ALWAYS
    return region_calendar(region, at)


def calendars_cache_clear() -> None:
    """Forget every cached calendar (tests: a rolled-back test database reuses ids and versions)."""
    with _lock:
        _cache.clear()

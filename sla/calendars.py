"""The SLA as a region's submissions read it, and the one per-process cache of it: the
region's business-hours calendar (the one place where database rows become
`businesshours.Calendar` values), and the severities and response targets
(`region_terms`).

The cache is keyed by the region's id and `SupportRegion.version` (a calendar also by the
year it is for). The version comes with every region the request loads anyway (a contact's
organisation's, with the signed-in user): a submission reads none of this from the database
while the version holds. Invalidation rule: every write to a region, its opening intervals,
its date exceptions or its languages bumps the region's version, and every write to a plan,
a severity or a response target bumps every region's, in the same transaction
(`sla.services.region_changed` and `policy_changed`, connected to their saves and deletes in
`sla/apps.py`, so the admin, a shell and an import all do it): what was read from older
rows is never found again, in any process. (A queryset's `update()` sends no signal: bump
the version with it, as `sla.services` does.)
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from django.db import DEFAULT_DB_ALIAS
from django.db.models import prefetch_related_objects

from sla.businesshours import Calendar
from sla.models import Coverage, DateException, OpeningInterval, ResponseTarget, Severity, SupportRegion

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


SEVERITY_FIELDS = tuple(f.attname for f in Severity._meta.concrete_fields)
TARGET_FIELDS = tuple(f.attname for f in ResponseTarget._meta.concrete_fields)


@dataclass(frozen=True)
class RegionTerms:
    """The severities (in display order) and the response targets, kept as the values of
    their rows: every call hands out model instances of its own, so no caller can change
    what another one reads."""

    severity_rows: tuple[tuple[object, ...], ...]
    target_rows: dict[tuple[int, int], tuple[object, ...]]  # (plan id, severity id) -> row

    def severities(self) -> list[Severity]:
        return [Severity.from_db(DEFAULT_DB_ALIAS, SEVERITY_FIELDS, row) for row in self.severity_rows]

    def target(self, *, plan_id: int, severity: Severity) -> ResponseTarget | None:
        """The plan's target for the severity (with `severity` as its severity), or None."""
        row = self.target_rows.get((plan_id, severity.pk))
        if row is None:
            return None
        target = ResponseTarget.from_db(DEFAULT_DB_ALIAS, TARGET_FIELDS, row)
        target.severity = severity
        return target


def region_terms_build() -> RegionTerms:
    """Every severity and response target (two queries)."""
    plan, severity = TARGET_FIELDS.index("plan_id"), TARGET_FIELDS.index("severity_id")
    targets = ResponseTarget.objects.order_by().values_list(*TARGET_FIELDS)
    return RegionTerms(
        severity_rows=tuple(Severity.objects.values_list(*SEVERITY_FIELDS)),
        target_rows={(row[plan], row[severity]): row for row in targets},
    )


_terms: dict[tuple[int, int], RegionTerms] = {}


def region_terms(region: SupportRegion) -> RegionTerms:
    """The severities and response targets for a submission in the region, from the cache
    while the region's version holds; no query then."""
    key = (region.pk, region.version)
    found = _terms.get(key)
    if found is None:
        found = region_terms_build()
        with _lock:
            if len(_terms) >= CACHE_SIZE:
                _terms.clear()
            _terms[key] = found
    return found


def calendars_cache_clear() -> None:
    """Forget everything cached (tests: a rolled-back test database reuses ids and versions)."""
    with _lock:
        _cache.clear()
        _terms.clear()

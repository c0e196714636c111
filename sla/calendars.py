"""The SLA as a region's submissions read it, and the one per-process cache of it: the
region's business-hours calendar at any version it had (the one place where database rows,
through `CalendarSnapshot`, become `businesshours.Calendar` values), and the severities and
response targets (`region_terms`). Other apps read these through `sla.selectors`.

The cache is keyed by the region's id and a version (a calendar also by the year it is
for): a calendar by the version asked for (an incident's filing version, or the region's
current one), built from the snapshot that version names, which never changes. The
version comes with every region the request loads anyway (a contact's organisation's, with
the signed-in user): a submission reads none of this from the database while it holds. Invalidation rule: every write to a region, its opening intervals,
its date exceptions or its languages bumps the region's version, and every write to a plan,
a severity or a response target bumps every region's, in the same transaction
(`sla.services.region_changed` and `policy_changed`, connected to their saves and deletes in
`sla/apps.py`, so the admin, a shell and an import all do it): what was read from older
rows is never found again, in any process. (A queryset's `update()` sends no signal: bump
the version with it, as `sla.services` does.)
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from django.db.models import Q

from sla.businesshours import Calendar
from sla.models import (
    CalendarSnapshot,
    Coverage,
    DateException,
    OpeningInterval,
    ResponseTarget,
    Severity,
    SupportRegion,
)

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
    key: str  # names the snapshot it was built from: the same key, the same calendar and languages


@functools.lru_cache(maxsize=512)
def public_holidays(country: str, subdivision: str, years: tuple[int, ...]) -> tuple[tuple[dt.date, str], ...]:
    """The `holidays` package's default public holidays (static data, so cached per process)."""
    found = holidays_lib.country_holidays(country, subdiv=subdivision or None, years=years)
    return tuple(sorted((day, str(name)) for day, name in found.items()))


def _region_holidays(snapshot: CalendarSnapshot, years: Iterable[int]) -> dict[dt.date, str]:
    """Public holidays of the region's country (and subdivision), adjusted by its exceptions."""
    year_set = set(years)
    days: dict[dt.date, str] = {}
    if snapshot.holiday_country:
        days.update(public_holidays(snapshot.holiday_country, snapshot.holiday_subdivision, tuple(sorted(year_set))))
    for on_text, kind, note in snapshot.exceptions:
        on = dt.date.fromisoformat(on_text)
        if on.year not in year_set:
            continue
        if kind == DateException.Kind.OPEN:
            days.pop(on, None)
        else:
            days[on] = note or "Closed"
    return days


def calendar_snapshot_of(region: SupportRegion) -> CalendarSnapshot:
    """The region's calendar as its rows are now (unsaved; two queries, none when the
    caller prefetched `intervals` and `date_exceptions`)."""
    intervals: Iterable[OpeningInterval] = region.intervals.all()
    exceptions: Iterable[DateException] = region.date_exceptions.all()
    return CalendarSnapshot(
        region_id=region.pk,
        version=region.version,
        time_zone=region.time_zone,
        holiday_country=region.holiday_country,
        holiday_subdivision=region.holiday_subdivision,
        intervals=[
            [i.weekday, i.opens_at.isoformat(), i.closes_at.isoformat()]
            for i in sorted(intervals, key=lambda i: (i.weekday, i.opens_at))
        ],
        exceptions=[[e.on.isoformat(), e.kind, e.note] for e in sorted(exceptions, key=lambda e: e.on)],
    )


def region_calendar_build(snapshot: CalendarSnapshot, *, year: int) -> RegionCalendar:
    """The calendar of a snapshot for submissions in `year` (no query)."""
    weekly: list[list[tuple[dt.time, dt.time]]] = [[] for _ in range(7)]
    for weekday, opens_at, closes_at in snapshot.intervals:
        weekly[weekday].append((dt.time.fromisoformat(opens_at), dt.time.fromisoformat(closes_at)))
    holidays = _region_holidays(snapshot, range(year - YEARS_BEFORE, year + YEARS_AFTER + 1))
    calendar = Calendar(
        zone=ZoneInfo(snapshot.time_zone),
        weekly=tuple(tuple(day) for day in weekly),
        holidays=frozenset(holidays),
    )
    return RegionCalendar(calendar=calendar, holidays=holidays, key=snapshot_key(snapshot))


def snapshot_key(snapshot: CalendarSnapshot) -> str:
    """A stored snapshot's id; for one read from the rows (none stored), region and version."""
    return str(snapshot.pk) if snapshot.pk is not None else f"{snapshot.region_id}v{snapshot.version}"


_built: dict[tuple[str, int], RegionCalendar] = {}  # (snapshot key, year)


def _calendar_of(snapshot: CalendarSnapshot, year: int) -> RegionCalendar:
    """The snapshot's calendar for `year`, built once per process: a version that moved
    without a calendar change (a plan, severity or target edit) reuses it."""
    key = (snapshot_key(snapshot), year)
    found = _built.get(key)
    if found is None:
        found = region_calendar_build(snapshot, year=year)
        with _lock:
            if len(_built) >= CACHE_SIZE:
                _built.clear()
            _built[key] = found
    return found


_lock = threading.Lock()
_snapshots_kept: dict[tuple[int, int], CalendarSnapshot] = {}  # (region id, version asked for)


def _snapshots(regions: list[tuple[SupportRegion, int]]) -> list[CalendarSnapshot]:
    """Each region's calendar at its version: its latest snapshot at or before that version
    (kept per process; one query for all those not kept); the region's rows as they are now
    for a region that has none (a database flushed by a test)."""
    missing = [(region, version) for region, version in regions if (region.pk, version) not in _snapshots_kept]
    if missing:
        condition = Q()
        for region, version in missing:
            condition |= Q(region_id=region.pk, version__lte=version)
        rows = list(CalendarSnapshot.objects.filter(condition).order_by("version"))
        with _lock:
            if len(_snapshots_kept) >= CACHE_SIZE:
                _snapshots_kept.clear()
            for region, version in missing:
                found = [row for row in rows if row.region_id == region.pk and row.version <= version]
                _snapshots_kept[(region.pk, version)] = found[-1] if found else calendar_snapshot_of(region)
    return [_snapshots_kept[(region.pk, version)] for region, version in regions]


_cache: dict[tuple[int, int, int], RegionCalendar] = {}


def region_calendars(regions: Iterable[SupportRegion], at: dt.datetime) -> list[RegionCalendar]:
    """Each region's calendar (and named holidays) at the version its row holds, for an
    instant in year `at.year`; kept per process (snapshots never change, so nothing kept can
    go stale): no query while kept, one for all the regions not kept."""
    wanted = [(region, region.version) for region in regions]
    missing = [(region, version) for region, version in wanted if (region.pk, version, at.year) not in _cache]
    if missing:
        built = {
            (region.pk, version, at.year): _calendar_of(snapshot, at.year)
            for (region, version), snapshot in zip(missing, _snapshots(missing), strict=True)
        }
        with _lock:
            if len(_cache) + len(built) > CACHE_SIZE:
                _cache.clear()
            _cache.update(built)
        return [_cache.get(key) or built[key] for key in ((r.pk, v, at.year) for r, v in wanted)]
    return [_cache[(region.pk, version, at.year)] for region, version in wanted]


def region_calendar(region: SupportRegion, at: dt.datetime, *, version: int | None = None) -> Calendar:
    """The region's calendar at `version` (an incident's filing version; by default the one
    its row holds) for an instant in year `at.year`; no query while kept."""
    key = (region.pk, region.version if version is None else version, at.year)
    found = _cache.get(key)
    if found is None:
        found = _calendar_of(_snapshots([(region, key[1])])[0], at.year)
        with _lock:
            if len(_cache) >= CACHE_SIZE:
                _cache.clear()
            _cache[key] = found
    return found.calendar


def target_calendar(*, coverage: str, region: SupportRegion, at: dt.datetime, version: int | None = None) -> Calendar:
    """The calendar a response target with this coverage counts on: always open for 24/7;
    the region's at `version` (an incident's filing version) otherwise."""
    if coverage == Coverage.ALWAYS:
        return ALWAYS
    return region_calendar(region, at, version=version)


# Kept severities and targets are read again after this long, so a write that moved no
# version (a queryset update()) is seen within it all the same.
TERMS_SECONDS = 300


@dataclass(frozen=True)
class RegionTerms:
    """The severities (in display order) and the response targets, kept as model instances
    that are never handed out: every call gets copies of its own, so no caller can change
    what another one reads."""

    severity_rows: tuple[Severity, ...]
    target_rows: dict[tuple[int, int], ResponseTarget]  # (plan id, severity id) -> target
    read_at: float = 0.0  # time.monotonic() when the rows were read

    def severities(self) -> list[Severity]:
        return [copy.copy(severity) for severity in self.severity_rows]

    def target(self, *, plan_id: int, severity: Severity) -> ResponseTarget | None:
        """The plan's target for the severity (with `severity` as its severity), or None."""
        kept = self.target_rows.get((plan_id, severity.pk))
        if kept is None:
            return None
        target = copy.copy(kept)
        target.severity = severity
        return target


def region_terms_build() -> RegionTerms:
    """Every severity and response target (two queries)."""
    return RegionTerms(
        severity_rows=tuple(Severity.objects.all()),
        target_rows={(t.plan_id, t.severity_id): t for t in ResponseTarget.objects.order_by()},
        read_at=time.monotonic(),
    )


_terms: dict[tuple[int, int], RegionTerms] = {}


def region_terms(region: SupportRegion) -> RegionTerms:
    """The severities and response targets for a submission in the region, from the cache
    while the region's version holds and for at most TERMS_SECONDS; no query then."""
    key = (region.pk, region.version)
    found = _terms.get(key)
    if found is None or time.monotonic() - found.read_at > TERMS_SECONDS:
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
        _built.clear()
        _snapshots_kept.clear()
        _terms.clear()

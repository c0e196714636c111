"""The SLA clock: turns plan, severity, region and submission time into a deadline.

This is the one place where database rows become `businesshours.Calendar` values, and
the one place that computes `Incident.response_due_at`. The SLA page, its calculator,
`manage.py sla_deadline`, the API and the escalation watcher all call it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from sla import businesshours
from sla.businesshours import Calendar
from sla.models import (
    Coverage,
    DateException,
    OpeningInterval,
    RegionLanguage,
    ResponseTarget,
    Severity,
    SupportPlan,
    SupportRegion,
    Weekday,
)

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
    # The configuration version read with the target (`config_version`), when it was read:
    # the escalation watcher checks its own snapshot against it without another query.
    version: tuple[object, ...] | None = None


@functools.lru_cache(maxsize=512)
def public_holidays(country: str, subdivision: str, years: tuple[int, ...]) -> tuple[tuple[dt.date, str], ...]:
    """The `holidays` package's default public holidays (static data, so cached per process)."""
    found = holidays_lib.country_holidays(country, subdiv=subdivision or None, years=years)
    return tuple(sorted((day, str(name)) for day, name in found.items()))


def region_holidays(region: SupportRegion, years: Iterable[int]) -> dict[dt.date, str]:
    """Public holidays of the region's country (and subdivision), adjusted by its exceptions."""
    years = sorted(set(years))
    days: dict[dt.date, str] = {}
    if region.holiday_country:
        days.update(public_holidays(region.holiday_country, region.holiday_subdivision, tuple(years)))
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
    """The initial-response deadline for a submission at `submitted_at`.

    One query: the response target, read fresh, together with the policy's version. The
    region's calendar comes from this process's `SlaPolicy` snapshot while that version
    holds (see `policy_current`), so the holidays are not rebuilt for every submission.
    """
    if submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be an aware datetime")
    target, version = _target_with_version(plan, severity)
    if target.coverage == Coverage.ALWAYS:
        calendar = _ALWAYS
    else:
        policy = policy_current(version=version[: len(POLICY_MODELS)])
        cached_region = policy.regions.get(region.code)
        if cached_region is not None and cached_region.pk == region.pk:
            calendar = policy.region_calendar(cached_region, submitted_at)
        else:  # a region the snapshot does not know (written without history): build it
            calendar = region_calendar(region, years_around(submitted_at))
    due_at = businesshours.add_business_time(calendar, submitted_at, target.duration)
    return Deadline(due_at=due_at, target=target, calendar=calendar, version=version)


# --- One policy snapshot per process, checked against the database's version -------------
#
# The version of the SLA policy is the latest simple-history row of each policy table:
# every write through the ORM (the admin, the SLA pages, services, seeding) records one,
# in whichever process it happened, so a change made by another web process or worker is
# seen by the next deadline here. A write in this process also bumps `_generation` (the
# signals below), which covers changes rolled back later and test databases that reuse
# history ids. Writes that bypass the ORM (queryset .update(), raw SQL) record no history:
# call `policy_cache_clear()` in that process after them. The response target itself is
# always read fresh with the version, so its minutes and coverage are never stale.
#
# Other apps keep snapshots of their own configuration the same way and register their
# history-tracked models (`versioned_models_register`): the same query then reads their
# version too, after the SLA tables' (`config_version`).

_generation = 0
_snapshot: tuple[tuple[object, ...], SlaPolicy] | None = None
_SQL: dict[str, str] = {}


_EXTRA_VERSIONED: list[type[Model]] = []


def versioned_models_register(*models: type[Model]) -> None:
    """Add history-tracked models whose latest history id is read with the SLA version
    (call from an `AppConfig.ready()`); `config_version()` then ends with theirs."""
    for model in models:
        if model not in _EXTRA_VERSIONED:
            _EXTRA_VERSIONED.append(model)
    _SQL.clear()


def _versioned_models() -> tuple[type[Model], ...]:
    return (*POLICY_MODELS, *_EXTRA_VERSIONED)


def _sql(name: str) -> str:
    """The two statements of the version check, built once per process from `_meta`."""
    if not _SQL:
        from django.db import connection

        quote = connection.ops.quote_name
        # Table and column names from _meta; the values are parameters.
        latest = ", ".join(
            f"(SELECT MAX({quote(h._meta.pk.column)}) FROM {quote(h._meta.db_table)}) AS {quote(f'policy_v{n}')}"  # noqa: S608
            for n, h in enumerate(model.history.model for model in _versioned_models())  # type: ignore[attr-defined]
        )
        fields = ", ".join(quote(f.column) for f in ResponseTarget._meta.concrete_fields)
        table = quote(ResponseTarget._meta.db_table)
        _SQL["version"] = f"SELECT {latest}"
        _SQL["target"] = f"SELECT {fields}, {latest} FROM {table} WHERE plan_id = %s AND severity_id = %s"  # noqa: S608
    return _SQL[name]


def _target_with_version(plan: SupportPlan, severity: Severity) -> tuple[ResponseTarget, tuple[object, ...]]:
    rows = list(ResponseTarget.objects.raw(_sql("target"), [plan.pk, severity.pk]))
    if not rows:
        raise UnknownTarget(f"no response target for plan {plan.code} and severity {severity.code}")
    target = rows[0]
    target.plan, target.severity = plan, severity  # already loaded: no query when read
    version = tuple(getattr(target, f"policy_v{n}") for n in range(len(_versioned_models())))
    return target, version


def config_version() -> tuple[object, ...]:
    """The database's configuration version (one query): the latest history id of each
    SLA policy table, then of each registered table (`versioned_models_register`)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_sql("version"))
        return tuple(cursor.fetchone())


def policy_version() -> tuple[object, ...]:
    """The database's SLA policy version (one query): the latest history id per policy table."""
    return config_version()[: len(POLICY_MODELS)]


def policy_current(*, version: tuple[object, ...] | None = None) -> SlaPolicy:
    """This process's snapshot of the policy, rebuilt when the version changed.

    The version is read before a snapshot is built, so a change racing with the build
    leaves an older label on newer rows: rebuilt once more, never stale.
    """
    global _snapshot
    key = (_generation, version if version is not None else policy_version())
    snapshot = _snapshot
    if snapshot is not None and snapshot[0] == key:
        return snapshot[1]
    policy = SlaPolicy()
    _snapshot = (key, policy)
    return policy


def policy_cache_clear() -> None:
    """Forget this process's snapshot (after a write that recorded no history)."""
    global _generation
    _generation += 1


def _policy_changed(**kwargs: object) -> None:
    policy_cache_clear()


# --- Errors that name the field -----------------------------------------------------------


class SlaInputError(ValueError):
    """A plan, severity, region or submission time that the SLA clock cannot use."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


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


# --- A snapshot of the whole policy, for many deadlines -----------------------------------


class SlaPolicy:
    """Every plan, severity, target and region, loaded once (five queries), with one
    business-hours calendar per region and year built on first use and then reused.

    For computing many deadlines quickly: `manage.py sla_deadline --jsonl`, the SLA page's
    calculator and the benchmark. A change to the policy needs a new snapshot.
    """

    def __init__(self) -> None:
        self.plans = {plan.code: plan for plan in SupportPlan.objects.all()}
        self.severities = {severity.code: severity for severity in Severity.objects.all()}
        self.targets = {(t.plan_id, t.severity_id): t for t in ResponseTarget.objects.all()}
        self.regions = {
            region.code: region
            for region in SupportRegion.objects.prefetch_related("intervals", "date_exceptions", "languages")
        }
        self._calendars: dict[tuple[str, int], Calendar] = {}
        self._resolved: dict[tuple[object, object, object] | None, _Resolved] = {}

    def _lookup(self, field: str, table: dict[str, Any], code: object) -> Any:
        if not isinstance(code, str) or not code:
            raise SlaInputError(field, f"give a {field} code, one of: {', '.join(table)}")
        try:
            return table[code]
        except KeyError:
            raise SlaInputError(field, f"unknown {field} {code!r}; known: {', '.join(table)}") from None

    def plan(self, code: object) -> SupportPlan:
        plan: SupportPlan = self._lookup("plan", self.plans, code)
        return plan

    def severity(self, code: object) -> Severity:
        severity: Severity = self._lookup("severity", self.severities, code)
        return severity

    def region(self, code: object) -> SupportRegion:
        region: SupportRegion = self._lookup("region", self.regions, code)
        return region

    def target(self, plan: SupportPlan, severity: Severity) -> ResponseTarget:
        try:
            return self.targets[(plan.pk, severity.pk)]
        except KeyError:
            raise UnknownTarget(f"no response target for plan {plan.code} and severity {severity.code}") from None

    def region_calendar(self, region: SupportRegion, at: dt.datetime) -> Calendar:
        key = (region.code, at.year)
        calendar = self._calendars.get(key)
        if calendar is None:
            calendar = self._calendars[key] = region_calendar(region, years_around(at))
        return calendar

    def calendar(self, target: ResponseTarget, region: SupportRegion, at: dt.datetime) -> Calendar:
        if target.coverage == Coverage.ALWAYS:
            return _ALWAYS
        return self.region_calendar(region, at)

    def _resolve(self, plan: object, severity: object, region: object) -> _Resolved:
        """Target, region and duration for three codes, remembered per combination."""
        key = (plan, severity, region) if type(plan) is type(severity) is type(region) is str else None
        resolved = self._resolved.get(key) if key is not None else None
        if resolved is None:
            plan_row, severity_row, region_row = self.plan(plan), self.severity(severity), self.region(region)
            target = self.target(plan_row, severity_row)
            resolved = _Resolved(target, region_row, target.duration, target.coverage == Coverage.ALWAYS)
            if key is not None:
                self._resolved[key] = resolved
        return resolved

    def deadline(self, *, plan: object, severity: object, region: object, at: object) -> Deadline:
        """The deadline for codes and an ISO string (or aware datetime); `SlaInputError` names a bad field."""
        resolved = self._resolve(plan, severity, region)
        submitted_at = at if isinstance(at, dt.datetime) else parse_instant(at)
        if submitted_at.tzinfo is None or submitted_at.utcoffset() is None:
            raise SlaInputError("at", "the submission time must have a UTC offset")
        if resolved.is_always:
            calendar = _ALWAYS
        else:
            calendar = self._calendars.get((resolved.region.code, submitted_at.year)) or self.region_calendar(
                resolved.region, submitted_at
            )
        due_at = businesshours.add_business_time(calendar, submitted_at, resolved.duration)
        return Deadline(due_at=due_at, target=resolved.target, calendar=calendar)


class _Resolved(NamedTuple):
    target: ResponseTarget
    region: SupportRegion
    duration: dt.timedelta
    is_always: bool


def targets_missing() -> list[tuple[SupportPlan, Severity]]:
    """Plan × severity pairs without a response target (every pair must have one)."""
    have = set(ResponseTarget.objects.values_list("plan_id", "severity_id"))
    severities = list(Severity.objects.all())
    return [
        (plan, severity)
        for plan in SupportPlan.objects.all()
        for severity in severities
        if (plan.pk, severity.pk) not in have
    ]


# --- What the public SLA page shows ------------------------------------------------------


@dataclass(frozen=True)
class MatrixRow:
    severity: Severity
    targets: list[ResponseTarget | None]


def policy_matrix(policy: SlaPolicy) -> list[MatrixRow]:
    """Severity rows × plan columns (in display order), None where a target is missing."""
    plans = list(policy.plans.values())
    return [
        MatrixRow(severity=severity, targets=[policy.targets.get((plan.pk, severity.pk)) for plan in plans])
        for severity in policy.severities.values()
    ]


def _wall(value: dt.time, *, is_end: bool) -> str:
    return "24:00" if is_end and value == dt.time(0) else value.strftime("%H:%M")


@dataclass(frozen=True)
class WeeklyHours:
    first_day: int
    last_day: int
    intervals: str  # "06:00–18:00" or "08:00–12:00, 13:00–17:00"

    @property
    def days(self) -> str:
        """ "Monday–Friday", or "Saturday" for a single day, in the active language."""
        first = str(Weekday(self.first_day).label)
        return first if self.first_day == self.last_day else f"{first}–{Weekday(self.last_day).label}"


def weekly_hours(calendar: Calendar) -> list[WeeklyHours]:
    """Runs of consecutive weekdays with the same opening hours (closed days left out)."""
    runs: list[WeeklyHours] = []
    for day, intervals in enumerate(calendar.weekly):
        if not intervals:
            continue
        text = ", ".join(f"{_wall(start, is_end=False)}–{_wall(end, is_end=True)}" for start, end in intervals)
        if runs and runs[-1].last_day == day - 1 and runs[-1].intervals == text:
            runs[-1] = WeeklyHours(first_day=runs[-1].first_day, last_day=day, intervals=text)
        else:
            runs.append(WeeklyHours(first_day=day, last_day=day, intervals=text))
    return runs


@dataclass(frozen=True)
class RegionSchedule:
    region: SupportRegion
    zone: ZoneInfo
    hours: list[WeeklyHours]
    local_now: dt.datetime
    is_open_now: bool
    closes_at: dt.datetime | None  # in the region's zone, while open
    opens_at: dt.datetime | None  # in the region's zone, while closed
    holidays: list[tuple[dt.date, str]]  # the next 12 months, from today in the region's zone
    languages: list[RegionLanguage]


def region_schedules(policy: SlaPolicy, *, now: dt.datetime) -> list[RegionSchedule]:
    """Each region's hours, open-now state and holidays for the next 12 months (no queries)."""
    schedules = []
    for region in policy.regions.values():
        calendar = policy.region_calendar(region, now)
        zone = calendar.zone
        local_now = now.astimezone(zone)
        today = local_now.date()
        try:
            year_later = today.replace(year=today.year + 1)
        except ValueError:  # 29 February
            year_later = today.replace(year=today.year + 1, day=28)
        days = region_holidays(region, [today.year, today.year + 1])
        upcoming = sorted((day, name) for day, name in days.items() if today <= day < year_later)
        closes_at = opens_at = None
        is_open_now = businesshours.is_open(calendar, now)
        if is_open_now:
            closes_at = next(end for start, end in calendar.spans_on(today) if start <= now < end).astimezone(zone)
        elif calendar.has_openings:
            opens_at = businesshours.next_open(calendar, now).astimezone(zone)
        schedules.append(
            RegionSchedule(
                region=region,
                zone=zone,
                hours=weekly_hours(calendar),
                local_now=local_now,
                is_open_now=is_open_now,
                closes_at=closes_at,
                opens_at=opens_at,
                holidays=upcoming,
                languages=list(region.languages.all()),
            )
        )
    return schedules


SEED_MIGRATION = ("sla", "0002_seed_defaults")
POLICY_MODELS = (SupportPlan, Severity, ResponseTarget, SupportRegion, OpeningInterval, DateException, RegionLanguage)

for _model in POLICY_MODELS:
    post_save.connect(_policy_changed, sender=_model, dispatch_uid=f"sla-policy-saved-{_model.__name__}")
    post_delete.connect(_policy_changed, sender=_model, dispatch_uid=f"sla-policy-deleted-{_model.__name__}")


@dataclass(frozen=True)
class PolicyChange:
    at: dt.datetime
    what: str  # the changed row, e.g. "response target premier/B: 120 min 24/7"
    kind: str  # "initial" (published with the seeded defaults), "+", "~" or "-"


def policy_last_changed() -> PolicyChange | None:
    """The latest change to any SLA row, from simple-history; before any edit, the moment
    the seeded defaults were installed (their data migration writes no history rows)."""
    latest = None
    latest_model = None
    for model in POLICY_MODELS:
        row = model.history.order_by("-history_date").first()  # type: ignore[attr-defined]
        if row is not None and (latest is None or row.history_date > latest.history_date):
            latest, latest_model = row, model
    if latest is not None and latest_model is not None:
        return PolicyChange(
            at=latest.history_date,
            what=f"{latest_model._meta.verbose_name} {latest.instance}",
            kind=latest.history_type,
        )
    from django.db.migrations.recorder import MigrationRecorder

    applied = (
        MigrationRecorder.Migration.objects.filter(app=SEED_MIGRATION[0], name=SEED_MIGRATION[1])
        .values_list("applied", flat=True)
        .first()
    )
    if applied is None:
        return None
    return PolicyChange(at=applied, what="", kind="initial")

"""The SLA policy read once for the SLA page, its calculator and `manage.py sla_deadline`:
deadlines by code, the regions' schedules, and when the policy last changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Value, prefetch_related_objects

from sla import businesshours, calendars
from sla.businesshours import Calendar
from sla.deadlines import Deadline, SlaInputError, UnknownTarget, deadline_for_target, parse_instant
from sla.models import (
    DateException,
    OpeningInterval,
    RegionLanguage,
    ResponseTarget,
    Severity,
    SupportPlan,
    SupportRegion,
    Weekday,
)
from sla.selectors import SlaMatrix, matrix_from_rows


class SlaRows:
    """The SLA's rows read once for one page or one command that computes many deadlines by
    code: the regions first (one query; their versions are the SLA's version); the plans,
    severities, response targets and the regions' languages when first needed (one query
    each, for every row at once). Calendars come from `sla.calendars`'
    cache, built from the regions' snapshots when the cache has none: a page that computes
    no deadline reads none."""

    def __init__(self) -> None:
        # The regions first: what is rendered from rows read after them is at least as new as
        # their versions, so whatever is kept by `version` is never older than it.
        self.regions = {region.code: region for region in SupportRegion.objects.all()}
        self._languages_read = False
        self._calendars_read = False

    @cached_property
    def plans(self) -> dict[str, SupportPlan]:
        return {plan.code: plan for plan in SupportPlan.objects.all()}

    @cached_property
    def severities(self) -> dict[str, Severity]:
        return {severity.code: severity for severity in Severity.objects.all()}

    @cached_property
    def version(self) -> str:
        """The SLA's version: every region's id and version (any write to a plan, severity,
        target, region or a region's calendar moves one of them), the key of the SLA page's
        kept fragments."""
        return "-".join(f"{region.pk}.{region.version}" for region in self.regions.values())

    @cached_property
    def targets(self) -> dict[tuple[int, int], ResponseTarget]:
        # No ordering: looked up by key (the Meta ordering joins two tables).
        return {(t.plan_id, t.severity_id): t for t in ResponseTarget.objects.order_by()}

    def matrix(self) -> SlaMatrix:
        """The live plan × severity matrix (`sla_matrix()`) from the rows read here."""
        return matrix_from_rows(self.plans.values(), self.severities.values(), self.targets.values())

    def languages(self, region: SupportRegion) -> list[RegionLanguage]:
        """The languages one of the regions serves in (every region's read at the first call)."""
        if not self._languages_read:
            prefetch_related_objects(list(self.regions.values()), "languages")
            self._languages_read = True
        return list(region.languages.all())

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

    def deadline(self, *, plan: object, severity: object, region: object, at: object) -> Deadline:
        """The deadline for codes and an ISO string (or aware datetime); `SlaInputError` names a bad field."""
        plan_row, severity_row, region_row = self.plan(plan), self.severity(severity), self.region(region)
        target = self.target(plan_row, severity_row)
        submitted_at = at if isinstance(at, dt.datetime) else parse_instant(at)
        if submitted_at.tzinfo is None or submitted_at.utcoffset() is None:
            raise SlaInputError("at", "the submission time must have a UTC offset")
        if not self._calendars_read:  # every region's calendar in one query, for any year
            calendars.region_calendars(self.regions.values(), submitted_at)
            self._calendars_read = True
        return deadline_for_target(target=target, region=region_row, submitted_at=submitted_at)


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
    """A region's state at one instant (open now or not), and what its card shows all day
    long: the weekly hours, holidays and languages, computed (and the languages read) only
    when asked for; the SLA page keeps their rendering by `day_key`."""

    policy: SlaRows
    region: SupportRegion
    zone: ZoneInfo
    local_now: dt.datetime
    is_open_now: bool
    closes_at: dt.datetime | None  # in the region's zone, while open
    opens_at: dt.datetime | None  # in the region's zone, while closed
    calendar: calendars.RegionCalendar

    @property
    def today(self) -> dt.date:
        return self.local_now.date()

    @property
    def day_key(self) -> str:
        """What the hours, holidays and languages depend on: the region's calendar snapshot
        (any write to the region, its calendar rows or languages writes a new one; a plan,
        severity or target edit none) and the region's local date."""
        return f"{self.calendar.key}.{self.today.isoformat()}"

    @cached_property
    def hours(self) -> list[WeeklyHours]:
        return weekly_hours(self.calendar.calendar)

    @cached_property
    def holidays(self) -> list[tuple[dt.date, str]]:
        """The next 12 months, from today in the region's zone."""
        today = self.today
        try:
            year_later = today.replace(year=today.year + 1)
        except ValueError:  # 29 February
            year_later = today.replace(year=today.year + 1, day=28)
        return sorted((day, name) for day, name in self.calendar.holidays.items() if today <= day < year_later)

    @cached_property
    def languages(self) -> list[RegionLanguage]:
        return self.policy.languages(self.region)


def region_schedules(policy: SlaRows, *, now: dt.datetime) -> list[RegionSchedule]:
    """Each region's open-now state, with its hours, languages and holidays for the next 12
    months (no query while the regions' calendars are cached)."""
    schedules = []
    regions = list(policy.regions.values())
    for region, found in zip(regions, calendars.region_calendars(regions, now), strict=True):
        calendar = found.calendar
        zone = calendar.zone
        local_now = now.astimezone(zone)
        closes_at = opens_at = None
        is_open_now = businesshours.is_open(calendar, now)
        if is_open_now:
            spans = calendar.spans_on(local_now.date())
            closes_at = next(end for start, end in spans if start <= now < end).astimezone(zone)
        elif calendar.has_openings:
            opens_at = businesshours.next_open(calendar, now).astimezone(zone)
        schedules.append(
            RegionSchedule(
                policy=policy,
                region=region,
                zone=zone,
                local_now=local_now,
                is_open_now=is_open_now,
                closes_at=closes_at,
                opens_at=opens_at,
                calendar=found,
            )
        )
    return schedules


SEED_MIGRATION = ("sla", "0002_seed_defaults")
POLICY_MODELS = (SupportPlan, Severity, ResponseTarget, SupportRegion, OpeningInterval, DateException, RegionLanguage)


@cache
def _history_models() -> tuple[type[models.Model], ...]:
    """The history table's model of each of POLICY_MODELS, looked up once: every read of
    `Model.history` builds a new manager class (simple-history), a cost per request."""
    return tuple(model.history.model for model in POLICY_MODELS)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PolicyChange:
    at: dt.datetime
    what: str  # the changed row, e.g. "response target premier/B: 120 min 24/7"
    kind: str  # "initial" (published with the seeded defaults), "+", "~" or "-"


def policy_last_changed() -> PolicyChange | None:
    """The latest change to any SLA row, from simple-history; before any edit, the moment
    the seeded defaults were installed (their data migration writes no history rows).

    One query finds the latest history row of all the policy's tables (a UNION of their
    history tables; on a tie the first model of POLICY_MODELS wins) and one more reads that
    row; the seeded defaults' migration is read only when there is no history at all."""
    histories = _history_models()
    changes_of_each = [
        history._default_manager.order_by()
        .annotate(model_index=Value(index))
        .values_list("history_date", "model_index", "history_id")
        for index, history in enumerate(histories)
    ]
    found = changes_of_each[0].union(*changes_of_each[1:], all=True).order_by("-history_date", "model_index").first()
    if found is not None:
        _, index, history_id = found
        rows = histories[index]._default_manager
        if POLICY_MODELS[index] is ResponseTarget:  # its name shows its plan and severity
            rows = rows.select_related("plan", "severity")
        latest = rows.get(history_id=history_id)
        instance = latest.instance
        if isinstance(instance, ResponseTarget) and latest.plan is not None and latest.severity is not None:
            instance.plan, instance.severity = latest.plan, latest.severity
        return PolicyChange(
            at=latest.history_date,
            what=f"{POLICY_MODELS[index]._meta.verbose_name} {instance}",
            kind=latest.history_type,
        )
    applied = (
        MigrationRecorder.Migration.objects.filter(app=SEED_MIGRATION[0], name=SEED_MIGRATION[1])
        .values_list("applied", flat=True)
        .first()
    )
    if applied is None:
        return None
    return PolicyChange(at=applied, what="", kind="initial")

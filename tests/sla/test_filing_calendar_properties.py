"""Issue 34, as properties (Hypothesis): over random calendars, targets and calendar edits
after filing (a closed day added, hours shortened, a holiday removed, a zone changed), every
open incident's deadline and escalation steps stay those planned at filing, in the order of
their share of the target, and a brute-force walk over the filing-time calendar agrees with
them; an incident filed after the edits is planned on the edited calendar.

Each example runs in a savepoint that is rolled back, with the per-process calendar cache
cleared (a rolled-back database reuses region ids and versions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation.watcher import incident_step_plan
from incidents.models import Incident
from incidents.services import NewIncident, incident_create
from sla.calendars import calendars_cache_clear
from sla.models import Coverage, DateException, OpeningInterval, ResponseTarget, SupportRegion

pytestmark = pytest.mark.django_db

# Zones whose clocks never move between 04:00 and 24:00 local, where the opening hours lie:
# a wall-clock walk then agrees with the engine (no repeated or skipped opening time).
ZONES = ["America/Los_Angeles", "Europe/London", "Europe/Berlin", "Asia/Tokyo", "Asia/Kolkata", "UTC"]
QUARTER = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class CalendarRows:
    zone: str
    weekly: tuple[tuple[tuple[int, int], ...], ...]  # per weekday: (start, end) in quarter hours
    closed: frozenset[dt.date]


def _time(quarter: int) -> dt.time:
    return dt.time(0) if quarter == 96 else dt.time(quarter // 4, quarter % 4 * 15)


@st.composite
def calendar_rows(draw: st.DrawFn) -> CalendarRows:
    """Any zone above; 0–2 openings a day on a 15-minute grid between 04:00 and 24:00, Monday
    always open four hours or more; up to 15 closed dates in the weeks around filing."""
    weekly = []
    for _day in range(7):
        marks = sorted(draw(st.sets(st.integers(16, 96), max_size=4)))
        marks = marks[: len(marks) // 2 * 2]
        weekly.append(tuple(zip(marks[::2], marks[1::2], strict=True)))
    if sum(end - start for start, end in weekly[0]) < 16:
        weekly[0] = ((36, 68),)  # 09:00–17:00
    closed = draw(st.frozensets(st.dates(dt.date(2026, 3, 1), dt.date(2026, 4, 30)), max_size=15))
    return CalendarRows(zone=draw(st.sampled_from(ZONES)), weekly=tuple(weekly), closed=closed)


edits = st.lists(
    st.one_of(
        st.tuples(st.just("close"), st.integers(0, 14)),  # a closed day, days after filing
        st.tuples(st.just("shorten"), st.integers(0, 6)),  # a weekday's hours end an hour earlier
        st.tuples(st.just("reopen"), st.integers(0, 14)),  # a holiday removed
        st.tuples(st.just("zone"), st.sampled_from(ZONES)),  # the zone corrected
    ),
    min_size=1,
    max_size=3,
)
filing_instants = st.builds(
    lambda day, quarter: dt.datetime(2026, 3, 2, tzinfo=dt.UTC) + dt.timedelta(days=day) + quarter * QUARTER,
    st.integers(0, 40),
    st.integers(0, 95),
)
targets = st.integers(1, 16).map(lambda hours: hours * 60)  # whole hours: 75 % is on the grid


def brute_add(rows: CalendarRows, start: dt.datetime, minutes: int) -> dt.datetime:
    """The instant when `minutes` of open time have passed since `start`, walked a quarter
    hour at a time on the wall clock (no engine): a quarter is open when its local date is not
    closed and its local start lies in an opening of its weekday."""
    zone, left, moment = ZoneInfo(rows.zone), minutes, start
    if left == 0:
        return moment
    while True:
        local = moment.astimezone(zone)
        quarter = local.hour * 4 + local.minute // 15
        if local.date() not in rows.closed and any(a <= quarter < b for a, b in rows.weekly[local.weekday()]):
            left -= 15
        moment += QUARTER
        if left == 0:
            return moment


def region_rows_write(region: SupportRegion, rows: CalendarRows) -> None:
    region.time_zone = rows.zone
    region.holiday_country = ""
    region.holiday_subdivision = ""
    region.save()
    OpeningInterval.objects.filter(region=region).delete()
    for day, openings in enumerate(rows.weekly):
        for start, end in openings:
            OpeningInterval.objects.create(region=region, weekday=day, opens_at=_time(start), closes_at=_time(end))
    DateException.objects.filter(region=region).delete()
    for day in rows.closed:
        DateException.objects.create(region=region, on=day, kind=DateException.Kind.CLOSED)


def edit_apply(region: SupportRegion, rows: CalendarRows, edit: tuple, filed_on: dt.date) -> CalendarRows:
    """The edit made through the models (their signals move the version); the rows after it."""
    kind, value = edit
    weekly, closed, zone = list(rows.weekly), set(rows.closed), rows.zone
    if kind == "close":
        day = filed_on + dt.timedelta(days=value)
        DateException.objects.update_or_create(region=region, on=day, defaults={"kind": DateException.Kind.CLOSED})
        closed.add(day)
    elif kind == "reopen" and rows.closed:
        day = sorted(rows.closed)[value % len(rows.closed)]
        DateException.objects.get(region=region, on=day).delete()
        closed.discard(day)
    elif kind == "shorten" and weekly[value]:
        start, end = weekly[value][-1]
        interval = OpeningInterval.objects.get(region=region, weekday=value, opens_at=_time(start))
        if end - start > 4:
            interval.closes_at = _time(end - 4)
            interval.save()
            weekly[value] = (*weekly[value][:-1], (start, end - 4))
        else:
            interval.delete()
            weekly[value] = weekly[value][:-1]
    elif kind == "zone":
        region.time_zone = value
        region.save()
        zone = value
    return CalendarRows(zone=zone, weekly=tuple(weekly), closed=frozenset(closed))


def planned(incident: Incident) -> list[tuple[int, int, dt.datetime]]:
    fresh = Incident.objects.select_related("region").get(pk=incident.pk)  # as the sweep reads it
    return [(p.step.percent_of_target, p.step.extra_minutes, p.due_at) for p in incident_step_plan(fresh)]


def assert_planned_on(incident: Incident, rows: CalendarRows, steps: list[tuple[int, int, dt.datetime]]) -> None:
    """In the order of their share, the breach step the deadline, each where the walk puts it."""
    assert [due for *_, due in steps] == sorted(due for *_, due in steps)
    minutes = incident.response_target_minutes
    assert incident.response_due_at == brute_add(rows, incident.submitted_at, minutes)
    for percent, extra, due in steps:
        assert due == brute_add(rows, incident.submitted_at, minutes * percent // 100 + extra)
        if (percent, extra) == (100, 0):
            assert due == incident.response_due_at


@pytest.fixture
def filing(organization, customer, sla):
    from accounts.models import Contract

    Contract.objects.filter(organization=organization).update(incidents_allotted=100_000)
    region = organization.region

    def file(at: dt.datetime) -> Incident:
        organization.region = SupportRegion.objects.get(pk=region.pk)  # as the next request reads it
        data = NewIncident(title="Posting fails", description="Posting fails.", severity=sla["severities"]["B"])
        return incident_create(organization=organization, submitted_by=customer, data=data, now=at).incident

    return region, file


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=calendar_rows(), filed_at=filing_instants, minutes=targets, changes=edits)
def test_edits_after_filing_move_no_step_of_an_open_incident(filing, rows, filed_at, minutes, changes):
    region, file = filing
    calendars_cache_clear()
    try:
        with transaction.atomic():
            ResponseTarget.objects.filter(severity__code="B").update(minutes=minutes, coverage=Coverage.BUSINESS_HOURS)
            region_rows_write(region, rows)
            incident = file(filed_at)
            at_filing = planned(incident)
            assert len(at_filing) == 4  # B's default policy: warning, breach, level 2, level 3
            assert_planned_on(incident, rows, at_filing)

            edited = rows
            for change in changes:
                edited = edit_apply(region, edited, change, filed_at.astimezone(ZoneInfo(rows.zone)).date())
            incident.refresh_from_db()
            assert planned(incident) == at_filing
            assert_planned_on(incident, rows, at_filing)

            later = file(filed_at)  # the same instant, after the edits: the edited calendar
            assert_planned_on(later, edited, planned(later))
            raise _RollBack
    except _RollBack:
        pass
    finally:
        calendars_cache_clear()


class _RollBack(Exception):
    pass

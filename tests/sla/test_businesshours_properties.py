"""Properties of the business-hours engine (Hypothesis), over the seeded regions' calendars
and over random calendars in zones with daylight-saving time. No database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sla.businesshours import Calendar, add_business_time, business_time_between, is_open, next_open

ZONES = ["America/Los_Angeles", "Europe/London", "Europe/Berlin", "Asia/Tokyo", "Australia/Lord_Howe", "UTC"]
YEARS = range(2025, 2031)


def _region(zone: str, opens: dt.time, closes: dt.time, country: str) -> Calendar:
    return Calendar.weekdays(zone, [(opens, closes)], holidays.country_holidays(country, years=YEARS).keys())


SEEDED = [
    _region("America/Los_Angeles", dt.time(6), dt.time(18), "US"),
    _region("Asia/Tokyo", dt.time(9), dt.time(17, 30), "JP"),
    _region("Europe/Berlin", dt.time(9), dt.time(17), "DE"),
    _region("Europe/London", dt.time(9), dt.time(17), "GB"),
    _region("Europe/Copenhagen", dt.time(9), dt.time(17), "DK"),
    Calendar.always(),
]


def _time(minute: int) -> dt.time:
    return dt.time(0) if minute == 24 * 60 else dt.time(minute // 60, minute % 60)


@st.composite
def random_calendars(draw: st.DrawFn) -> Calendar:
    """Any zone, 0–3 intervals per day on a 15-minute grid (some ending at midnight), random closed dates."""
    weekly = []
    for _ in range(7):
        marks = sorted(draw(st.sets(st.integers(0, 96), max_size=6)))
        marks = marks[: len(marks) // 2 * 2]
        weekly.append(tuple((_time(a * 15), _time(b * 15)) for a, b in zip(marks[::2], marks[1::2], strict=True)))
    if not any(weekly):
        weekly[0] = ((dt.time(9), dt.time(17)),)
    closed = draw(st.frozensets(st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)), max_size=40))
    return Calendar(zone=ZoneInfo(draw(st.sampled_from(ZONES))), weekly=tuple(weekly), holidays=closed)


calendars = st.one_of(st.sampled_from(SEEDED), random_calendars())
instants = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),
    max_value=dt.datetime(2027, 12, 31),
    timezones=st.sampled_from([dt.UTC, *map(ZoneInfo, ZONES)]),
)
durations = st.integers(min_value=0, max_value=5 * 24 * 3600).map(lambda s: dt.timedelta(seconds=s))
positive = st.integers(min_value=1, max_value=5 * 24 * 3600).map(lambda s: dt.timedelta(seconds=s))

TICK = dt.timedelta(microseconds=1)


@settings(deadline=None)
@given(calendars, instants, durations)
def test_business_time_between_a_start_and_its_deadline_is_the_target(cal, start, target):
    assert business_time_between(cal, start, add_business_time(cal, start, target)) == target


@settings(deadline=None)
@given(calendars, instants, positive)
def test_a_deadline_never_lands_in_closed_time(cal, start, target):
    due = add_business_time(cal, start, target)
    # The deadline may be a closing instant (end exclusive), so look at the moment just before.
    assert is_open(cal, due - TICK)
    assert due > start


@settings(deadline=None)
@given(calendars, instants, durations, durations)
def test_deadlines_grow_with_the_target(cal, start, one, two):
    shorter, longer = sorted([one, two])
    assert add_business_time(cal, start, shorter) <= add_business_time(cal, start, longer)


@settings(deadline=None)
@given(calendars, instants, durations, durations)
def test_adding_twice_is_adding_the_sum(cal, start, one, two):
    assert add_business_time(cal, add_business_time(cal, start, one), two) == add_business_time(cal, start, one + two)


@settings(deadline=None)
@given(calendars, instants)
def test_next_open_is_open_and_no_business_time_passes_before_it(cal, moment):
    opening = next_open(cal, moment)
    assert is_open(cal, opening)
    assert opening >= moment
    assert business_time_between(cal, moment, opening) == dt.timedelta(0)
    # Compare in UTC: Python never calls an instant in a DST gap or fold equal to one in another zone.
    assert (opening == moment.astimezone(dt.UTC)) == is_open(cal, moment)


@settings(deadline=None)
@given(calendars, instants, instants, instants)
@example(  # Both ends in Los Angeles, across the November change: 215 days and 1 hour elapse.
    Calendar.always(),
    dt.datetime(2026, 4, 2, tzinfo=dt.UTC),
    dt.datetime(2026, 4, 1, tzinfo=ZoneInfo("America/Los_Angeles")),
    dt.datetime(2026, 11, 2, tzinfo=ZoneInfo("America/Los_Angeles")),
)
@example(  # A wall time in London's March gap sorts before 02:00 by wall clock, after it in UTC.
    Calendar.always(),
    dt.datetime(2027, 3, 28, 1, 0, 0, 1, tzinfo=dt.UTC),
    dt.datetime(2027, 3, 28, 1, 0, 0, 1, tzinfo=ZoneInfo("Europe/London")),
    dt.datetime(2027, 3, 28, 2, 0, tzinfo=ZoneInfo("Europe/London")),
)
def test_business_time_between_adds_up(cal, a, b, c):
    # Order the instants in UTC: Python orders two datetimes of one zone by wall clock, which
    # puts a time in a DST gap on the wrong side of the first time after it.
    first, middle, last = sorted([a, b, c], key=lambda moment: moment.astimezone(dt.UTC))
    total = business_time_between(cal, first, last)
    assert total == business_time_between(cal, first, middle) + business_time_between(cal, middle, last)
    # Elapsed time in UTC: Python subtracts two datetimes of the same zone by wall clock,
    # which is an hour off across a DST change.
    assert dt.timedelta(0) <= total <= last.astimezone(dt.UTC) - first.astimezone(dt.UTC)

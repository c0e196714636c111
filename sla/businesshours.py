"""The business-hours engine: pure time arithmetic over a regional support calendar.

Standard library and `zoneinfo` only; import-linter keeps Django, Celery and DRF out.

A `Calendar` is an IANA zone, weekly opening intervals (several per day allowed) and a
set of closed dates (public holidays). The functions take aware datetimes, compute in the
calendar's zone and return aware datetimes in UTC, exact to the microsecond:

    is_open(cal, at)                      -> bool
    next_open(cal, at)                    -> the first open instant at or after `at`
    add_business_time(cal, start, d)      -> the instant when `d` of open time has passed
    business_time_between(cal, s, e)      -> open time between two instants

Local wall-clock times are turned into instants day by day, so daylight-saving changes
shorten or lengthen an opening by exactly the hour the clocks move; an opening that ends
at midnight is written with `time(0)` as its end (meaning 24:00). A wall time that occurs
twice (clocks going back) means its first occurrence; a wall time the clocks skip (clocks
going forward) means the instant they jump, so an opening never starts late because of
the gap, and an opening lying wholly inside the gap has no length.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "Calendar",
    "add_business_time",
    "business_time_between",
    "is_open",
    "next_open",
]

MIDNIGHT = time(0)
ZERO = timedelta(0)
ONE_DAY = timedelta(days=1)
# A calendar that has no opening in this many days is treated as never opening.
SEARCH_LIMIT_DAYS = 3 * 366
_CACHE_LIMIT = 50_000

Interval = tuple[time, time]
UtcSpan = tuple[datetime, datetime]


@dataclass(frozen=True)
class Calendar:
    """Weekly opening hours in a zone, minus closed dates.

    `weekly[0]` is Monday's intervals, `weekly[6]` Sunday's. Each interval is a
    `(start, end)` pair of local times with `start < end`; `end == time(0)` means 24:00.
    """

    zone: ZoneInfo
    weekly: tuple[tuple[Interval, ...], ...]
    holidays: frozenset[date] = frozenset()
    _days: dict[date, tuple[UtcSpan, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly must have 7 entries, Monday to Sunday")
        normalised = []
        for day, intervals in enumerate(self.weekly):
            ordered = tuple(sorted(intervals))
            previous_end: time | None = None
            for start, end in ordered:
                if end != MIDNIGHT and end <= start:
                    raise ValueError(f"day {day}: interval {start}-{end} must end after it starts")
                if previous_end is not None and (previous_end == MIDNIGHT or start < previous_end):
                    raise ValueError(f"day {day}: intervals overlap at {start}")
                previous_end = end
            normalised.append(ordered)
        object.__setattr__(self, "weekly", tuple(normalised))
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    @classmethod
    def always(cls) -> Calendar:
        """Open all day, every day (the 24x7 coverage of Severity A)."""
        return cls(zone=ZoneInfo("UTC"), weekly=tuple(((MIDNIGHT, MIDNIGHT),) for _ in range(7)))

    @classmethod
    def weekdays(cls, zone: str, intervals: Iterable[Interval], holidays: Iterable[date] = ()) -> Calendar:
        """The same intervals Monday to Friday, closed at weekends."""
        day = tuple(intervals)
        return cls(zone=ZoneInfo(zone), weekly=(day,) * 5 + ((), ()), holidays=frozenset(holidays))

    @property
    def has_openings(self) -> bool:
        return any(self.weekly)

    def spans_on(self, day: date) -> tuple[UtcSpan, ...]:
        """The opening intervals of a local date, as UTC instants (cached per calendar)."""
        spans = self._days.get(day)
        if spans is None:
            spans = self._compute_spans(day)
            if len(self._days) >= _CACHE_LIMIT:
                self._days.clear()
            self._days[day] = spans
        return spans

    def _compute_spans(self, day: date) -> tuple[UtcSpan, ...]:
        if day in self.holidays:
            return ()
        spans = []
        for start, end in self.weekly[day.weekday()]:
            start_at = _wall_to_utc(day, start, self.zone)
            end_at = _wall_to_utc(day + ONE_DAY if end == MIDNIGHT else day, end, self.zone)
            if end_at > start_at:  # an opening swallowed by a DST gap has no length
                spans.append((start_at, end_at))
        return tuple(spans)

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()


def _wall_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The instant a clock in `zone` first shows `wall` on `day`, in UTC.

    Ambiguous wall times (clocks going back) give their first occurrence (fold=0). For a
    wall time inside a gap (clocks going forward) this is the transition instant, found
    by bisection between the two readings of the wall time, to the second.
    """
    local = datetime.combine(day, wall, tzinfo=zone)
    at = local.astimezone(UTC)
    if at.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return at
    # `at` read the wall time with the offset before the jump, so it lies after the jump;
    # `fold=1` reads it with the offset after the jump, which lies before it.
    before = local.replace(fold=1).astimezone(UTC)
    after_offset = at.astimezone(zone).utcoffset()
    low, high = 0, int((at - before).total_seconds())
    while low < high:  # the first second whose offset is the one after the jump
        middle = (low + high) // 2
        if (before + timedelta(seconds=middle)).astimezone(zone).utcoffset() == after_offset:
            high = middle
        else:
            low = middle + 1
    return before + timedelta(seconds=low)


def _utc(at: datetime, name: str) -> datetime:
    tzinfo = at.tzinfo
    if tzinfo is UTC:  # the common case, and already normalised
        return at
    if tzinfo is None or tzinfo.utcoffset(at) is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {at.isoformat()}")
    return at.astimezone(UTC)


def _require_openings(cal: Calendar) -> None:
    if not cal.has_openings:
        raise ValueError("the calendar has no opening hours")


def is_open(cal: Calendar, at: datetime) -> bool:
    """Whether `at` falls inside an opening (start inclusive, end exclusive)."""
    at = _utc(at, "at")
    return any(start <= at < end for start, end in cal.spans_on(cal.local_date(at)))


def next_open(cal: Calendar, at: datetime) -> datetime:
    """`at` itself when open, else the start of the next opening, in UTC."""
    at = _utc(at, "at")
    _require_openings(cal)
    day = cal.local_date(at)
    for _ in range(SEARCH_LIMIT_DAYS):
        for start, end in cal.spans_on(day):
            if at < end:
                return max(at, start)
        day += ONE_DAY
    raise ValueError(f"the calendar has no opening within {SEARCH_LIMIT_DAYS} days of {at.isoformat()}")


def add_business_time(cal: Calendar, start: datetime, duration: timedelta) -> datetime:
    """The instant at which `duration` of open time has elapsed since `start`.

    A start in closed time begins counting at the next opening. A result may be the
    closing instant of an opening: the time just before it is always open time.
    A zero duration returns `start` unchanged.
    """
    start = _utc(start, "start")
    if duration < ZERO:
        raise ValueError("duration must not be negative")
    if duration == ZERO:
        return start
    _require_openings(cal)
    remaining = duration
    day = start.astimezone(cal.zone).date()
    cached = cal._days.get  # the hot loop reads the day cache directly (profiled)
    idle_days = 0
    while True:
        spans = cached(day)
        if spans is None:
            spans = cal.spans_on(day)
        for span_start, span_end in spans:
            if span_end <= start:
                continue
            begin = start if start > span_start else span_start
            available = span_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        idle_days = 0 if spans else idle_days + 1
        if idle_days > SEARCH_LIMIT_DAYS:
            raise ValueError(f"the calendar has no opening within {SEARCH_LIMIT_DAYS} days")
        day += ONE_DAY


def business_time_between(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    """Open time between two instants; negative when `end` is before `start`."""
    start = _utc(start, "start")
    end = _utc(end, "end")
    if end < start:
        return -business_time_between(cal, end, start)
    total = ZERO
    day = cal.local_date(start)
    last_day = cal.local_date(end)
    while day <= last_day:
        for span_start, span_end in cal.spans_on(day):
            overlap = min(end, span_end) - max(start, span_start)
            if overlap > ZERO:
                total += overlap
        day += ONE_DAY
    return total

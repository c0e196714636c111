"""The business-hours engine, as behaviour: no database, ISO strings on both sides.

Calendars here are built the way `sla.clock` builds them from the seeded regions:
Monday–Friday hours in the region's zone, closed on the `holidays` package's public
holidays. Each DST class names the transition instants it crosses.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest

from sla import businesshours
from sla.businesshours import Calendar, add_business_time, business_time_between, is_open, next_open

H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)


def at(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def iso(value: dt.datetime) -> str:
    return value.isoformat()


def region(zone: str, opens: dt.time, closes: dt.time, country: str | None) -> Calendar:
    days = holidays.country_holidays(country, years=range(2025, 2029)) if country else {}
    return Calendar.weekdays(zone, [(opens, closes)], days.keys())


NORTH_AMERICA = region("America/Los_Angeles", dt.time(6), dt.time(18), "US")
JAPAN = region("Asia/Tokyo", dt.time(9), dt.time(17, 30), "JP")
GERMANY = region("Europe/Berlin", dt.time(9), dt.time(17), "DE")
UNITED_KINGDOM = region("Europe/London", dt.time(9), dt.time(17), "GB")


def every_day(zone: str, *intervals: tuple[dt.time, dt.time]) -> Calendar:
    return Calendar(zone=ZoneInfo(zone), weekly=(tuple(intervals),) * 7)


# --- Adding business time: table-driven -------------------------------------------------

# calendar, submitted at, target, due at (UTC)
ADD_CASES = [
    pytest.param(NORTH_AMERICA, "2026-11-23T07:00:00-08:00", 4 * H, "2026-11-23T19:00:00+00:00", id="open-fits-today"),
    pytest.param(NORTH_AMERICA, "2026-11-23T16:00:00-08:00", 4 * H, "2026-11-24T16:00:00+00:00", id="runs-over-night"),
    pytest.param(NORTH_AMERICA, "2026-11-23T14:00:00-08:00", 4 * H, "2026-11-24T02:00:00+00:00", id="due-at-closing"),
    pytest.param(NORTH_AMERICA, "2026-11-23T03:00:00-08:00", 4 * H, "2026-11-23T18:00:00+00:00", id="before-opening"),
    pytest.param(NORTH_AMERICA, "2026-11-23T20:00:00-08:00", 4 * H, "2026-11-24T18:00:00+00:00", id="after-closing"),
    pytest.param(NORTH_AMERICA, "2026-11-20T16:00:00-08:00", 4 * H, "2026-11-23T16:00:00+00:00", id="friday-to-monday"),
    pytest.param(NORTH_AMERICA, "2026-11-21T11:00:00-08:00", 8 * H, "2026-11-23T22:00:00+00:00", id="saturday"),
    pytest.param(NORTH_AMERICA, "2026-11-22T23:59:59-08:00", 1 * H, "2026-11-23T15:00:00+00:00", id="sunday-night"),
    pytest.param(NORTH_AMERICA, "2026-11-23T06:00:00-08:00", 12 * H, "2026-11-24T02:00:00+00:00", id="whole-day"),
    pytest.param(
        NORTH_AMERICA, "2026-11-23T06:00:00-08:00", 12 * H + 1 * MIN, "2026-11-24T14:01:00+00:00", id="one-minute-over"
    ),
    # Exact to the second (and the microsecond) through a night.
    pytest.param(
        NORTH_AMERICA, "2026-11-23T17:59:59.250000-08:00", 2 * MIN, "2026-11-24T14:01:59.250000+00:00", id="seconds"
    ),
    # Submitted in another zone: the instant counts, not the wall clock.
    pytest.param(NORTH_AMERICA, "2026-11-23T16:00:00+01:00", 4 * H, "2026-11-23T19:00:00+00:00", id="other-zone"),
    pytest.param(JAPAN, "2026-11-20T16:30:00+09:00", 4 * H, "2026-11-24T03:00:00+00:00", id="japan-friday-to-tuesday"),
    pytest.param(GERMANY, "2026-11-23T16:00:00+01:00", 8 * H, "2026-11-24T15:00:00+00:00", id="germany-overnight"),
]


@pytest.mark.parametrize(("cal", "submitted", "target", "due"), ADD_CASES)
def test_add_business_time(cal, submitted, target, due):
    assert iso(add_business_time(cal, at(submitted), target)) == due


def test_the_result_is_in_utc_whatever_zone_went_in():
    due = add_business_time(GERMANY, at("2026-11-23T10:00:00+09:00"), 1 * H)
    assert due.tzinfo is dt.UTC


def test_a_zero_target_is_due_at_submission_even_when_closed():
    assert iso(add_business_time(NORTH_AMERICA, at("2026-11-21T12:00:00-08:00"), dt.timedelta(0))) == (
        "2026-11-21T20:00:00+00:00"
    )


def test_several_openings_a_day_skip_the_lunch_break():
    cal = Calendar.weekdays("Europe/Berlin", [(dt.time(13), dt.time(17)), (dt.time(8), dt.time(12))])
    assert cal.weekly[0] == ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17)))
    assert iso(add_business_time(cal, at("2026-11-23T11:00:00+01:00"), 2 * H)) == "2026-11-23T13:00:00+00:00"
    assert business_time_between(cal, at("2026-11-23T11:00:00+01:00"), at("2026-11-23T14:00:00+01:00")) == 2 * H
    assert not is_open(cal, at("2026-11-23T12:30:00+01:00"))
    assert iso(next_open(cal, at("2026-11-23T12:30:00+01:00"))) == "2026-11-23T12:00:00+00:00"


def test_an_opening_to_midnight_runs_into_the_next_day():
    cal = every_day("Europe/London", (dt.time(20), dt.time(0)), (dt.time(0), dt.time(2)))
    assert iso(add_business_time(cal, at("2026-11-23T23:00:00+00:00"), 2 * H)) == "2026-11-24T01:00:00+00:00"
    assert is_open(cal, at("2026-11-23T23:59:59+00:00"))
    assert is_open(cal, at("2026-11-24T00:00:00+00:00"))


def test_always_is_open_around_the_clock():
    cal = Calendar.always()
    assert cal.has_openings
    assert iso(add_business_time(cal, at("2026-12-31T23:30:00-08:00"), 1 * H)) == "2027-01-01T08:30:00+00:00"
    assert business_time_between(cal, at("2026-11-21T00:00:00+00:00"), at("2026-11-23T00:00:00+00:00")) == 48 * H


# --- Weekends, holidays, year boundaries ------------------------------------------------


class TestHolidays:
    def test_us_thanksgiving_and_the_weekend_are_skipped(self):
        # Thursday 26 November 2026 is Thanksgiving; Friday is open; then a weekend.
        assert not is_open(NORTH_AMERICA, at("2026-11-26T10:00:00-08:00"))
        due = add_business_time(NORTH_AMERICA, at("2026-11-25T16:00:00-08:00"), 8 * H)
        assert iso(due) == "2026-11-27T20:00:00+00:00"  # Friday 12:00 PST

    def test_thanksgiving_eve_runs_over_the_long_weekend(self):
        due = add_business_time(NORTH_AMERICA, at("2026-11-27T16:00:00-08:00"), 4 * H)
        assert iso(due) == "2026-11-30T16:00:00+00:00"  # Monday 08:00 PST

    def test_japan_labor_thanksgiving_day_closes_monday_23_november(self):
        assert not is_open(JAPAN, at("2026-11-23T10:00:00+09:00"))
        due = add_business_time(JAPAN, at("2026-11-20T17:00:00+09:00"), 4 * H)
        # 30 minutes on Friday, then Tuesday 09:00 + 3 h 30 min.
        assert iso(due) == "2026-11-24T03:30:00+00:00"
        assert iso(next_open(JAPAN, at("2026-11-21T12:00:00+09:00"))) == "2026-11-24T00:00:00+00:00"

    def test_a_holiday_counts_nothing_between_two_instants(self):
        start, end = at("2026-11-25T00:00:00-08:00"), at("2026-11-27T00:00:00-08:00")
        assert business_time_between(NORTH_AMERICA, start, end) == 12 * H


class TestYearBoundaries:
    def test_christmas_to_new_year_in_the_united_kingdom(self):
        # Thu 24 Dec open; 25 Christmas, 26–27 weekend, 28 Boxing Day observed; then open;
        # 1 January 2027 New Year's Day; then the weekend.
        due = add_business_time(UNITED_KINGDOM, at("2026-12-24T15:00:00+00:00"), 8 * H)
        assert iso(due) == "2026-12-29T15:00:00+00:00"
        due = add_business_time(UNITED_KINGDOM, at("2026-12-31T13:00:00+00:00"), 8 * H)
        assert iso(due) == "2027-01-04T13:00:00+00:00"

    def test_new_years_eve_in_los_angeles_is_already_next_year_in_utc(self):
        # 31 Dec 2027 is New Year's Day (observed); a Friday evening submission in 2027
        # local time is due in 2028.
        due = add_business_time(NORTH_AMERICA, at("2027-12-30T17:00:00-08:00"), 4 * H)
        assert iso(due) == "2028-01-03T17:00:00+00:00"

    def test_business_time_between_across_new_year(self):
        # Thursday 31 December and Monday 4 January; 1 January is a holiday, then a weekend.
        start, end = at("2026-12-31T00:00:00+00:00"), at("2027-01-05T00:00:00+00:00")
        assert business_time_between(UNITED_KINGDOM, start, end) == 2 * 8 * H


# --- Daylight-saving time: one class per real zone --------------------------------------


class TestAmericaLosAngeles:
    """Spring forward: 2026-03-08 02:00 PST -> 03:00 PDT (10:00 UTC).
    Fall back: 2026-11-01 02:00 PDT -> 01:00 PST (09:00 UTC)."""

    def test_opening_hour_moves_in_utc_across_spring_forward(self):
        assert iso(next_open(NORTH_AMERICA, at("2026-03-06T20:00:00-08:00"))) == "2026-03-09T13:00:00+00:00"
        due = add_business_time(NORTH_AMERICA, at("2026-03-06T16:00:00-08:00"), 4 * H)
        assert iso(due) == "2026-03-09T15:00:00+00:00"  # Monday 08:00 PDT

    def test_opening_hour_moves_in_utc_across_fall_back(self):
        due = add_business_time(NORTH_AMERICA, at("2026-10-30T16:00:00-07:00"), 4 * H)
        assert iso(due) == "2026-11-02T16:00:00+00:00"  # Monday 08:00 PST

    def test_a_sunday_night_opening_is_an_hour_shorter_at_spring_forward(self):
        cal = every_day("America/Los_Angeles", (dt.time(1), dt.time(4)))
        day = cal.spans_on(dt.date(2026, 3, 8))
        assert [(iso(s), iso(e)) for s, e in day] == [("2026-03-08T09:00:00+00:00", "2026-03-08T11:00:00+00:00")]
        assert iso(add_business_time(cal, at("2026-03-08T01:30:00-08:00"), 1 * H)) == "2026-03-08T10:30:00+00:00"

    def test_a_sunday_night_opening_is_an_hour_longer_at_fall_back(self):
        cal = every_day("America/Los_Angeles", (dt.time(1), dt.time(4)))
        start = at("2026-11-01T01:00:00-07:00")
        assert business_time_between(cal, start, at("2026-11-01T04:00:00-08:00")) == 4 * H
        # 01:30 occurs twice; the second 01:30 (PST) is still open.
        assert is_open(cal, at("2026-11-01T01:30:00-08:00"))
        assert iso(add_business_time(cal, start, 4 * H)) == "2026-11-01T12:00:00+00:00"

    def test_an_opening_at_a_skipped_wall_time_starts_when_the_clocks_jump(self):
        cal = every_day("America/Los_Angeles", (dt.time(2, 30), dt.time(4)))
        assert cal.spans_on(dt.date(2026, 3, 8)) == (
            (at("2026-03-08T10:00:00+00:00"), at("2026-03-08T11:00:00+00:00")),
        )
        assert iso(next_open(cal, at("2026-03-08T01:59:59-08:00"))) == "2026-03-08T10:00:00+00:00"

    def test_an_opening_ending_at_a_skipped_wall_time_ends_when_the_clocks_jump(self):
        cal = every_day("America/Los_Angeles", (dt.time(1), dt.time(2, 30)))
        assert business_time_between(cal, at("2026-03-08T00:00:00-08:00"), at("2026-03-08T12:00:00-07:00")) == H

    def test_an_opening_wholly_inside_the_gap_does_not_exist(self):
        cal = every_day("America/Los_Angeles", (dt.time(2), dt.time(3)))
        assert cal.spans_on(dt.date(2026, 3, 8)) == ()
        assert iso(next_open(cal, at("2026-03-08T00:00:00-08:00"))) == "2026-03-09T09:00:00+00:00"

    def test_a_whole_day_calendar_day_has_23_and_25_hours(self):
        cal = every_day("America/Los_Angeles", (dt.time(0), dt.time(0)))
        spring = cal.spans_on(dt.date(2026, 3, 8))[0]
        autumn = cal.spans_on(dt.date(2026, 11, 1))[0]
        assert spring[1] - spring[0] == 23 * H
        assert autumn[1] - autumn[0] == 25 * H
        # 24 hours of open time from Sunday midnight end at 01:00 PDT on Monday.
        due = add_business_time(cal, at("2026-03-08T00:00:00-08:00"), 24 * H)
        assert iso(due) == "2026-03-09T08:00:00+00:00"
        assert iso(due.astimezone(cal.zone)) == "2026-03-09T01:00:00-07:00"


class TestEuropeLondon:
    """Spring forward: 2026-03-29 01:00 GMT -> 02:00 BST (01:00 UTC).
    Fall back: 2026-10-25 02:00 BST -> 01:00 GMT (01:00 UTC)."""

    def test_friday_to_monday_across_spring_forward(self):
        due = add_business_time(UNITED_KINGDOM, at("2026-03-27T16:00:00+00:00"), 4 * H)
        assert iso(due) == "2026-03-30T11:00:00+00:00"  # Monday 12:00 BST

    def test_friday_to_monday_across_fall_back(self):
        due = add_business_time(UNITED_KINGDOM, at("2026-10-23T16:00:00+01:00"), 4 * H)
        assert iso(due) == "2026-10-26T12:00:00+00:00"  # Monday 12:00 GMT

    def test_the_transition_instants_themselves(self):
        cal = every_day("Europe/London", (dt.time(0), dt.time(0)))
        assert business_time_between(
            cal, at("2026-03-29T00:59:59+00:00"), at("2026-03-29T01:00:00+00:00")
        ) == dt.timedelta(seconds=1)
        assert iso(at("2026-03-29T01:00:00+00:00").astimezone(cal.zone)) == "2026-03-29T02:00:00+01:00"
        assert cal.spans_on(dt.date(2026, 3, 29))[0][1] - cal.spans_on(dt.date(2026, 3, 29))[0][0] == 23 * H
        assert cal.spans_on(dt.date(2026, 10, 25))[0][1] - cal.spans_on(dt.date(2026, 10, 25))[0][0] == 25 * H

    def test_a_skipped_one_oclock_opening_starts_at_the_jump(self):
        cal = every_day("Europe/London", (dt.time(1, 15), dt.time(3)))
        assert iso(next_open(cal, at("2026-03-29T00:30:00+00:00"))) == "2026-03-29T01:00:00+00:00"
        assert business_time_between(cal, at("2026-03-29T00:00:00+00:00"), at("2026-03-29T12:00:00+00:00")) == H


class TestEuropeBerlin:
    """Spring forward: 2026-03-29 02:00 CET -> 03:00 CEST (01:00 UTC).
    Fall back: 2026-10-25 03:00 CEST -> 02:00 CET (01:00 UTC)."""

    def test_friday_to_monday_across_spring_forward(self):
        due = add_business_time(GERMANY, at("2026-03-27T15:00:00+01:00"), 4 * H)
        assert iso(due) == "2026-03-30T09:00:00+00:00"  # Monday 11:00 CEST

    def test_friday_to_monday_across_fall_back(self):
        due = add_business_time(GERMANY, at("2026-10-23T15:00:00+02:00"), 4 * H)
        assert iso(due) == "2026-10-26T10:00:00+00:00"  # Monday 11:00 CET

    def test_a_night_shift_over_the_repeated_hour_is_an_hour_longer(self):
        cal = every_day("Europe/Berlin", (dt.time(1), dt.time(5)))
        before, after = at("2026-10-25T00:59:59+00:00"), at("2026-10-25T01:00:00+00:00")
        assert iso(before.astimezone(cal.zone)) == "2026-10-25T02:59:59+02:00"
        assert iso(after.astimezone(cal.zone)) == "2026-10-25T02:00:00+01:00"
        assert is_open(cal, before)
        assert is_open(cal, after)
        assert iso(add_business_time(cal, at("2026-10-25T01:00:00+02:00"), 5 * H)) == "2026-10-25T04:00:00+00:00"
        assert iso(add_business_time(cal, at("2026-10-25T01:00:00+02:00"), 5 * H + MIN)) == "2026-10-26T00:01:00+00:00"

    def test_a_night_shift_over_the_skipped_hour_is_an_hour_shorter(self):
        cal = every_day("Europe/Berlin", (dt.time(1), dt.time(5)))
        span = cal.spans_on(dt.date(2026, 3, 29))
        assert [(iso(s), iso(e)) for s, e in span] == [("2026-03-29T00:00:00+00:00", "2026-03-29T03:00:00+00:00")]


# --- is_open and next_open ---------------------------------------------------------------


class TestOpenAndNextOpen:
    def test_the_opening_instant_is_open_and_the_closing_instant_is_not(self):
        assert is_open(NORTH_AMERICA, at("2026-11-23T06:00:00-08:00"))
        assert is_open(NORTH_AMERICA, at("2026-11-23T17:59:59.999999-08:00"))
        assert not is_open(NORTH_AMERICA, at("2026-11-23T18:00:00-08:00"))

    def test_next_open_is_the_instant_itself_while_open(self):
        moment = at("2026-11-23T10:00:00-08:00")
        assert next_open(NORTH_AMERICA, moment) == moment

    def test_next_open_after_closing_is_tomorrow_morning(self):
        assert iso(next_open(NORTH_AMERICA, at("2026-11-23T18:00:00-08:00"))) == "2026-11-24T14:00:00+00:00"

    def test_next_open_before_opening_is_this_morning(self):
        assert iso(next_open(NORTH_AMERICA, at("2026-11-23T05:00:00-08:00"))) == "2026-11-23T14:00:00+00:00"


# --- Business time between ------------------------------------------------------------


def test_business_time_between_is_negative_backwards():
    start, end = at("2026-11-23T10:00:00-08:00"), at("2026-11-24T10:00:00-08:00")
    assert business_time_between(NORTH_AMERICA, start, end) == 12 * H
    assert business_time_between(NORTH_AMERICA, end, start) == -12 * H


def test_business_time_between_the_same_instant_is_zero():
    moment = at("2026-11-23T10:00:00-08:00")
    assert business_time_between(NORTH_AMERICA, moment, moment) == dt.timedelta(0)


# --- Bad input --------------------------------------------------------------------------


class NoOffset(dt.tzinfo):
    def utcoffset(self, value):
        return None


@pytest.mark.parametrize(
    "call",
    [
        lambda moment: is_open(NORTH_AMERICA, moment),
        lambda moment: next_open(NORTH_AMERICA, moment),
        lambda moment: add_business_time(NORTH_AMERICA, moment, H),
        lambda moment: business_time_between(NORTH_AMERICA, moment, at("2026-11-23T10:00:00+00:00")),
        lambda moment: business_time_between(NORTH_AMERICA, at("2026-11-23T10:00:00+00:00"), moment),
    ],
)
@pytest.mark.parametrize("moment", [dt.datetime(2026, 11, 23, 10), dt.datetime(2026, 11, 23, 10, tzinfo=NoOffset())])
def test_naive_datetimes_are_refused(call, moment):
    with pytest.raises(ValueError, match="must be an aware datetime"):
        call(moment)


def test_a_negative_target_is_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        add_business_time(NORTH_AMERICA, at("2026-11-23T10:00:00+00:00"), -MIN)


def test_a_calendar_without_openings_never_opens():
    closed = Calendar(zone=ZoneInfo("UTC"), weekly=((),) * 7)
    assert not closed.has_openings
    assert not is_open(closed, at("2026-11-23T10:00:00+00:00"))
    assert business_time_between(
        closed, at("2026-11-23T10:00:00+00:00"), at("2026-11-30T10:00:00+00:00")
    ) == dt.timedelta(0)
    with pytest.raises(ValueError, match="no opening hours"):
        next_open(closed, at("2026-11-23T10:00:00+00:00"))
    with pytest.raises(ValueError, match="no opening hours"):
        add_business_time(closed, at("2026-11-23T10:00:00+00:00"), H)


def test_a_calendar_closed_for_years_gives_up_with_a_clear_error():
    start = dt.date(2026, 1, 1)
    closed_days = frozenset(start + dt.timedelta(days=n) for n in range(businesshours.SEARCH_LIMIT_DAYS + 10))
    cal = Calendar.weekdays("UTC", [(dt.time(9), dt.time(17))], closed_days)
    with pytest.raises(ValueError, match="no opening within"):
        next_open(cal, at("2026-01-01T00:00:00+00:00"))
    with pytest.raises(ValueError, match="no opening within"):
        add_business_time(cal, at("2026-01-01T00:00:00+00:00"), H)


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        (((),) * 6, "7 entries"),
        (((dt.time(9), dt.time(9)),), "end after it starts"),
        (((dt.time(17), dt.time(9)),), "end after it starts"),
        (((dt.time(9), dt.time(13)), (dt.time(12), dt.time(17))), "overlap"),
        (((dt.time(20), dt.time(0)), (dt.time(21), dt.time(22))), "overlap"),
    ],
)
def test_bad_opening_hours_are_refused(weekly, message):
    if len(weekly) != 6:
        weekly = (weekly, *((),) * 6)
    with pytest.raises(ValueError, match=message):
        Calendar(zone=ZoneInfo("UTC"), weekly=weekly)


def test_touching_intervals_are_allowed():
    cal = Calendar(zone=ZoneInfo("UTC"), weekly=(((dt.time(9), dt.time(12)), (dt.time(12), dt.time(17))),) + ((),) * 6)
    assert business_time_between(cal, at("2026-11-23T00:00:00+00:00"), at("2026-11-24T00:00:00+00:00")) == 8 * H


def test_the_day_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(businesshours, "_CACHE_LIMIT", 3)
    cal = Calendar.weekdays("Europe/Berlin", [(dt.time(9), dt.time(17))])
    for offset in range(5):
        cal.spans_on(dt.date(2026, 11, 23) + dt.timedelta(days=offset))
    assert len(cal._days) <= 3
    assert cal.spans_on(dt.date(2026, 11, 27)) == cal._compute_spans(dt.date(2026, 11, 27))


def test_calendars_with_the_same_hours_are_equal_and_hashable():
    one = Calendar.weekdays("Europe/Berlin", [(dt.time(9), dt.time(17))], [dt.date(2026, 12, 25)])
    two = Calendar.weekdays("Europe/Berlin", [(dt.time(9), dt.time(17))], {dt.date(2026, 12, 25)})
    one.spans_on(dt.date(2026, 11, 23))
    assert one == two
    assert hash(one) == hash(two)

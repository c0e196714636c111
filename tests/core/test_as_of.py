"""`?as_of=YYYY-MM-DD` on a public page: the day it describes and the moment of its data."""

from __future__ import annotations

import datetime as dt

from django.test import RequestFactory

from core.as_of import as_of_from
from core.history import moment_for

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)  # still the 22nd in Los Angeles
TODAY = dt.date(2026, 11, 22)


def request(**query: str):
    return RequestFactory().get("/page/", query)


def test_without_as_of_the_page_is_live_and_describes_its_today():
    as_of = as_of_from(request(), today=TODAY, now=NOW)
    assert (as_of.on, as_of.at, as_of.date, as_of.error) == (TODAY, None, None, "")


def test_a_past_date_reads_the_data_at_the_end_of_that_utc_day():
    as_of = as_of_from(request(as_of="2026-03-01"), today=TODAY, now=NOW)
    assert as_of.on == as_of.date == dt.date(2026, 3, 1)
    assert as_of.at == moment_for(dt.date(2026, 3, 1)) == dt.datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=dt.UTC)


def test_today_in_utc_is_allowed_even_when_the_pages_today_is_earlier():
    assert as_of_from(request(as_of="2026-11-23"), today=TODAY, now=NOW).error == ""


def test_a_future_or_malformed_date_is_an_error_and_the_page_stays_live():
    future = as_of_from(request(as_of="2026-11-24"), today=TODAY, now=NOW)
    assert "is in the future" in future.error
    assert (future.on, future.at) == (TODAY, None)
    assert "YYYY-MM-DD" in as_of_from(request(as_of="01/03/2026"), today=TODAY, now=NOW).error

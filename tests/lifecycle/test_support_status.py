"""version_support_status(version, on): what the incident form uses to flag a version."""

from __future__ import annotations

import datetime as dt

import pytest

from lifecycle.models import Phase
from lifecycle.selectors import version_support_status
from lifecycle.services import lifecycle_policy_update

pytestmark = pytest.mark.django_db


def test_a_version_in_mainstream_or_current_has_no_warning(versions):
    status = version_support_status(versions["29.0"], dt.date(2026, 11, 23))
    assert status.is_supported
    assert status.phase == Phase.CURRENT
    assert status.message == ""
    assert version_support_status(versions["11.0"], dt.date(2020, 1, 1)).message == ""


def test_a_superseded_modern_version_is_out_of_support_since_the_successor_shipped(versions):
    status = version_support_status(versions["28.0"], dt.date(2026, 11, 23))
    assert not status.is_supported
    assert status.phase == Phase.ENDED
    assert status.ends_on == dt.date(2026, 10, 18)
    assert "out of support since 2026-10-19" in status.message


def test_extended_support_is_supported_with_a_warning(versions):
    status = version_support_status(versions["11.0"], dt.date(2026, 11, 23))
    assert status.is_supported
    assert status.phase == Phase.EXTENDED
    assert "extended support until 2028-01-11" in status.message


def test_an_instant_is_read_in_the_zone_of_the_lifecycle_dates(versions, now):
    lifecycle_policy_update(policy_text="x", notice_period_months=12, dates_time_zone="America/Los_Angeles", now=now)
    # 2028-01-12 05:00 UTC is still 11 January in Los Angeles: the last day of extended support.
    late_evening = dt.datetime(2028, 1, 12, 5, 0, tzinfo=dt.UTC)
    assert version_support_status(versions["11.0"], late_evening).is_supported
    assert not version_support_status(versions["11.0"], late_evening + dt.timedelta(hours=9)).is_supported


def test_support_status_takes_two_queries(versions, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        version_support_status(versions["28.0"], dt.date(2026, 11, 23))

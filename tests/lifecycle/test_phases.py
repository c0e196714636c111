"""The lifecycle phase of a version on a date (pure; no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from lifecycle import phases

D = dt.date

FIXED = {
    "policy": "fixed",
    "released_on": D(2018, 1, 15),
    "mainstream_end_on": D(2023, 1, 10),
    "extended_end_on": D(2028, 1, 11),
    "successor_released_on": None,
}
MODERN = {
    "policy": "modern",
    "released_on": D(2026, 4, 20),
    "mainstream_end_on": None,
    "extended_end_on": None,
    "successor_released_on": D(2026, 10, 19),
}


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (D(2018, 1, 14), phases.UPCOMING),
        (D(2018, 1, 15), phases.MAINSTREAM),
        (D(2023, 1, 10), phases.MAINSTREAM),  # the end date is the last day of mainstream support
        (D(2023, 1, 11), phases.EXTENDED),
        (D(2028, 1, 11), phases.EXTENDED),
        (D(2028, 1, 12), phases.ENDED),
    ],
)
def test_fixed_policy_moves_from_mainstream_to_extended_to_ended(on, expected):
    assert phases.version_phase(**FIXED, on=on) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (D(2026, 4, 19), phases.UPCOMING),
        (D(2026, 4, 20), phases.CURRENT),
        (D(2026, 10, 18), phases.CURRENT),
        (D(2026, 10, 19), phases.ENDED),  # the successor's release ends support
    ],
)
def test_modern_policy_is_supported_while_current(on, expected):
    assert phases.version_phase(**MODERN, on=on) == expected


def test_modern_version_without_successor_stays_current_until_an_announced_end():
    latest = {**MODERN, "successor_released_on": None}
    assert phases.version_phase(**latest, on=D(2030, 1, 1)) == phases.CURRENT
    ending = {**latest, "mainstream_end_on": D(2027, 1, 31)}
    assert phases.version_phase(**ending, on=D(2027, 1, 31)) == phases.CURRENT
    assert phases.version_phase(**ending, on=D(2027, 2, 1)) == phases.ENDED


def test_fixed_version_without_end_dates_counts_as_mainstream():
    undated = {**FIXED, "mainstream_end_on": None, "extended_end_on": None}
    assert phases.version_phase(**undated, on=D(2040, 1, 1)) == phases.MAINSTREAM


def test_fixed_version_with_only_a_mainstream_end_ends_after_it():
    short = {**FIXED, "extended_end_on": None}
    assert phases.version_phase(**short, on=D(2023, 1, 11)) == phases.ENDED


def test_unreleased_version_is_upcoming():
    assert phases.version_phase(**{**FIXED, "released_on": None}, on=D(2020, 1, 1)) == phases.UPCOMING


def test_a_datetime_is_refused_because_the_day_depends_on_the_zone():
    with pytest.raises(TypeError):
        phases.version_phase(**FIXED, on=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))


def test_unknown_policy_is_an_error():
    with pytest.raises(ValueError, match="unknown lifecycle policy"):
        phases.version_phase(**{**FIXED, "policy": "eternal"}, on=D(2020, 1, 1))


def test_support_ends_on_the_last_day_of_the_last_phase():
    assert phases.support_ends_on(**{k: v for k, v in FIXED.items() if k != "released_on"}) == D(2028, 1, 11)
    assert phases.support_ends_on(**{k: v for k, v in MODERN.items() if k != "released_on"}) == D(2026, 10, 18)
    assert (
        phases.support_ends_on(
            policy="modern", mainstream_end_on=None, extended_end_on=None, successor_released_on=None
        )
        is None
    )


def test_years_before_handles_29_february():
    assert phases.years_before(D(2028, 2, 29)) == D(2027, 2, 28)
    assert phases.years_before(D(2026, 11, 23)) == D(2025, 11, 23)

"""The lifecycle phase of a version on a date: pure functions, no Django.

Fixed policy (Microsoft's Fixed Lifecycle Policy): mainstream support until the mainstream
end date, then extended support until the extended end date, then ended. Modern policy:
supported while current, i.e. until the next version of the same product is released (or an
announced end of servicing passes). A date is the last day of its phase, inclusive.
"""

from __future__ import annotations

import datetime as dt

UPCOMING = "upcoming"
MAINSTREAM = "mainstream"
EXTENDED = "extended"
CURRENT = "current"
ENDED = "ended"

SUPPORTED_PHASES = frozenset({MAINSTREAM, EXTENDED, CURRENT})


def version_phase(
    *,
    policy: str,
    released_on: dt.date | None,
    mainstream_end_on: dt.date | None,
    extended_end_on: dt.date | None,
    successor_released_on: dt.date | None,
    on: dt.date,
) -> str:
    """The phase on day `on`. `successor_released_on` matters for the modern policy only."""
    if isinstance(on, dt.datetime):
        raise TypeError("on must be a date, not a datetime: convert it in the policy's time zone first")
    if released_on is None or on < released_on:
        return UPCOMING
    if policy == "modern":
        if successor_released_on is not None and on >= successor_released_on:
            return ENDED
        if mainstream_end_on is not None and on > mainstream_end_on:
            return ENDED
        return CURRENT
    if policy != "fixed":
        raise ValueError(f"unknown lifecycle policy {policy!r}")
    if mainstream_end_on is None or on <= mainstream_end_on:
        return MAINSTREAM
    if extended_end_on is not None and on <= extended_end_on:
        return EXTENDED
    return ENDED


def support_ends_on(
    *,
    policy: str,
    mainstream_end_on: dt.date | None,
    extended_end_on: dt.date | None,
    successor_released_on: dt.date | None,
) -> dt.date | None:
    """The last day of support, if known."""
    if policy == "modern":
        candidates = [d for d in (mainstream_end_on,) if d is not None]
        if successor_released_on is not None:
            candidates.append(successor_released_on - dt.timedelta(days=1))
        return min(candidates) if candidates else None
    return extended_end_on or mainstream_end_on


def years_before(day: dt.date, years: int = 1) -> dt.date:
    """The same calendar day `years` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)

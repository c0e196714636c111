"""`sla_clock(incident, now)`: the one answer to "is the response on time" (no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from sla.clock import SlaState, sla_clock

DUE = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC)
WARNING = DUE - dt.timedelta(minutes=30)
MIN = dt.timedelta(minutes=1)


@dataclass
class Stub:
    response_due_at: dt.datetime | None = DUE
    response_warning_at: dt.datetime | None = WARNING
    first_response_at: dt.datetime | None = None
    is_preview_feature: bool = False
    is_open: bool = True


@pytest.mark.parametrize(
    ("incident", "now", "state", "remaining"),
    [
        (Stub(), WARNING - MIN, SlaState.RUNNING, 31 * MIN),
        (Stub(), WARNING, SlaState.WARNING, 30 * MIN),  # the policy's warning step, not an hour before
        (Stub(response_warning_at=None), DUE - MIN, SlaState.RUNNING, MIN),  # a policy without a warning step
        (Stub(), DUE, SlaState.BREACHED, dt.timedelta(0)),
        (Stub(), DUE + 2 * MIN, SlaState.BREACHED, -2 * MIN),
        (Stub(first_response_at=DUE), DUE + 60 * MIN, SlaState.MET, None),
        (Stub(first_response_at=DUE + MIN), DUE, SlaState.MISSED, None),
        (Stub(is_preview_feature=True), DUE, SlaState.NONE, None),
        (Stub(response_due_at=None, response_warning_at=None), DUE, SlaState.NONE, None),
        (Stub(is_open=False), DUE + MIN, SlaState.NONE, None),  # closed without a response
    ],
)
def test_the_state_at_an_instant(incident, now, state, remaining):
    clock = sla_clock(incident, now)
    assert (clock.state, clock.remaining) == (state, remaining)


def test_a_running_clock_carries_the_instants_its_state_changes_at():
    clock = sla_clock(Stub(), WARNING - MIN)
    assert (clock.warning_at, clock.due_at) == (WARNING, DUE)
    assert not clock.is_final
    assert clock.label == "On track"


def test_responded_and_commitment_free_clocks_are_final():
    assert sla_clock(Stub(first_response_at=WARNING), DUE).is_final
    assert sla_clock(Stub(is_preview_feature=True), DUE).due_at is None
    assert sla_clock(Stub(is_preview_feature=True), DUE).is_final

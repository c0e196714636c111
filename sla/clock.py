"""The initial-response clock of an incident: one answer to "is the response on time".

`sla_clock(incident, now)` is used by the engineers' queue, the incident pages, the API
and (through the data attributes it renders) `static/js/queue.js`. It reads only stored
fields: the deadline and the warning instant. The warning is the escalation policy's
warning step (a share of the target); the escalation watcher, a higher layer, writes its
instant onto the incident as `response_warning_at` when it plans the steps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from django.utils.translation import gettext_lazy as _


class ClockedIncident(Protocol):
    """What the clock reads of an incident (`incidents.models.Incident`)."""

    response_due_at: dt.datetime | None
    response_warning_at: dt.datetime | None
    first_response_at: dt.datetime | None
    is_preview_feature: bool

    @property
    def is_open(self) -> bool: ...


class SlaState(StrEnum):
    RUNNING = "running"  # waiting for the first response, before the warning
    WARNING = "warning"  # past the escalation policy's warning step, before the deadline
    BREACHED = "breached"  # past the deadline, still no response
    MET = "met"  # responded by the deadline
    MISSED = "missed"  # responded after the deadline
    NONE = "none"  # no commitment (preview feature), or closed without a response


SLA_STATE_LABELS = {
    SlaState.RUNNING: _("On track"),
    SlaState.WARNING: _("Warning"),
    SlaState.BREACHED: _("Breached"),
    SlaState.MET: _("Met"),
    SlaState.MISSED: _("Missed"),
    SlaState.NONE: _("No deadline"),
}


@dataclass(frozen=True)
class SlaClock:
    state: SlaState
    due_at: dt.datetime | None
    warning_at: dt.datetime | None  # when a running clock turns to warning (None: no warning step)
    responded_at: dt.datetime | None
    remaining: dt.timedelta | None  # until the deadline (negative once breached); None once final

    @property
    def label(self) -> str:
        return str(SLA_STATE_LABELS[self.state])

    @property
    def is_final(self) -> bool:
        """Met, missed or not applicable: the state no longer changes with time."""
        return self.state in (SlaState.MET, SlaState.MISSED, SlaState.NONE)


def sla_clock(incident: ClockedIncident, now: dt.datetime) -> SlaClock:
    """The state of the incident's initial-response clock at `now` (no query)."""
    due_at = incident.response_due_at
    responded_at = incident.first_response_at
    warning_at = incident.response_warning_at
    if incident.is_preview_feature or due_at is None:
        return SlaClock(SlaState.NONE, None, None, responded_at, None)
    if responded_at is not None:
        state = SlaState.MET if responded_at <= due_at else SlaState.MISSED
        return SlaClock(state, due_at, warning_at, responded_at, None)
    if not incident.is_open:
        return SlaClock(SlaState.NONE, due_at, warning_at, None, None)
    if now >= due_at:
        state = SlaState.BREACHED
    elif warning_at is not None and now >= warning_at:
        state = SlaState.WARNING
    else:
        state = SlaState.RUNNING
    return SlaClock(state, due_at, warning_at, None, due_at - now)

"""Escalations on the incident's timeline, recorded by the escalation app.

The escalation app sits above incidents: it calls this service in the transaction that
fires a step or pages the contacts for a person's request, and the timeline then reads
only incidents' own rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from incidents.models import EscalationEntry


@dataclass(frozen=True)
class Escalated:
    incident_id: int
    kind: str  # an `EscalationKind`
    title: str
    fired_at: dt.datetime
    reason: str = ""  # an `EscalationReason`, for a person's request
    requested_by: str = ""  # the person's name, for a person's request


def escalations_record(*, fired: Sequence[Escalated]) -> None:
    """One timeline row per escalation, in one statement."""
    EscalationEntry.objects.bulk_create(
        [
            EscalationEntry(
                incident_id=item.incident_id,
                kind=item.kind,
                title=item.title[:200],
                reason=item.reason,
                requested_by=item.requested_by[:200],
                fired_at=item.fired_at,
            )
            for item in fired
        ]
    )

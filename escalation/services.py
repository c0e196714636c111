"""Escalation services: when an incident needs looking at next."""

from __future__ import annotations

import datetime as dt

from incidents.models import Incident


def incident_next_check_compute(incident: Incident) -> dt.datetime | None:
    """The earliest instant at which the watcher must look at the incident again.

    May be early, never late. An incident that is closed, responded or without a
    response commitment needs no watching.
    """
    if not incident.is_open or incident.first_response_at is not None or incident.response_due_at is None:
        return None
    return incident.response_due_at


def incident_next_check_refresh(incident: Incident) -> None:
    """Recompute and store `next_check_at` after any input changed."""
    incident.next_check_at = incident_next_check_compute(incident)
    Incident.objects.filter(pk=incident.pk).update(next_check_at=incident.next_check_at)

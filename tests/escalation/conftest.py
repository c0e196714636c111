from __future__ import annotations

import datetime as dt

import pytest

from escalation.watcher import escalation_sweep
from incidents.services import NewIncident, incident_create


@pytest.fixture
def file_incident(organization, customer, sla):
    """File an incident through the service at a given instant."""
    from accounts.models import Contract

    Contract.objects.filter(organization=organization).update(incidents_allotted=1000)

    def make(
        *,
        at: dt.datetime,
        severity: str = "A",
        title: str = "Shipments cannot be posted",
        planned: bool = True,
        **extra,
    ):
        """With `planned`, the watcher's sweep at the submission instant has planned its steps
        (`next_check_at` is then the first step's due time), as it does seconds after a
        submission."""
        data = NewIncident(title=title, description="Posting fails.", severity=sla["severities"][severity], **extra)
        incident = incident_create(organization=organization, submitted_by=customer, data=data, now=at).incident
        if planned:
            escalation_sweep(now=at)
            incident.refresh_from_db()
        return incident

    return make

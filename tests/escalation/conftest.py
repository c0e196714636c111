from __future__ import annotations

import datetime as dt

import pytest

from incidents.services import NewIncident, incident_create


@pytest.fixture
def file_incident(organization, customer, sla):
    """File an incident through the service at a given instant."""
    from accounts.models import Contract

    Contract.objects.filter(organization=organization).update(incidents_allotted=1000)

    def make(*, at: dt.datetime, severity: str = "A", title: str = "Shipments cannot be posted", **extra):
        data = NewIncident(title=title, description="Posting fails.", severity=sla["severities"][severity], **extra)
        return incident_create(organization=organization, submitted_by=customer, data=data, now=at)

    return make

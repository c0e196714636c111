"""Requested escalations appear on the customer's incident timeline; the watcher's own
warnings and levels stay internal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from escalation.services.requests import escalation_request_by_customer
from incidents.models import EscalationKind
from incidents.services import NewIncident, incident_create
from incidents.services.escalations import Escalated, escalations_record
from tests.factories import severity

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(organization, customer, now):
    return incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Shipments cannot be posted", description="Posting fails.", severity=severity("B")),
        now=now,
    ).incident


def test_a_requested_escalation_shows_on_the_customer_timeline(client, customer, incident, now):
    escalation_request_by_customer(
        incident=incident, user=customer, criterion="impact_grew", description="All sites down.", now=now
    )
    client.force_login(customer)
    content = client.get(reverse("incidents:detail", args=[incident.number])).content.decode()
    assert "requested an escalation (The business impact has grown); the escalation contacts were paged." in content


def test_the_watchers_own_escalations_stay_internal(client, customer, incident, now):
    escalations_record(
        fired=[Escalated(incident_id=incident.pk, kind=EscalationKind.BREACH, title="Breach", fired_at=now)]
    )
    client.force_login(customer)
    content = client.get(reverse("incidents:detail", args=[incident.number])).content.decode()
    assert "Escalated" not in content

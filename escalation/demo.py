"""Demo escalation contacts and the watcher's first sweep over the demo incidents."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from escalation.models import Criterion, EscalationContact, EscalationStep, StepKind
from escalation.services.requests import escalation_request_by_customer
from escalation.watcher import escalation_sweep
from incidents.models import Incident
from notify.models import WebhookEndpoint, WebhookFormat

# name, role, email, phone, hours, channels, public, order
CONTACTS = [
    (
        "Dana Whitfield",
        "Escalation manager (named contact for Microsoft)",
        "escalations@contoso.example",
        "+1 425 555 0142",
        "Monday–Friday 06:00–18:00 Pacific Time; 24/7 for Severity A",
        "phone, email, Microsoft Teams",
        True,
        1,
    ),
    (
        "Henrik Lund",
        "Head of support, Europe",
        "henrik.lund@contoso.example",
        "+45 55 55 01 42",
        "Monday–Friday 08:00–17:00 Central European Time",
        "phone, email",
        True,
        2,
    ),
    (
        "On-call support engineer",
        "Out-of-hours duty phone (internal)",
        "oncall@contoso.example",
        "+44 20 5555 0142",
        "24/7",
        "phone",
        False,
        3,
    ),
]


def seed(*, now: dt.datetime, stdout) -> None:
    verified_on = (now - dt.timedelta(days=20)).date()
    contacts = []
    for name, role, email, phone, hours, channels, is_public, order in CONTACTS:
        contact, _ = EscalationContact.objects.get_or_create(
            email=email,
            defaults={
                "name": name,
                "role": role,
                "phone": phone,
                "hours": hours,
                "channels": channels,
                "is_public": is_public,
                "verified_on": verified_on,
                "display_order": order,
            },
        )
        contacts.append(contact)
    # The last level of every default policy pages the named contacts.
    for policy_id in EscalationStep.objects.values_list("policy_id", flat=True).distinct():
        last = (
            EscalationStep.objects.filter(policy_id=policy_id, kind=StepKind.LEVEL)
            .order_by("-percent_of_target", "-extra_minutes")
            .first()
        )
        if last is not None:
            last.notify_contacts.add(*contacts)
    WebhookEndpoint.objects.get_or_create(
        name="Support team channel (Microsoft Teams, example)",
        defaults={
            "url": "https://contoso.webhook.office.com/webhookb2/example",
            "format": WebhookFormat.TEAMS,
            "on_escalated": True,
            "is_active": False,
        },
    )
    # A customer's escalation on the critical demo incident, for its timeline.
    incident = Incident.objects.filter(title="Warehouse shipments cannot be posted in production").first()
    customer = get_user_model().objects.filter(username="carl@fabrikam.example").first()
    if incident is not None and customer is not None and not incident.escalation_requests.exists():
        escalation_request_by_customer(
            incident=incident,
            user=customer,
            criterion=Criterion.IMPACT_GREW,
            description="All three warehouses have stopped shipping; trucks are waiting at the docks.",
            now=max(now, incident.submitted_at + dt.timedelta(minutes=5)),
        )
    # Demo incidents filed hours ago may already be overdue: fire their steps now, marked late
    # (on a weekend the business-hours targets are not due yet; the worker fires them later).
    result = escalation_sweep(now=now)
    stdout.write(f"  escalation: {len(contacts)} contacts, {result.fired} escalation events fired")

"""What an escalation event says and to whom: its emails and webhooks, written to the outbox.

The sweep (`escalation.watcher`) and a verified escalation request call
`event_deliveries_create` in the transaction that writes the event, so the event and its
deliveries commit together (or not at all); `notify` sends them. Each event is one key in the
outbox ("escalation-event:<id>"): an address or an endpoint gets it once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from escalation.models import EscalationContact, EscalationEvent, EscalationStep
from incidents.notifications import incident_email_facts, incident_webhook_payload
from notify.models import Delivery, WebhookEndpoint, WebhookEvent
from notify.services import Email, deliveries_create, email_delivery, endpoints_subscribed, webhook_deliveries


def event_key(event: EscalationEvent) -> str:
    return f"escalation-event:{event.pk}"


@dataclass
class RecipientCache:
    """Recipients that do not depend on the incident, looked up once per step (and once
    for requested escalations) and shared by every event of a batch."""

    _steps: dict[int, list[str]] = field(default_factory=dict)
    _contacts: list[str] | None = None

    def for_step(self, step: EscalationStep) -> list[str]:
        if step.pk not in self._steps:
            users = get_user_model().objects.filter(groups__in=step.notify_groups.all(), is_active=True)
            emails = list(users.exclude(email="").values_list("email", flat=True).distinct())
            emails.extend(step.notify_contacts.values_list("email", flat=True))
            self._steps[step.pk] = emails
        return self._steps[step.pk]

    def contacts(self) -> list[str]:
        if self._contacts is None:
            self._contacts = list(EscalationContact.objects.values_list("email", flat=True))
        return self._contacts


def event_recipients(
    event: EscalationEvent, *, assignee_email: str = "", cache: RecipientCache | None = None
) -> list[str]:
    """Who hears about an event: the step's recipients, or the escalation contacts (and the
    assigned engineer) for a requested escalation. Never empty: the support team's
    address is the fallback."""
    cache = cache or RecipientCache()
    step = event.step
    emails: list[str] = []
    if assignee_email and (step is None or step.notify_assignee):
        emails.append(assignee_email)
    emails.extend(cache.for_step(step) if step is not None else cache.contacts())
    unique = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    return unique or [settings.SUPPORT_TEAM_EMAIL]


def event_email_context(event: EscalationEvent) -> dict[str, Any]:
    """What an event's email says, as plain JSON facts, rendered when it is sent
    (`notify.rendering`). The request's reason is stored as its source text and translated
    by the template."""
    incident = event.incident
    request = event.request
    return {
        "event": {
            "title": event.title,
            "step": event.step_id is not None,
            "due_at": event.due_at,
            "fired_at": event.fired_at,
            "is_late": event.is_late,
        },
        "incident": incident_email_facts(incident) if incident is not None else None,
        "request": {
            "name": request.name,
            "email": request.email,
            "microsoft_case_number": request.microsoft_case_number,
            "customer": request.customer,
            "criterion": _source_text(request.get_criterion_display()),
            "description": request.description,
        }
        if request is not None
        else None,
        "incident_url": f"{settings.SITE_URL}/admin/incidents/incident/{event.incident_id}/change/"
        if event.incident_id
        else "",
        "escalation_url": f"{settings.SITE_URL}/admin/escalation/escalationevent/{event.pk}/change/",
        "VENDOR_NAME": settings.VENDOR_NAME,
        "PRODUCT_NAME": settings.PRODUCT_NAME,
    }


def _source_text(label: Any) -> str:
    """A choice's label as written in the code (the msgid), for the template to translate."""
    with translation.override(None):
        return str(label)


def escalation_webhook_payload(event: EscalationEvent, *, now: dt.datetime) -> dict[str, Any]:
    assert event.incident is not None  # noqa: S101 - only events of an incident have webhooks
    payload = incident_webhook_payload(event=WebhookEvent.ESCALATED, incident=event.incident, now=now)
    payload["escalation"] = {
        "id": event.pk,
        "kind": event.kind,
        "title": event.title,
        "due_at": event.due_at.isoformat(),
        "fired_at": event.fired_at.isoformat(),
        "late_by_seconds": int(event.late_by.total_seconds()),
    }
    return payload


def event_deliveries_create(
    events: list[EscalationEvent], *, now: dt.datetime, endpoints: list[WebhookEndpoint] | None = None
) -> list[int]:
    """Inside the transaction that wrote `events`: one email per recipient and one POST per
    subscribed endpoint of each event, in one INSERT, sent once it commits. `endpoints`:
    the active endpoints subscribed to escalations (looked up here when not given)."""
    if not events:
        return []
    if endpoints is None:
        endpoints = endpoints_subscribed(WebhookEvent.ESCALATED)
    assignees = [event.incident.assignee_id for event in events if event.incident and event.incident.assignee_id]
    assignee_emails = dict(get_user_model().objects.filter(pk__in=assignees).values_list("pk", "email"))
    cache = RecipientCache()
    rows: list[Delivery] = []
    for event in events:
        rows.extend(_event_deliveries(event, now=now, endpoints=endpoints, cache=cache, assignees=assignee_emails))
    return deliveries_create(rows)


def _event_deliveries(
    event: EscalationEvent,
    *,
    now: dt.datetime,
    endpoints: list[WebhookEndpoint],
    cache: RecipientCache,
    assignees: dict[int, str],
) -> list[Delivery]:
    """One event's emails (one per recipient) and posts (one per endpoint that may see it)."""
    key = event_key(event)
    incident = event.incident
    reference = incident.number if incident is not None else ""
    context = event_email_context(event)
    assignee_email = assignees.get(incident.assignee_id, "") if incident and incident.assignee_id else ""
    headers = {"X-Portal-Escalation-Event": str(event.pk)}
    # In the site's language and zone: the emails go to the support team, whoever's request
    # wrote the event.
    rows = [
        email_delivery(
            key=key,
            email=Email(
                to=address,
                template="emails/escalation/event",
                context=context,
                language=settings.LANGUAGE_CODE,
                time_zone=settings.TIME_ZONE,
                headers=headers,
            ),
            now=now,
            reference=reference,
        )
        for address in event_recipients(event, assignee_email=assignee_email, cache=cache)
    ]
    if incident is not None:
        rows.extend(
            webhook_deliveries(
                key=key,
                event=WebhookEvent.ESCALATED,
                payload=escalation_webhook_payload(event, now=now),
                organization_id=incident.organization_id,
                now=now,
                endpoints=endpoints,
                reference=reference,
            )
        )
    return rows

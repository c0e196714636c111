"""What incidents tell people and receivers: the new-incident emails (to the submitter, the
organisation's admins who asked for them, and the support team) and the incident webhooks.

Both are written to the outbox (`notify`) inside a transaction, so nothing is sent for a
change that rolled back, and nobody's request waits for the mail server: a worker sends
them once the transaction commits, and beat's re-send takes over when the broker or the
mail server was down. A status change or first response writes its webhook in its own
transaction; a new incident's webhook and emails are written by the escalation sweep
seconds after the submission, as its `announcement` says (`incident_announce`). Each email
is rendered in its recipient's language, with times in their zone and in the region's zone,
by the worker that sends it: the outbox keeps only the facts (`incident_email_facts`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from accounts.models import Membership, Role
from incidents.models import Announcement, Incident
from incidents.update_emails import assigned_email_enqueue
from notify.models import WebhookEvent
from notify.services import Email, emails_enqueue, webhook_enqueue


@dataclass(frozen=True)
class Recipient:
    email: str
    audience: str  # "submitter", "admin" or "team"
    language: str
    time_zone: str


def incident_submitted_recipients(incident: Incident) -> list[Recipient]:
    submitter = incident.submitted_by
    membership = getattr(submitter, "membership", None)
    region_zone = incident.region.time_zone
    recipients = [
        Recipient(
            email=submitter.email,
            audience="submitter",
            language=membership.language if membership else incident.organization.language,
            time_zone=membership.time_zone if membership else incident.organization.time_zone,
        )
    ]
    admins = (
        Membership.objects.filter(
            organization_id=incident.organization_id, role=Role.ADMIN, is_active=True, notify_on_all_incidents=True
        )
        .exclude(user_id=submitter.pk)
        .select_related("user")
        .order_by("user__email")
    )
    recipients += [
        Recipient(email=m.user.email, audience="admin", language=m.language, time_zone=m.time_zone)
        for m in admins
        if m.user.email
    ]
    if settings.SUPPORT_TEAM_EMAIL:
        recipients.append(
            Recipient(email=settings.SUPPORT_TEAM_EMAIL, audience="team", language="en", time_zone=region_zone)
        )
    # Each address once (the outbox holds one email per event and address).
    unique = {r.email.strip().lower(): r for r in reversed(recipients) if r.email}
    return [r for r in recipients if r.email and unique.get(r.email.strip().lower()) is r]


def incident_email_facts(incident: Incident) -> dict[str, Any]:
    """What the incident emails say about an incident, as plain JSON facts (rendered when
    sent, in each recipient's language: `notify.rendering`). Seeded names are stored as
    their source text and translated by the templates."""
    submitter = incident.submitted_by
    return {
        "number": incident.number,
        "title": incident.title,
        "severity_code": incident.severity.code,
        "severity_name": incident.severity.name,
        "plan_name": incident.plan.name,
        "region_name": incident.region.name,
        "organization_name": incident.organization.name,
        "submitted_by_name": submitter.get_full_name() if submitter else "",
        "submitted_by_email": submitter.email if submitter else "",
        "contact_phone": incident.contact_phone,
        "microsoft_case_number": incident.microsoft_case_number,
        "response_due_at": incident.response_due_at,
    }


def _email(incident: Incident, facts: dict[str, Any], recipient: Recipient) -> Email:
    template = "team_new" if recipient.audience == "team" else "submitted"
    return Email(
        to=recipient.email,
        template=f"emails/incidents/{template}",
        context={
            "incident": facts,
            "audience": recipient.audience,
            "url": incident_url(incident),
            "admin_url": settings.SITE_URL + reverse("admin:incidents_incident_change", args=[incident.pk]),
            "viewer_zone": recipient.time_zone,
            "region_zone": incident.region.time_zone,
            "PRODUCT_NAME": settings.PRODUCT_NAME,
            "VENDOR_NAME": settings.VENDOR_NAME,
        },
        language=recipient.language,
        time_zone=recipient.time_zone,
    )


def incident_submitted_emails_enqueue(*, incident: Incident, now: dt.datetime) -> list[int]:
    """Inside the sweep's transaction (`incident_announce`): one email per recipient,
    rendered and sent by a worker once it commits."""
    facts = incident_email_facts(incident)
    emails = [_email(incident, facts, recipient) for recipient in incident_submitted_recipients(incident)]
    return emails_enqueue(key=f"incident-submitted:{incident.pk}", emails=emails, now=now, reference=incident.number)


def incident_announce(*, incident: Incident, announcement: str, now: dt.datetime) -> None:
    """The one reader of `Incident.announcement`: the watcher's sweep, in its transaction,
    for a new incident it has just claimed (the claim's statement set the field back to
    `Announcement.NONE`; `announcement` is the value the sweep read). Writes the created
    webhook and, for `WEBHOOK_AND_EMAILS`, the new-incident emails to the outbox; it writes
    nothing on the incident. The sweep's claim on `next_check_at` lets one sweeper announce
    an incident, and the outbox's unique (event, recipient) keys would refuse a second
    write anyway."""
    if announcement == Announcement.NONE:
        return
    incident_webhook_enqueue(
        key=f"incident-created:{incident.pk}", event=WebhookEvent.CREATED, incident=incident, now=incident.submitted_at
    )
    if announcement == Announcement.WEBHOOK_AND_EMAILS:
        incident_submitted_emails_enqueue(incident=incident, now=now)


def incident_assigned_email_enqueue(*, incident: Incident, assignee: AbstractBaseUser, now: dt.datetime) -> list[int]:
    """Inside the assignment's transaction: the new assignee hears of it (unless they turned
    assignment e-mails off); `incidents.update_emails` writes it like every update e-mail."""
    return assigned_email_enqueue(incident=incident, assignee=assignee, now=now)


# --- Webhooks ------------------------------------------------------------------------------


def incident_url(incident: Incident) -> str:
    """The customer's page of the incident, as e-mails and webhooks link to it."""
    return settings.SITE_URL + reverse("incidents:detail", args=[incident.number])


def incident_webhook_payload(*, event: str, incident: Incident, now: dt.datetime) -> dict[str, Any]:
    """The generic webhook payload of an incident event (the formats render from it)."""
    return {
        "event": event,
        "occurred_at": now.isoformat(),
        "incident": {
            "number": incident.number,
            "title": incident.title,
            "status": incident.status,
            "severity": incident.severity.code if incident.severity_id else None,
            "plan": incident.plan.code if incident.plan_id else None,
            "organization": incident.organization.name if incident.organization_id else None,
            "submitted_at": incident.submitted_at.isoformat() if incident.submitted_at else None,
            "response_due_at": incident.response_due_at.isoformat() if incident.response_due_at else None,
            "first_response_at": incident.first_response_at.isoformat() if incident.first_response_at else None,
            "url": incident_url(incident),
        },
    }


def incident_webhook_enqueue(*, key: str, event: str, incident: Incident, now: dt.datetime) -> list[int]:
    """Inside the change's transaction: `event` for every subscribed endpoint that may see
    the incident. `key` names the change ("incident-created:45", "status-change:812")."""
    return webhook_enqueue(
        key=key,
        event=event,
        payload=incident_webhook_payload(event=event, incident=incident, now=now),
        organization_id=incident.organization_id,
        now=now,
        reference=incident.number,
    )

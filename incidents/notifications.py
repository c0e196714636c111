"""Emails about a new incident: to its submitter, to the organisation's admins who asked for
them, and to the support team.

Sent by a Celery task (`incidents.tasks.submitted_emails_send`) enqueued when the submission
commits (`transaction.on_commit`), so a rolled-back submission never emails anyone and the
customer's request does not wait for the mail server. Each message is rendered in its recipient's language, with
times in their zone and in the region's zone. A failing mail server is logged, never shown
to the customer as a failed submission. Until they went out, the emails are pending in the
incident's outbox columns (`emails_pending`, `emails_lease_until`): beat's re-send enqueues
them again when the broker was down at the submission or a worker or the mail server failed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from accounts.models import Membership, Role
from incidents.models import Incident

logger = logging.getLogger(__name__)


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
    return [r for r in recipients if r.email]


def _admin_url(incident: Incident) -> str:
    try:
        return reverse("admin:incidents_incident_change", args=[incident.pk])
    except NoReverseMatch:  # the queue admin is not registered in this deployment
        return reverse("admin:index")


def _render(incident: Incident, recipient: Recipient) -> EmailMultiAlternatives:
    template = "team_new" if recipient.audience == "team" else "submitted"
    context = {
        "incident": incident,
        "audience": recipient.audience,
        "url": settings.SITE_URL + reverse("incidents:detail", args=[incident.number]),
        "admin_url": settings.SITE_URL + _admin_url(incident),
        "viewer_zone": recipient.time_zone,
        "region_zone": incident.region.time_zone,
        "PRODUCT_NAME": settings.PRODUCT_NAME,
        "VENDOR_NAME": settings.VENDOR_NAME,
    }
    with translation.override(recipient.language), timezone.override(recipient.time_zone):
        subject = " ".join(render_to_string(f"emails/incidents/{template}.subject.txt", context).split())
        text = render_to_string(f"emails/incidents/{template}.txt", context)
        html = render_to_string(f"emails/incidents/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    message.attach_alternative(html, "text/html")
    return message


def _load(incident_id: int) -> Incident | None:
    return (
        Incident.objects.select_related("organization", "region", "severity", "plan", "submitted_by__membership")
        .filter(pk=incident_id)
        .first()
    )


def incident_submitted_notify_once(incident_id: int, *, now: dt.datetime | None = None) -> int:
    """Send the new-incident emails if they are still pending; returns how many were sent.

    The incident's outbox columns make this safe to run more than once, from several
    workers at once: a conditional UPDATE claims the pending emails with a lease (the loser
    sends nothing), and only a batch that went out clears them. A redelivered task (its
    worker died after sending) finds nothing pending. A failed send keeps the lease, so the
    re-send (`submitted_emails_overdue`) tries again once it expires.
    """
    now = now or timezone.now()
    lease_until = now + dt.timedelta(seconds=settings.INCIDENT_EMAILS_LEASE_SECONDS)
    claimed = (
        Incident.objects.filter(pk=incident_id, emails_pending=True)
        .filter(Q(emails_lease_until__isnull=True) | Q(emails_lease_until__lt=now))
        .update(emails_lease_until=lease_until)
    )
    if not claimed:
        return 0
    incident = _load(incident_id)
    if incident is None:  # deleted meanwhile
        return 0
    try:
        sent = _send(incident)
    except Exception:
        logger.exception("new-incident emails for %s failed; they are tried again after the lease", incident.number)
        return 0
    Incident.objects.filter(pk=incident_id, emails_lease_until=lease_until).update(
        emails_pending=False, emails_lease_until=None
    )
    return sent


def submitted_emails_overdue(*, now: dt.datetime, limit: int = 500) -> list[int]:
    """Incidents whose new-incident emails are still pending well after the submission,
    and not leased by a worker: the broker was down when they were filed, or their worker
    or the mail server failed. Oldest first; served by a partial index on the few pending rows."""
    submitted_before = now - dt.timedelta(seconds=settings.INCIDENT_EMAILS_RESEND_AFTER_SECONDS)
    return list(
        Incident.objects.filter(emails_pending=True, submitted_at__lte=submitted_before)
        .filter(Q(emails_lease_until__isnull=True) | Q(emails_lease_until__lt=now))
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:limit]
    )


def incident_submitted_notify(incident: Incident | int) -> int:
    """Send the new-incident emails, pending or not; returns how many were sent (0 when
    the mail server failed, which is logged).

    Takes the incident just created (its related rows are already loaded, so no query is
    repeated) or an incident id (loaded here, e.g. for a re-send by hand).
    """
    if isinstance(incident, int):
        loaded = _load(incident)
        if loaded is None:
            return 0
        incident = loaded
    try:
        return _send(incident)
    except Exception:
        logger.exception("new-incident emails for %s failed", incident.number)
        return 0


def _send(incident: Incident) -> int:
    messages = [_render(incident, recipient) for recipient in incident_submitted_recipients(incident)]
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0

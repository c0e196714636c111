"""Emails about a new incident: to its submitter, to the organisation's admins who asked for
them, and to the support team.

Sent by a Celery task (`incidents.tasks.submitted_emails_send`) enqueued when the submission
commits (`transaction.on_commit`), so a rolled-back submission never emails anyone and the
customer's request does not wait for the mail server. Each message is rendered in its recipient's language, with
times in their zone and in the region's zone. A failing mail server is logged, never shown
to the customer as a failed submission.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from incidents.models import Incident
from portal.models import Membership, Role

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


# How long a sent batch is remembered: far longer than any redelivery of its task.
SENT_MARKER_SECONDS = 7 * 24 * 3600


def _load(incident_id: int) -> Incident | None:
    return (
        Incident.objects.select_related("organization", "region", "severity", "plan", "submitted_by__membership")
        .filter(pk=incident_id)
        .first()
    )


def _sent_marker(incident: Incident) -> str:
    # The id alone could be reused by a test database that rolls back; the submission
    # instant and token make the key name this submission only.
    token = incident.submission_token or ""
    return f"incidents:submitted-emails:{incident.pk}:{incident.submitted_at.isoformat()}:{token}"


def incident_submitted_notify_once(incident_id: int) -> int:
    """Send the new-incident emails unless they were sent already; returns how many were sent.

    For the task enqueued on commit: a redelivered task (its worker died after sending)
    finds the marker in the shared cache and sends nothing. Only a batch that went out is
    marked, so a failed send can be tried again.
    """
    incident = _load(incident_id)
    if incident is None:
        return 0
    marker = _sent_marker(incident)
    if cache.get(marker) is not None:
        return 0
    sent = incident_submitted_notify(incident)
    if sent:
        cache.set(marker, sent, SENT_MARKER_SECONDS)
    return sent


def incident_submitted_notify(incident: Incident | int) -> int:
    """Send the new-incident emails; returns how many were sent.

    Takes the incident just created (its related rows are already loaded, so no query is
    repeated) or an incident id (loaded here, e.g. for a re-send).
    """
    if isinstance(incident, int):
        loaded = _load(incident)
        if loaded is None:
            return 0
        incident = loaded
    messages = [_render(incident, recipient) for recipient in incident_submitted_recipients(incident)]
    try:
        return get_connection().send_messages(messages) or 0
    except Exception:
        logger.exception("new-incident emails for %s failed", incident.number)
        return 0

"""Delivery of escalation events: e-mail to the step's recipients and the subscribed webhooks.

The sweep (`escalation.watcher`) writes the events; a task per batch delivers them, and a
periodic re-send picks up events whose delivery failed or whose enqueue was lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db.models import Q
from django.template.loader import render_to_string

from escalation.models import EscalationContact, EscalationEvent, EscalationStep

logger = logging.getLogger(__name__)


def delivery_batch_size() -> int:
    """Events per delivery task: small enough that a burst is spread over every free
    worker, large enough that one claim, one read and one SMTP connection serve many."""
    return max(1, int(getattr(settings, "ESCALATION_DELIVERY_BATCH", 50)))


def events_delivery_enqueue(event_ids: list[int]) -> None:
    """Enqueue the delivery of events, one task per `delivery_batch_size()` of them."""
    from escalation.tasks import deliver_events

    size = delivery_batch_size()
    for start in range(0, len(event_ids), size):
        chunk = list(event_ids[start : start + size])
        try:
            deliver_events.delay(chunk)
        except Exception:
            # The broker is down: the periodic re-send picks the events up later.
            logger.exception("escalation events %s: could not enqueue, left for the re-send", chunk)


def event_delivery_enqueue(event_id: int) -> None:
    events_delivery_enqueue([event_id])


# --- Delivery of events by email ----------------------------------------------------------


class DeliveryFailed(Exception):
    """Sending the notification failed; the task retries it later."""


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


def event_recipients(event: EscalationEvent, *, cache: RecipientCache | None = None) -> list[str]:
    """Who hears about an event: the step's recipients, or the escalation contacts (and the
    assigned engineer) for a requested escalation. Never empty: the support team's
    address is the fallback."""
    cache = cache or RecipientCache()
    emails: list[str] = []
    incident = event.incident
    step = event.step
    if step is not None:
        if step.notify_assignee and incident is not None and incident.assignee_id and incident.assignee.email:
            emails.append(incident.assignee.email)
        emails.extend(cache.for_step(step))
    else:
        if incident is not None and incident.assignee_id and incident.assignee.email:
            emails.append(incident.assignee.email)
        emails.extend(cache.contacts())
    unique = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    return unique or [settings.SUPPORT_TEAM_EMAIL]


def _event_messages(event: EscalationEvent, recipients: list[str]) -> list[mail.EmailMultiAlternatives]:
    context = {
        "event": event,
        "incident": event.incident,
        "request": event.request,
        "incident_url": f"{settings.SITE_URL}/admin/incidents/incident/{event.incident_id}/change/"
        if event.incident_id
        else "",
        "escalation_url": f"{settings.SITE_URL}/admin/escalation/escalationevent/{event.pk}/change/",
        "VENDOR_NAME": settings.VENDOR_NAME,
        "PRODUCT_NAME": settings.PRODUCT_NAME,
    }
    subject = " ".join(render_to_string("emails/escalation/event.subject.txt", context).split())
    text = render_to_string("emails/escalation/event.txt", context)
    html = render_to_string("emails/escalation/event.html", context)
    messages = []
    for address in recipients:
        message = mail.EmailMultiAlternatives(subject=subject, body=text, to=[address])
        message.attach_alternative(html, "text/html")
        message.extra_headers["X-Portal-Escalation-Event"] = str(event.pk)
        messages.append(message)
    return messages


@dataclass
class EventDeliveryResult:
    delivered: list[int] = field(default_factory=list)
    # Sending failed: the lease is released and the task retries these with backoff.
    failed: list[int] = field(default_factory=list)
    # Delivered already, or another worker holds the lease (compare-and-set lost).
    skipped: list[int] = field(default_factory=list)
    error: str = ""


def escalation_events_deliver(*, event_ids: list[int], now: dt.datetime) -> EventDeliveryResult:
    """Email the recipients of many events, each once, then POST their webhooks.

    One conditional UPDATE claims every event of the batch that is still undelivered and
    not leased (the ones another worker holds are skipped); one query reads them with
    their incident, step and request; each step's recipients are looked up once; every
    message goes through one SMTP connection and every POST through keep-alive
    connections; the delivered events are marked in a few bulk UPDATEs. An event whose
    email fails has its lease released and comes back in `failed`."""
    from escalation.claims import events_claim
    from escalation.webhooks import webhooks_deliver_batch

    result = EventDeliveryResult()
    lease = dt.timedelta(seconds=settings.ESCALATION_DELIVERY_LEASE_SECONDS)
    claimed = events_claim(event_ids=event_ids, now=now, lease=lease)
    result.skipped = sorted(set(event_ids) - set(claimed))
    if not claimed:
        return result
    events = list(
        EscalationEvent.objects.select_related(
            "incident__assignee", "incident__severity", "incident__organization", "step", "request"
        )
        .filter(pk__in=claimed)
        .order_by("fired_at", "pk")
    )
    cache = RecipientCache()
    sent: dict[int, str] = {}  # event id -> recipients
    errors: dict[int, str] = {}
    # Opened explicitly: a backend's send_messages() on a closed connection would open and
    # close one of its own for every event.
    connection = mail.get_connection()
    is_open = False
    failures_in_a_row = 0
    try:
        for event in events:
            if failures_in_a_row >= 2:
                # The mail server failed twice in a row: do not wait on it for every event.
                errors[event.pk] = result.error
                continue
            recipients = event_recipients(event, cache=cache)
            try:
                if not is_open:
                    connection.open()
                    is_open = True
                connection.send_messages(_event_messages(event, recipients))
            except OSError as exc:  # smtplib errors are OSErrors
                result.error = errors[event.pk] = str(exc)[:1000]
                failures_in_a_row += 1
                connection.close()  # the next event opens a fresh connection
                is_open = False
                continue
            failures_in_a_row = 0
            sent[event.pk] = ", ".join(recipients)
    finally:
        connection.close()
        _events_mark_delivered(sent, now=now)
        for event_id, error in errors.items():
            EscalationEvent.objects.filter(pk=event_id).update(lease_until=None, last_error=error)
    result.delivered = sorted(sent)
    result.failed = sorted(errors)
    if sent:
        logger.info("escalation events: emailed %s event(s)", len(sent))
        # One that fails stays pending with its backoff; the re-send retries it.
        webhooks_deliver_batch(now=now, escalation_event_ids=result.delivered)
    return result


def _events_mark_delivered(sent: dict[int, str], *, now: dt.datetime) -> None:
    """One UPDATE per distinct recipient list (most events of a burst share one)."""
    by_recipients: dict[str, list[int]] = {}
    for event_id, recipients in sent.items():
        by_recipients.setdefault(recipients, []).append(event_id)
    for recipients, ids in by_recipients.items():
        EscalationEvent.objects.filter(pk__in=ids, delivered_at__isnull=True).update(
            delivered_at=now, lease_until=None, recipients=recipients, last_error=""
        )


def escalation_event_deliver(*, event_id: int, now: dt.datetime) -> bool:
    """Email one event's recipients once. Returns False when it was already delivered or
    another worker holds the lease (compare-and-set lost); raises `DeliveryFailed`."""
    result = escalation_events_deliver(event_ids=[event_id], now=now)
    if result.failed:
        raise DeliveryFailed(result.error)
    return bool(result.delivered)


def escalation_outbox_resend(*, now: dt.datetime, limit: int = 500) -> tuple[int, int]:
    """Re-enqueue events and webhook deliveries that a crash or a lost message left
    undelivered. Returns (events, deliveries) enqueued."""
    from escalation.models import DeliveryStatus, WebhookDelivery
    from escalation.webhooks import _enqueue

    stale = now - dt.timedelta(seconds=settings.ESCALATION_RESEND_AFTER_SECONDS)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    # Uses event_undelivered_idx.
    event_ids = list(
        EscalationEvent.objects.filter(delivered_at__isnull=True, fired_at__lte=stale)
        .filter(free)
        .filter(Q(resend_at__isnull=True) | Q(resend_at__lte=now))
        .order_by("fired_at")
        .values_list("pk", flat=True)[:limit]
    )
    # Uses delivery_pending_idx.
    delivery_ids = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(free)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    # Not again before another period: a long queue must not fill up with copies.
    again = now + 4 * dt.timedelta(seconds=settings.ESCALATION_RESEND_AFTER_SECONDS)
    EscalationEvent.objects.filter(pk__in=event_ids).update(resend_at=again)
    WebhookDelivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.PENDING).update(next_attempt_at=again)
    if event_ids:
        events_delivery_enqueue(event_ids)
    for delivery_id in delivery_ids:
        _enqueue(delivery_id)
    if event_ids or delivery_ids:
        logger.info("escalation re-send: events=%s deliveries=%s", len(event_ids), len(delivery_ids))
    return len(event_ids), len(delivery_ids)


# --- Steps described for people -----------------------------------------------------------

"""Outgoing webhooks: the payload formats, the signature, the outbox and its delivery.

`webhooks_emit` writes one `WebhookDelivery` per matching active endpoint, inside the
caller's transaction, and enqueues its delivery task on commit. `webhook_deliver` claims
a delivery by compare-and-set (a lease), POSTs it once, and records the outcome.

The generic format is signed: the receiver recomputes

    X-Portal-Signature: sha256=HEX(HMAC-SHA256(secret, "<X-Portal-Timestamp>.<raw body>"))

and should reject timestamps older than a few minutes. `X-Portal-Delivery` is the same on
every attempt of one delivery, so a receiver can drop the rare duplicate (delivery is at
least once: a worker that dies after the POST but before recording it sends it again).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from escalation.models import (
    DeliveryStatus,
    EscalationEvent,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookFormat,
)
from incidents.models import Incident

logger = logging.getLogger(__name__)

USER_AGENT = "ContosoSupportPortal-Webhooks/1.0"
# Client errors that will not go away by sending again (others: retried with backoff).
_RETRYABLE_CLIENT_ERRORS = {408, 409, 425, 429}


class WebhookRetry(Exception):
    """The delivery failed for a reason that may pass; try again after `countdown` seconds."""

    def __init__(self, message: str, *, countdown: int) -> None:
        super().__init__(message)
        self.countdown = countdown


def signature_compute(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_verify(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (used by the tests and documented for customers)."""
    return hmac.compare_digest(signature_compute(secret=secret, timestamp=timestamp, body=body), signature)


def incident_url(incident: Incident) -> str:
    return f"{settings.SITE_URL}/incidents/{incident.number}/"


def _incident_data(incident: Incident) -> dict[str, Any]:
    return {
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
    }


def _escalation_data(event: EscalationEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "title": event.title,
        "due_at": event.due_at.isoformat(),
        "fired_at": event.fired_at.isoformat(),
        "late_by_seconds": int(event.late_by.total_seconds()),
    }


def payload_build(*, event: str, incident: Incident, now: dt.datetime, escalation: EscalationEvent | None) -> dict:
    """The generic payload; the Teams and Slack bodies are rendered from it at send time."""
    data: dict[str, Any] = {"event": event, "occurred_at": now.isoformat(), "incident": _incident_data(incident)}
    if escalation is not None:
        data["escalation"] = _escalation_data(escalation)
    return data


def _summary(payload: dict) -> tuple[str, str]:
    incident = payload["incident"]
    event = payload["event"]
    heading = {
        WebhookEvent.CREATED: "New incident",
        WebhookEvent.RESPONDED: "Initial response recorded",
        WebhookEvent.STATUS_CHANGED: f"Status is now {incident['status']}",
        WebhookEvent.ESCALATED: payload.get("escalation", {}).get("title", "Escalated"),
    }.get(event, event)
    return f"{heading}: {incident['number']} (Severity {incident['severity']})", incident["title"]


def body_render(*, format: str, payload: dict, delivery_uuid: str) -> bytes:
    """The request body for an endpoint's format."""
    if format == WebhookFormat.SLACK:
        heading, text = _summary(payload)
        url = payload["incident"]["url"]
        body: dict[str, Any] = {
            "text": f"{heading}: {text}",
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*{heading}*\n<{url}|{text}>"}},
            ],
        }
    elif format == WebhookFormat.TEAMS:
        heading, text = _summary(payload)
        body = {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [
                            {"type": "TextBlock", "text": heading, "weight": "Bolder", "wrap": True},
                            {"type": "TextBlock", "text": text, "wrap": True},
                        ],
                        "actions": [{"type": "Action.OpenUrl", "title": "Open", "url": payload["incident"]["url"]}],
                    },
                }
            ],
        }
    else:
        body = {"id": delivery_uuid, **payload}
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def endpoints_subscribed(event: str) -> list[WebhookEndpoint]:
    """Every active endpoint subscribed to `event`, of any organisation (for callers that
    emit many events at once: pass it to `webhooks_emit` as `candidates`)."""
    field = WebhookEndpoint.EVENT_FIELDS[WebhookEvent(event)]
    return list(WebhookEndpoint.objects.filter(is_active=True, **{field: True}))


def webhooks_emit(
    *,
    event: str,
    incident: Incident,
    now: dt.datetime,
    escalation: EscalationEvent | None = None,
    candidates: list[WebhookEndpoint] | None = None,
    enqueue: bool = True,
) -> list[WebhookDelivery]:
    """Queue `event` for every active endpoint subscribed to it that may see the incident:
    the support team's (no organisation) and the incident's organisation's.

    Call inside the transaction that makes the change: the deliveries commit with it and
    their tasks are enqueued only after the commit (with `enqueue=False` the caller's own
    task sends them: an escalation event's delivery task sends its webhooks too).
    """
    if candidates is None:
        field = WebhookEndpoint.EVENT_FIELDS[WebhookEvent(event)]
        endpoints = list(
            WebhookEndpoint.objects.filter(is_active=True, **{field: True}).filter(
                Q(organization__isnull=True) | Q(organization_id=incident.organization_id)
            )
        )
    else:
        endpoints = [e for e in candidates if e.organization_id in (None, incident.organization_id)]
    if not endpoints:
        return []
    payload = payload_build(event=event, incident=incident, now=now, escalation=escalation)
    resend_after = dt.timedelta(seconds=settings.ESCALATION_RESEND_AFTER_SECONDS)
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                event=event,
                incident=incident,
                escalation_event=escalation,
                payload=payload,
                created_at=now,
                next_attempt_at=now + resend_after,
            )
            for endpoint in endpoints
        ]
    )
    if any(delivery.pk is None for delivery in deliveries):  # backends that return no ids
        deliveries = list(WebhookDelivery.objects.filter(incident=incident, event=event, created_at=now))
    if enqueue:
        for delivery in deliveries:
            transaction.on_commit(partial(_enqueue, delivery.pk))
    return deliveries


def _enqueue(delivery_id: int) -> None:
    from escalation.tasks import deliver_webhook

    try:
        deliver_webhook.delay(delivery_id)
    except Exception:
        # The broker is down: the periodic re-send picks the delivery up later.
        logger.exception("webhook delivery %s: could not enqueue, left for the re-send", delivery_id)


def backoff_seconds(attempts: int) -> int:
    """10 s, 20 s, 40 s … capped at an hour."""
    return int(min(3600, 10 * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str  # "skipped", "delivered", "failed" or "retry"
    response_code: int | None = None


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - admin-set https URL
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read(1024)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def webhook_deliver(*, delivery_id: int, now: dt.datetime) -> DeliveryOutcome:
    """Send one delivery once. Raises `WebhookRetry` when a later attempt may succeed."""
    lease = dt.timedelta(seconds=settings.ESCALATION_DELIVERY_LEASE_SECONDS)
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + lease, attempts=F("attempts") + 1)
    )
    if not claimed:
        # Delivered, given up, or another worker holds the lease: nothing to do.
        return DeliveryOutcome("skipped")
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = body_render(format=endpoint.format, payload=delivery.payload, delivery_uuid=str(delivery.uuid))
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Portal-Event": delivery.event,
        "X-Portal-Delivery": str(delivery.uuid),
        "X-Portal-Timestamp": timestamp,
    }
    if endpoint.format == WebhookFormat.GENERIC:
        headers["X-Portal-Signature"] = signature_compute(secret=endpoint.secret, timestamp=timestamp, body=body)
    code: int | None = None
    error = ""
    try:
        code = _post(endpoint.url, body, headers, settings.WEBHOOK_TIMEOUT_SECONDS)
    except (OSError, ValueError) as exc:  # URLError, timeouts and refused connections are OSErrors
        error = f"{type(exc).__name__}: {exc}"[:1000]
    mine = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
    if code is not None and 200 <= code < 300:
        mine.update(
            status=DeliveryStatus.DELIVERED, response_code=code, delivered_at=now, lease_until=None, last_error=""
        )
        logger.info("webhook delivery %s to %s: delivered (%s)", delivery.uuid, endpoint.name, code)
        return DeliveryOutcome("delivered", code)
    if code is not None:
        error = f"HTTP {code}"
    permanent = code is not None and 400 <= code < 500 and code not in _RETRYABLE_CLIENT_ERRORS
    if permanent or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        mine.update(status=DeliveryStatus.FAILED, response_code=code, last_error=error, lease_until=None)
        logger.warning("webhook delivery %s to %s: gave up after %s (%s)", delivery.uuid, endpoint.name, error, code)
        return DeliveryOutcome("failed", code)
    countdown = backoff_seconds(delivery.attempts)
    resend_after = dt.timedelta(seconds=countdown + settings.ESCALATION_RESEND_AFTER_SECONDS)
    mine.update(response_code=code, last_error=error, lease_until=None, next_attempt_at=now + resend_after)
    logger.info("webhook delivery %s to %s: %s, retry in %ss", delivery.uuid, endpoint.name, error, countdown)
    raise WebhookRetry(error, countdown=countdown)

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
import http.client
import json
import logging
import select
import socket
import ssl
import urllib.parse
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


def webhooks_emit_many(
    *,
    event: str,
    items: list[tuple[Incident, EscalationEvent | None]],
    now: dt.datetime,
    candidates: list[WebhookEndpoint],
) -> list[WebhookDelivery]:
    """`webhooks_emit` for many incidents at once (the sweep's batch): one INSERT for every
    delivery, nothing enqueued (the escalation events' delivery tasks send them)."""
    resend_after = dt.timedelta(seconds=settings.ESCALATION_RESEND_AFTER_SECONDS)
    rows = []
    for incident, escalation in items:
        endpoints = [e for e in candidates if e.organization_id in (None, incident.organization_id)]
        if not endpoints:
            continue
        payload = payload_build(event=event, incident=incident, now=now, escalation=escalation)
        rows.extend(
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
        )
    return WebhookDelivery.objects.bulk_create(rows) if rows else []


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
    countdown: int = 0  # "retry": seconds until the next attempt
    error: str = ""


class HttpSession:
    """Keep-alive connections, one per origin, for the POSTs of one batch (the standard
    library's http.client; the environment's proxy settings are honoured as urllib does).
    Close it when done, or use it as a context manager."""

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        self._connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}
        self._proxies = urllib.request.getproxies()

    def __enter__(self) -> HttpSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()

    def _connection(self, scheme: str, host: str, port: int) -> tuple[http.client.HTTPConnection, bool]:
        key = (scheme, host, port)
        conn = self._connections.get(key)
        if conn is not None and conn.sock is not None and _dropped(conn.sock):
            conn.close()  # the server closed it while idle: reconnect before sending
        if conn is not None:
            return conn, False
        proxy = None if urllib.request.proxy_bypass(host) else self._proxies.get(scheme)
        via_proxy = False
        if proxy:
            parts = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=self.timeout)
            if scheme == "https":
                conn = http.client.HTTPSConnection(
                    parts.hostname or "", parts.port or 80, timeout=self.timeout, context=ssl.create_default_context()
                )
                conn.set_tunnel(host, port)
            else:
                via_proxy = True
        elif scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        self._connections[key] = conn
        return conn, via_proxy

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST once and return the status code; raises OSError (or ValueError for a URL
        that is not http(s)) when no answer came."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, parts.hostname, port)
        conn, via_proxy = self._connection(parts.scheme, parts.hostname, port)
        target = url if via_proxy else (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("POST", target, body=body, headers=headers)
            response = conn.getresponse()
            response.read(_MAX_RESPONSE_BYTES)
            reusable = not response.will_close and response.isclosed()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            self._connections.pop(key, None)
            if isinstance(exc, OSError):
                raise
            raise OSError(f"{type(exc).__name__}: {exc}") from exc
        if not reusable:  # the server said close, or sent more than we read
            conn.close()
            self._connections.pop(key, None)
        return int(response.status)


# A receiver's answer is read up to this much (the rest closes the connection).
_MAX_RESPONSE_BYTES = 64 * 1024


def _dropped(sock: socket.socket) -> bool:
    """An idle keep-alive socket that is readable has been closed by the server."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _request(delivery: WebhookDelivery, now: dt.datetime) -> tuple[bytes, dict[str, str]]:
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
    return body, headers


def _send(delivery: WebhookDelivery, *, session: HttpSession, now: dt.datetime) -> tuple[int | None, str]:
    """POST a claimed delivery once: (response code or None, error text)."""
    body, headers = _request(delivery, now)
    try:
        return session.post(delivery.endpoint.url, body, headers), ""
    except (OSError, ValueError) as exc:  # timeouts and refused connections are OSErrors
        return None, f"{type(exc).__name__}: {exc}"[:1000]


def _outcome(delivery: WebhookDelivery, code: int | None, error: str) -> DeliveryOutcome:
    """What an attempt's result means, given the attempts counted so far (the claim's)."""
    if code is not None and 200 <= code < 300:
        return DeliveryOutcome("delivered", code)
    if code is not None:
        error = f"HTTP {code}"
    permanent = code is not None and 400 <= code < 500 and code not in _RETRYABLE_CLIENT_ERRORS
    if permanent or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        return DeliveryOutcome("failed", code, error=error)
    return DeliveryOutcome("retry", code, countdown=backoff_seconds(delivery.attempts), error=error)


def _record(delivery: WebhookDelivery, outcome: DeliveryOutcome, *, now: dt.datetime) -> None:
    """Store a failed or retried attempt (delivered ones are stored in bulk)."""
    mine = WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
    endpoint = delivery.endpoint
    if outcome.status == "failed":
        mine.update(
            status=DeliveryStatus.FAILED,
            response_code=outcome.response_code,
            last_error=outcome.error,
            lease_until=None,
        )
        logger.warning(
            "webhook delivery %s to %s: gave up after %s (%s)",
            delivery.uuid,
            endpoint.name,
            outcome.error,
            outcome.response_code,
        )
        return
    resend_after = dt.timedelta(seconds=outcome.countdown + settings.ESCALATION_RESEND_AFTER_SECONDS)
    mine.update(
        response_code=outcome.response_code,
        last_error=outcome.error,
        lease_until=None,
        next_attempt_at=now + resend_after,
    )
    logger.info(
        "webhook delivery %s to %s: %s, retry in %ss", delivery.uuid, endpoint.name, outcome.error, outcome.countdown
    )


def _record_delivered(deliveries: list[tuple[WebhookDelivery, int]], *, now: dt.datetime) -> None:
    """One UPDATE per response code for every delivered POST of a batch."""
    by_code: dict[int, list[int]] = {}
    for delivery, code in deliveries:
        by_code.setdefault(code, []).append(delivery.pk)
    for code, ids in by_code.items():
        WebhookDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.DELIVERED, response_code=code, delivered_at=now, lease_until=None, last_error=""
        )
    for delivery, code in deliveries:
        logger.info("webhook delivery %s to %s: delivered (%s)", delivery.uuid, delivery.endpoint.name, code)


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
    with HttpSession(timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as session:
        code, error = _send(delivery, session=session, now=now)
    outcome = _outcome(delivery, code, error)
    if outcome.status == "delivered":
        _record_delivered([(delivery, outcome.response_code or 0)], now=now)
        return outcome
    _record(delivery, outcome, now=now)
    if outcome.status == "retry":
        raise WebhookRetry(outcome.error, countdown=outcome.countdown)
    return outcome


@dataclass
class BatchOutcome:
    delivered: int = 0
    retry: int = 0
    failed: int = 0
    skipped: int = 0


def webhooks_deliver_batch(
    *,
    now: dt.datetime,
    delivery_ids: list[int] | None = None,
    escalation_event_ids: list[int] | None = None,
    session: HttpSession | None = None,
) -> BatchOutcome:
    """Send many deliveries (given by id, or every pending one of some escalation events)
    with one claim, one read and keep-alive connections; delivered ones are recorded in
    bulk. One that fails stays pending with its backoff: the re-send retries it. An
    endpoint that does not answer is not tried again in the same batch (its other
    deliveries wait for the re-send without counting an attempt), so one dead receiver
    cannot hold up a whole batch for timeout after timeout."""
    from escalation.claims import webhook_deliveries_claim

    lease = dt.timedelta(seconds=settings.ESCALATION_DELIVERY_LEASE_SECONDS)
    won = webhook_deliveries_claim(
        now=now, lease=lease, delivery_ids=delivery_ids or (), escalation_event_ids=escalation_event_ids or ()
    )
    result = BatchOutcome()
    if not won:
        return result
    deliveries = list(WebhookDelivery.objects.select_related("endpoint").filter(pk__in=won).order_by("pk"))
    own_session = session is None
    session = session or HttpSession(timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    delivered: list[tuple[WebhookDelivery, int]] = []
    unreachable: set[int] = set()
    postponed: list[int] = []
    try:
        for delivery in deliveries:
            if delivery.endpoint_id in unreachable:
                postponed.append(delivery.pk)
                continue
            code, error = _send(delivery, session=session, now=now)
            outcome = _outcome(delivery, code, error)
            if outcome.status == "delivered":
                delivered.append((delivery, outcome.response_code or 0))
                continue
            if code is None:
                unreachable.add(delivery.endpoint_id)
            _record(delivery, outcome, now=now)
            if outcome.status == "failed":
                result.failed += 1
            else:
                result.retry += 1
    finally:
        if own_session:
            session.close()
        _record_delivered(delivered, now=now)
        if postponed:
            resend_after = dt.timedelta(seconds=backoff_seconds(1) + settings.ESCALATION_RESEND_AFTER_SECONDS)
            WebhookDelivery.objects.filter(pk__in=postponed, status=DeliveryStatus.PENDING).update(
                attempts=F("attempts") - 1, lease_until=None, next_attempt_at=now + resend_after
            )
    result.delivered = len(delivered)
    result.retry += len(postponed)
    result.skipped = len(set(delivery_ids or ())) - len(won) if delivery_ids else 0
    return result

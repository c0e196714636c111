"""What goes on the wire for a webhook: the body for each endpoint format, and the signature.

The generic format is signed: the receiver recomputes

    X-Portal-Signature: sha256=HEX(HMAC-SHA256(secret, "<X-Portal-Timestamp>.<raw body>"))

and should reject timestamps older than a few minutes. `X-Portal-Delivery` (and the body's
`id`) is the same on every attempt of one delivery, so a receiver can drop the rare
duplicate: delivery is at least once, and a worker killed after a POST but before recording
it sends that one POST again.

The payload is the producer's generic JSON, `{"event", "occurred_at", "incident": {...},
"escalation": {...}}`; the Teams and Slack bodies are rendered from it here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from notify.models import WebhookEvent, WebhookFormat

USER_AGENT = "ContosoSupportPortal-Webhooks/1.0"


def signature_compute(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_verify(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (used by the tests and documented for customers)."""
    return hmac.compare_digest(signature_compute(secret=secret, timestamp=timestamp, body=body), signature)


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


def request_render(
    *, format: str, secret: str, event: str, payload: dict, delivery_uuid: str, timestamp: str
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one POST."""
    body = body_render(format=format, payload=payload, delivery_uuid=delivery_uuid)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Portal-Event": event,
        "X-Portal-Delivery": delivery_uuid,
        "X-Portal-Timestamp": timestamp,
    }
    if format == WebhookFormat.GENERIC:
        headers["X-Portal-Signature"] = signature_compute(secret=secret, timestamp=timestamp, body=body)
    return body, headers

"""Writing to the outbox: producers call these inside their own transaction.

Every row is committed with the change that caused it (or not at all), and its delivery
task is enqueued once the transaction commits (`transaction.on_commit`). A broker that is
down then only delays it: beat's `notify.resend` enqueues what is due again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction

from notify.models import Channel, Delivery, WebhookEndpoint, WebhookEvent
from notify.rendering import context_encode
from notify.tasks import deliveries_enqueue


@dataclass(frozen=True)
class Email:
    """One message to one address: a template (`emails/incidents/submitted` names its
    `.subject.txt`, `.txt` and `.html`) and its context, rendered when it is sent in the
    recipient's language and time zone (`notify.rendering`)."""

    to: str
    template: str
    context: dict[str, Any]
    language: str
    time_zone: str
    headers: dict[str, str] = field(default_factory=dict)


def _first_look(now: dt.datetime) -> dt.datetime:
    # The re-send leaves a new row to its own task for this long.
    return now + dt.timedelta(seconds=settings.NOTIFY_RESEND_AFTER_SECONDS)


def email_delivery(*, key: str, email: Email, now: dt.datetime, reference: str = "") -> Delivery:
    """An unsaved email delivery, for `deliveries_create`."""
    return Delivery(
        key=key,
        channel=Channel.EMAIL,
        reference=reference[:50],
        to=email.to,
        template=email.template,
        context=context_encode(email.context),
        language=email.language,
        time_zone=email.time_zone,
        headers=dict(email.headers),
        created_at=now,
        next_attempt_at=_first_look(now),
    )


def endpoints_subscribed(event: str) -> list[WebhookEndpoint]:
    """Every active endpoint subscribed to `event`, of any organisation (one query; a
    producer of many events passes it to `webhook_deliveries` as `endpoints`)."""
    field_name = WebhookEndpoint.EVENT_FIELDS[WebhookEvent(event)]
    return list(WebhookEndpoint.objects.filter(is_active=True, **{field_name: True}))


def webhook_deliveries(
    *,
    key: str,
    event: str,
    payload: dict[str, Any],
    organization_id: int | None,
    now: dt.datetime,
    endpoints: Iterable[WebhookEndpoint],
    reference: str = "",
) -> list[Delivery]:
    """Unsaved deliveries of `payload` to the endpoints that may see it: the support team's
    (no organisation) and the organisation's own."""
    return [
        Delivery(
            key=key,
            channel=Channel.WEBHOOK,
            reference=reference[:50],
            endpoint=endpoint,
            event=event,
            payload=payload,
            created_at=now,
            next_attempt_at=_first_look(now),
        )
        for endpoint in endpoints
        if endpoint.organization_id in (None, organization_id)
    ]


def deliveries_create(deliveries: Sequence[Delivery]) -> list[int]:
    """Insert deliveries (one statement) and enqueue their sending when the caller's
    transaction commits. The unique constraints make a second enqueue of the same event for
    the same recipient an IntegrityError: producers queue each event once."""
    if not deliveries:
        return []
    created = Delivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in created]
    transaction.on_commit(partial(deliveries_enqueue, ids))
    return ids


def emails_enqueue(*, key: str, emails: Sequence[Email], now: dt.datetime, reference: str = "") -> list[int]:
    """Queue one email per message of `emails` (each to its own address) about event `key`."""
    return deliveries_create([email_delivery(key=key, email=e, now=now, reference=reference) for e in emails])


def webhook_enqueue(
    *,
    key: str,
    event: str,
    payload: dict[str, Any],
    organization_id: int | None,
    now: dt.datetime,
    reference: str = "",
) -> list[int]:
    """Queue `payload` for every active endpoint subscribed to `event` that may see it."""
    endpoints = endpoints_subscribed(event)
    return deliveries_create(
        webhook_deliveries(
            key=key,
            event=event,
            payload=payload,
            organization_id=organization_id,
            now=now,
            endpoints=endpoints,
            reference=reference,
        )
    )

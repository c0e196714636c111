"""Test helpers: send what the outbox holds, as a worker would."""

from __future__ import annotations

import datetime as dt

from notify.models import Delivery, DeliveryStatus
from notify.sending import SendResult, deliveries_send


def pending_ids(**filters) -> list[int]:
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, **filters).order_by("pk").values_list("pk", flat=True)
    )


def send_pending(*, now: dt.datetime, **filters) -> SendResult:
    """Send every pending delivery (matching `filters`) in one batch at `now`."""
    return deliveries_send(ids=pending_ids(**filters), now=now, clock=lambda: now)

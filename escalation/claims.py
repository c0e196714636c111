"""Claiming many outbox rows at once by compare-and-set.

One conditional `UPDATE … WHERE <still pending and not leased> RETURNING id` takes a
lease on every row of a batch that is still free and says exactly which rows this worker
won: a row another worker holds (or has delivered meanwhile) fails the condition and is
left out. On PostgreSQL a concurrent claim of the same row waits for the first to commit
and then re-checks the condition on the new row version, so two workers never both win a
row; SQLite (3.35+) serialises writers. Django's `update()` returns only a count, hence
the small amount of SQL here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection

from escalation.models import DeliveryStatus, EscalationEvent, WebhookDelivery

# Rows per statement (well under every backend's limit on parameters).
CHUNK = 500


def _dt(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def events_claim(*, event_ids: Iterable[int], now: dt.datetime, lease: dt.timedelta) -> list[int]:
    """Lease the undelivered, unleased events among `event_ids` (counting one delivery
    attempt each) and return the ids this call won, in ascending order."""
    ids = sorted({int(pk) for pk in event_ids})
    if not ids:
        return []
    model = EscalationEvent
    lease_until, attempts, delivered = (
        _column(model, "lease_until"),
        _column(model, "delivery_attempts"),
        _column(model, "delivered_at"),
    )
    pk = connection.ops.quote_name(model._meta.pk.column)
    won: list[int] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(ids):
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {_table(model)} SET {lease_until} = %s, {attempts} = {attempts} + 1 "  # noqa: S608 - names from the model
                f"WHERE {pk} IN ({placeholders}) AND {delivered} IS NULL "
                f"AND ({lease_until} IS NULL OR {lease_until} < %s) RETURNING {pk}",
                [_dt(now + lease), *chunk, _dt(now)],
            )
            won.extend(row[0] for row in cursor.fetchall())
    return sorted(won)


def webhook_deliveries_claim(
    *,
    now: dt.datetime,
    lease: dt.timedelta,
    delivery_ids: Iterable[int] = (),
    escalation_event_ids: Iterable[int] = (),
) -> list[int]:
    """Lease the pending, unleased webhook deliveries given by id or belonging to the
    given escalation events (counting one attempt each); return the ids this call won."""
    model = WebhookDelivery
    lease_until, attempts, status = (
        _column(model, "lease_until"),
        _column(model, "attempts"),
        _column(model, "status"),
    )
    pk = connection.ops.quote_name(model._meta.pk.column)
    won: list[int] = []
    for column, ids in (
        (pk, sorted({int(i) for i in delivery_ids})),
        (_column(model, "escalation_event"), sorted({int(i) for i in escalation_event_ids})),
    ):
        with connection.cursor() as cursor:
            for chunk in _chunks(ids):
                placeholders = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"UPDATE {_table(model)} SET {lease_until} = %s, {attempts} = {attempts} + 1 "  # noqa: S608 - names from the model
                    f"WHERE {column} IN ({placeholders}) AND {status} = %s "
                    f"AND ({lease_until} IS NULL OR {lease_until} < %s) RETURNING {pk}",
                    [_dt(now + lease), *chunk, DeliveryStatus.PENDING.value, _dt(now)],
                )
                won.extend(row[0] for row in cursor.fetchall())
    return sorted(set(won))

"""The sweep's claim of many incidents at once by compare-and-set (the outbox's claims
moved to `notify.sending`; this one goes with the sweep's per-row claim).

One conditional `UPDATE … WHERE <still as seen> RETURNING id` says exactly which rows this
worker won: a row another worker moved meanwhile fails the condition and is left out. On
PostgreSQL a concurrent claim of the same row waits for the first to commit and then
re-checks the condition on the new row version, so two workers never both win a row;
SQLite (3.35+) serialises writers. Django's `update()` returns only a count, hence
the small amount of SQL here.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

# Rows per statement (well under every backend's limit on parameters).
CHUNK = 500


def _dt(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def incidents_claim(claims: dict[int, tuple[dt.datetime, dt.datetime | None]]) -> set[int]:
    """The sweep's claim for a whole batch: for each incident id, compare-and-set
    `next_check_at` from the value the sweep saw to the next one, in one
    `UPDATE … SET next_check_at = CASE … WHERE next_check_at = CASE … RETURNING id`.
    Returns the ids this call won (a row someone moved meanwhile is left alone)."""
    if not claims:
        return set()
    from incidents.models import Incident

    model = Incident
    column = _column(model, "next_check_at")
    pk = connection.ops.quote_name(model._meta.pk.column)
    # PostgreSQL needs the type of a parameter that may be NULL; SQLite stores text.
    value = "CAST(%s AS timestamp with time zone)" if connection.vendor == "postgresql" else "%s"
    won: set[int] = set()
    items = sorted(claims.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            whens = " ".join([f"WHEN %s THEN {value}"] * len(chunk))
            ids = [incident_id for incident_id, _ in chunk]
            new_params = [p for incident_id, (_, new) in chunk for p in (incident_id, _dt(new) if new else None)]
            seen_params = [p for incident_id, (seen, _) in chunk for p in (incident_id, _dt(seen))]
            cursor.execute(
                f"UPDATE {_table(model)} SET {column} = CASE {pk} {whens} END "  # noqa: S608 - names from the model
                f"WHERE {pk} IN ({', '.join(['%s'] * len(chunk))}) AND {column} = CASE {pk} {whens} END "
                f"RETURNING {pk}",
                [*new_params, *ids, *seen_params],
            )
            won.update(row[0] for row in cursor.fetchall())
    return won

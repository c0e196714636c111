"""django-simple-history's records: the field every recorded model declares
(`HistoricalRecords`), and rows as they stood at a past moment, read from its tables.

Every read takes `at: datetime | None` (None: the live rows) and uses `Model.history.as_of(at)`.

Rows created before history was recorded (e.g. seeded by a data migration and never changed)
have no historical record; they are shown with their current values. A row whose first
recorded change came after `at` existed then with a value nobody recorded: such ids are
returned as "unknown" so that a page can say so instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from django.db import models
from simple_history import manager as history_manager
from simple_history import models as history_models


class HistoryManager(history_manager.HistoryManager):
    """simple-history's manager of a model's records, its class built once. The library's
    descriptor asks for `from_queryset(...)` on every `instance.history`, so on every record
    it writes, and Django builds a new class each time (about 1,100 Python calls, most in
    `inspect.getmembers`: 7 % of an incident's submission)."""

    @classmethod
    @functools.cache
    def from_queryset(cls, queryset_class: type, class_name: str | None = None) -> type:
        return super().from_queryset(queryset_class, class_name)


class HistoricalRecords(history_models.HistoricalRecords):
    """simple-history's `HistoricalRecords`, with the manager above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("history_manager", HistoryManager)
        super().__init__(*args, **kwargs)


def moment_for(on: dt.date) -> dt.datetime:
    """The end of day `on` in UTC: "as of 2026-01-01" includes every change made that day."""
    return dt.datetime.combine(on + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC) - dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class HistoricalRows:
    rows: list[Any]
    unknown_ids: frozenset[int] = frozenset()


def rows_as_of(model: type[models.Model], at: dt.datetime | None) -> HistoricalRows:
    """All rows of `model` now (at=None) or as they stood at `at`."""
    if at is None:
        return HistoricalRows(rows=list(model._default_manager.all()))
    history = model.history  # type: ignore[attr-defined]
    rows = list(history.as_of(at))
    first_records: dict[int, tuple[dt.datetime, str]] = {}
    for pk, when, kind in history.order_by("history_date", "history_id").values_list(
        "id", "history_date", "history_type"
    ):
        first_records.setdefault(pk, (when, kind))
    untracked = list(model._default_manager.exclude(pk__in=list(first_records)))
    unknown = frozenset(pk for pk, (when, kind) in first_records.items() if when > at and kind == "~")
    return HistoricalRows(rows=rows + untracked, unknown_ids=unknown)


def first_as_of(model: type[models.Model], at: dt.datetime | None) -> Any:
    """The row with the lowest id now or at `at` (for single-row settings), or None."""
    rows = sorted(rows_as_of(model, at).rows, key=lambda r: r.pk)
    return rows[0] if rows else None


def last_change_at(model: type[models.Model], at: dt.datetime | None = None) -> dt.datetime | None:
    """When a row of `model` last changed (up to `at`), from its history; None without history rows."""
    changes = model.history.all()  # type: ignore[attr-defined]
    if at is not None:
        changes = changes.filter(history_date__lte=at)
    last: dt.datetime | None = changes.order_by("-history_date").values_list("history_date", flat=True).first()
    return last


def last_change_on(model: type[models.Model], at: dt.datetime | None = None) -> dt.date | None:
    """The day of `last_change_at`."""
    last = last_change_at(model, at)
    return last.date() if last else None

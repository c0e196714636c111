"""Writes on saved replies: counting their use."""

from __future__ import annotations

from django.db.models import F

from incidents.models import Macro


def macro_count_use(*, macro: Macro) -> None:
    """One more use (an atomic increment in the database, never a read-modify-write)."""
    Macro.objects.filter(pk=macro.pk).update(usage_count=F("usage_count") + 1)

"""Writes on the SLA policy that other code relies on."""

from __future__ import annotations

from django.db.models import F

from sla.models import SupportRegion


def region_version_bump(*, region_id: int) -> None:
    """Mark the region's calendar as changed: call in the transaction of every write to a
    region, its opening intervals, date exceptions or languages (`sla.calendars`' cache
    key)."""
    SupportRegion.objects.filter(pk=region_id).update(version=F("version") + 1)

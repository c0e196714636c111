"""Writes on the SLA policy that other code relies on."""

from __future__ import annotations

from django.db.models import F

from core.public_cache import public_version_bump
from sla.models import SupportRegion


def region_version_bump(*, region_id: int) -> None:
    """Mark the region's calendar as changed: call in the transaction of every write to a
    region, its opening intervals, date exceptions or languages (`sla.calendars`' cache
    key)."""
    SupportRegion.objects.filter(pk=region_id).update(version=F("version") + 1)
    public_version_bump()  # the public pages show the calendars too (an update sends no post_save)


def region_changed(sender: type, instance: object, **kwargs: object) -> None:
    """Signal receiver: a region or a row of its calendar was saved or deleted."""
    region_id = instance.pk if isinstance(instance, SupportRegion) else getattr(instance, "region_id", None)
    if region_id is not None:
        region_version_bump(region_id=region_id)

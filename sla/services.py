"""Writes on the SLA policy that other code relies on: the regions' versions, the one
version of what the SLA is (the key of everything kept of it: a region's calendar, the
severities and targets, the SLA page's fragments), and the snapshot of a region's calendar
for each version it had (`CalendarSnapshot`), which incidents filed under it keep reading."""

from __future__ import annotations

from django.db.models import F

from core.public_version import public_version_bump
from sla.calendars import calendar_snapshot_of
from sla.models import SupportRegion


def policy_changed(sender: type, instance: object, **kwargs: object) -> None:
    """Signal receiver: a plan, a severity or a response target was saved or deleted. Every
    region's submissions read them (`sla.calendars.region_terms`, kept by region version);
    no region's calendar changed, so no snapshot is written."""
    SupportRegion.objects.update(version=F("version") + 1)
    public_version_bump()  # the public pages show the policy too (an update sends no post_save)


def region_version_bump(*, region_id: int) -> None:
    """Mark the region's calendar as changed: call in the transaction of every write to a
    region, its opening intervals, date exceptions or languages. Moves the region's version
    and writes the calendar's snapshot for the new version (four queries), so incidents
    filed before keep the calendar of theirs and incidents filed after read this one."""
    if not SupportRegion.objects.filter(pk=region_id).update(version=F("version") + 1):
        return  # the region itself was deleted
    region = SupportRegion.objects.get(pk=region_id)
    calendar_snapshot_of(region).save(force_insert=True)
    public_version_bump()


def region_changed(sender: type, instance: object, **kwargs: object) -> None:
    """Signal receiver: a region or a row of its calendar was saved or deleted."""
    region_id = instance.pk if isinstance(instance, SupportRegion) else getattr(instance, "region_id", None)
    if region_id is not None:
        region_version_bump(region_id=region_id)

"""Writes on the SLA policy that other code relies on: the versions that key what is kept
of it (a region's calendar; the SLA page's tables, last change and region days)."""

from __future__ import annotations

from django.db.models import F

from core.public_version import public_version_bump
from sla.models import PolicyVersion, SupportRegion


def policy_version_bump() -> None:
    """Mark the SLA policy as changed: call in the transaction of every write to a plan,
    severity, response target or region (`region_version_bump` does) and to a region's
    calendar rows; `SlaPolicy.version` is the key of what is kept of the policy."""
    if not PolicyVersion.objects.filter(pk=PolicyVersion.ONE).update(version=F("version") + 1):
        # A database without the row its migration wrote (a flushed test database).
        PolicyVersion.objects.get_or_create(pk=PolicyVersion.ONE, defaults={"version": 1})
    public_version_bump()  # the public pages show the policy too (an update sends no post_save)


def policy_changed(sender: type, instance: object, **kwargs: object) -> None:
    """Signal receiver: a plan, a severity or a response target was saved or deleted. Every
    region's submissions read them (`sla.calendars.region_terms`, kept by region version)."""
    SupportRegion.objects.update(version=F("version") + 1)
    policy_version_bump()


def region_version_bump(*, region_id: int) -> None:
    """Mark the region's calendar as changed: call in the transaction of every write to a
    region, its opening intervals, date exceptions or languages (`sla.calendars`' cache
    key). The policy changed with it."""
    SupportRegion.objects.filter(pk=region_id).update(version=F("version") + 1)
    policy_version_bump()


def region_changed(sender: type, instance: object, **kwargs: object) -> None:
    """Signal receiver: a region or a row of its calendar was saved or deleted."""
    region_id = instance.pk if isinstance(instance, SupportRegion) else getattr(instance, "region_id", None)
    if region_id is not None:
        region_version_bump(region_id=region_id)

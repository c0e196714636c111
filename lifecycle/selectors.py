"""Reads of the product registry: versions and their lifecycle phase, the lifecycle policy,
Dynamics compatibility and the roadmap, live or as they stood at a past moment (`at`, read
from the history through `core.history`)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.history import first_as_of, rows_as_of
from lifecycle import phases
from lifecycle.models import (
    Compatibility,
    DynamicsProduct,
    LifecyclePolicy,
    Phase,
    PlannedRelease,
    Product,
    ProductVersion,
    RoadmapStatement,
)

DEFAULT_DATES_ZONE = "America/Los_Angeles"


# --- Lifecycle --------------------------------------------------------------------------


def lifecycle_policy(at: dt.datetime | None = None) -> LifecyclePolicy | None:
    return first_as_of(LifecyclePolicy, at)


def dates_zone(policy: LifecyclePolicy | None) -> zoneinfo.ZoneInfo:
    name = policy.dates_time_zone if policy is not None else DEFAULT_DATES_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_DATES_ZONE)


def lifecycle_today(now: dt.datetime, policy: LifecyclePolicy | None = None) -> dt.date:
    """Today's date in the zone of the lifecycle dates."""
    if policy is None:
        policy = lifecycle_policy()
    return now.astimezone(dates_zone(policy)).date()


@dataclass(frozen=True)
class VersionRow:
    version: ProductVersion
    product: Product | None
    phase: str
    phase_label: str
    is_supported: bool
    ends_on: dt.date | None
    successor_released_on: dt.date | None
    dynamics: list[DynamicsProduct] = field(default_factory=list)

    @property
    def badge(self) -> str:
        return {
            Phase.MAINSTREAM: "badge-ok",
            Phase.CURRENT: "badge-ok",
            Phase.EXTENDED: "badge-warn",
            Phase.ENDED: "badge-bad",
        }.get(self.phase, "badge-info")


def _successors(versions: list[ProductVersion]) -> dict[int, dt.date | None]:
    """For each version: the release date of the next released version of the same product."""
    by_product: dict[int, list[ProductVersion]] = defaultdict(list)
    for v in versions:
        if v.released_on is not None:
            by_product[v.product_id].append(v)
    result: dict[int, dt.date | None] = {}
    for released in by_product.values():
        released.sort(key=lambda v: v.released_on)
        for v in released:
            later = [o.released_on for o in released if o.released_on > v.released_on]
            result[v.pk] = min(later) if later else None
    return result


def _version_row(
    v: ProductVersion, *, product: Product | None, successor: dt.date | None, on: dt.date, dynamics: list
) -> VersionRow:
    phase = phases.version_phase(
        policy=v.policy,
        released_on=v.released_on,
        mainstream_end_on=v.mainstream_end_on,
        extended_end_on=v.extended_end_on,
        successor_released_on=successor,
        on=on,
    )
    return VersionRow(
        version=v,
        product=product,
        phase=phase,
        phase_label=str(Phase(phase).label),
        is_supported=phase in phases.SUPPORTED_PHASES,
        ends_on=phases.support_ends_on(
            policy=v.policy,
            mainstream_end_on=v.mainstream_end_on,
            extended_end_on=v.extended_end_on,
            successor_released_on=successor,
        ),
        successor_released_on=successor,
        dynamics=dynamics,
    )


def lifecycle_rows(*, on: dt.date, at: dt.datetime | None = None) -> list[VersionRow]:
    """Every version of every product with its phase on `on` and its Dynamics versions,
    products in display order, newest release first (five queries live)."""
    products = {p.pk: p for p in rows_as_of(Product, at).rows}
    versions = rows_as_of(ProductVersion, at).rows
    dynamics = {d.pk: d for d in rows_as_of(DynamicsProduct, at).rows}
    compat: dict[int, list[DynamicsProduct]] = defaultdict(list)
    for c in rows_as_of(Compatibility, at).rows:
        if c.dynamics_product_id in dynamics:
            compat[c.product_version_id].append(dynamics[c.dynamics_product_id])
    for items in compat.values():
        items.sort(key=lambda d: (d.family, d.start_on or dt.date.min, d.key))
    successors = _successors(versions)

    def order(v: ProductVersion) -> tuple:
        p = products.get(v.product_id)
        return (p.display_order if p else 0, p.name if p else "", -(v.released_on or dt.date.max).toordinal())

    return [
        _version_row(
            v, product=products.get(v.product_id), successor=successors.get(v.pk), on=on, dynamics=compat[v.pk]
        )
        for v in sorted(versions, key=order)
    ]


@dataclass(frozen=True)
class SupportStatus:
    phase: str
    phase_label: str
    is_supported: bool
    ends_on: dt.date | None
    message: str


def version_support_status(version: ProductVersion, on: dt.date | dt.datetime) -> SupportStatus:
    """Is `version` supported on `on` (a date in the lifecycle's zone, or an aware datetime)?
    `message` is empty in full support and otherwise tells the customer what it means.
    Two queries."""
    policy = lifecycle_policy()
    if isinstance(on, dt.datetime):
        on = lifecycle_today(on, policy)
    successor = None
    if version.released_on is not None:
        successor = (
            ProductVersion.objects.filter(product_id=version.product_id, released_on__gt=version.released_on)
            .order_by("released_on")
            .values_list("released_on", flat=True)
            .first()
        )
    row = _version_row(version, product=None, successor=successor, on=on, dynamics=[])
    params = {"version": version.version, "date": row.ends_on.isoformat() if row.ends_on else ""}
    if row.phase == Phase.ENDED:
        message = (
            _(
                "Version %(version)s is out of support since %(date)s. We can only help on a supported version: "
                "please plan an upgrade (see the support lifecycle)."
            )
            % {**params, "date": (row.ends_on + dt.timedelta(days=1)).isoformat()}
            if row.ends_on
            else _("Version %(version)s is out of support. Please plan an upgrade (see the support lifecycle).")
            % params
        )
    elif row.phase == Phase.EXTENDED:
        message = (
            _(
                "Version %(version)s is in extended support until %(date)s: security and critical fixes only, "
                "no new features or non-security hotfixes."
            )
            % params
        )
    elif row.phase == Phase.UPCOMING:
        message = _("Version %(version)s is not released yet.") % params
    else:
        message = ""
    return SupportStatus(
        phase=row.phase,
        phase_label=row.phase_label,
        is_supported=row.is_supported,
        ends_on=row.ends_on,
        message=message,
    )


def dynamics_products_used(rows: list[VersionRow]) -> list[DynamicsProduct]:
    """The Dynamics versions that any of our versions runs on, each once, in listing order."""
    seen: dict[int, DynamicsProduct] = {}
    for row in rows:
        for d in row.dynamics:
            seen.setdefault(d.pk, d)
    return sorted(seen.values(), key=lambda d: (d.family, d.start_on or dt.date.min, d.key))


# --- Roadmap ----------------------------------------------------------------------------


def roadmap_statement(at: dt.datetime | None = None) -> RoadmapStatement | None:
    return first_as_of(RoadmapStatement, at)


def planned_releases(at: dt.datetime | None = None) -> list[PlannedRelease]:
    return sorted(rows_as_of(PlannedRelease, at).rows, key=lambda r: (r.planned_on, r.version))

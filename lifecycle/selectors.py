"""Reads for the lifecycle, contacts, roadmap and CfMD pages, live or as they stood at a past
moment (`at`): every read takes `at: datetime | None` and uses `Model.history.as_of(at)`.

Rows created before history was recorded (e.g. seeded by a data migration and never changed)
have no historical record; they are shown with their current values. A row whose first
recorded change came after `at` existed then with a value nobody recorded: such ids are
returned as "unknown" so that the page can say so instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import models
from django.utils.translation import gettext as _

from cfmd.models import EvidenceRecord
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
from sla.models import ChannelKind, SupportChannel

DEFAULT_DATES_ZONE = "America/Los_Angeles"


# --- Reading history --------------------------------------------------------------------


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


def _first(model: type[models.Model], at: dt.datetime | None) -> Any:
    rows = sorted(rows_as_of(model, at).rows, key=lambda r: r.pk)
    return rows[0] if rows else None


# --- Lifecycle --------------------------------------------------------------------------


def lifecycle_policy(at: dt.datetime | None = None) -> LifecyclePolicy | None:
    return _first(LifecyclePolicy, at)


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


# --- Contacts ---------------------------------------------------------------------------


def support_channels(at: dt.datetime | None = None) -> list[SupportChannel]:
    rows = [c for c in rows_as_of(SupportChannel, at).rows if c.is_active]
    return sorted(rows, key=lambda c: (c.display_order, c.name))


def escalation_contacts(at: dt.datetime | None = None) -> list[Any]:
    """The public escalation contacts (the escalation app's model), live through its selector."""
    if at is None:
        from escalation.selectors import public_escalation_contacts

        return list(public_escalation_contacts())
    from escalation.models import EscalationContact

    rows = [c for c in rows_as_of(EscalationContact, at).rows if c.is_public]
    return sorted(rows, key=lambda c: (c.display_order, c.name))


# --- Roadmap ----------------------------------------------------------------------------


def roadmap_statement(at: dt.datetime | None = None) -> RoadmapStatement | None:
    return _first(RoadmapStatement, at)


def planned_releases(at: dt.datetime | None = None) -> list[PlannedRelease]:
    return sorted(rows_as_of(PlannedRelease, at).rows, key=lambda r: (r.planned_on, r.version))


# --- Evidence ---------------------------------------------------------------------------


def evidence_records(at: dt.datetime | None = None) -> list[EvidenceRecord]:
    return sorted(rows_as_of(EvidenceRecord, at).rows, key=lambda r: (r.kind, -r.dated_on.toordinal(), r.title))


# --- SLA (the incidents app's policy, read through its history) -------------------------


@dataclass(frozen=True)
class SlaCell:
    target: Any | None
    is_unknown: bool = False


@dataclass(frozen=True)
class SlaMatrixAsOf:
    plans: list[Any]
    severities: list[Any]
    rows: list[tuple[Any, list[SlaCell]]]
    last_changed_at: dt.datetime | None

    @property
    def is_complete(self) -> bool:
        return bool(self.plans) and all(cell.target is not None for _, cells in self.rows for cell in cells)

    @property
    def has_unknown(self) -> bool:
        return any(cell.is_unknown for _, cells in self.rows for cell in cells)


def sla_matrix_as_of(at: dt.datetime | None = None) -> SlaMatrixAsOf:
    """Plan × severity response targets now or at `at`, like incidents.selectors.sla_matrix()."""
    from sla.models import ResponseTarget, Severity, SupportPlan

    plans = sorted(rows_as_of(SupportPlan, at).rows, key=lambda p: (p.display_order, p.code))
    severities = sorted(rows_as_of(Severity, at).rows, key=lambda s: (s.display_order, s.code))
    target_rows = rows_as_of(ResponseTarget, at)
    targets = {(t.plan_id, t.severity_id): t for t in target_rows.rows}
    unknown: set[tuple[int, int]] = set()
    if target_rows.unknown_ids:
        unknown = set(
            ResponseTarget.objects.filter(pk__in=target_rows.unknown_ids).values_list("plan_id", "severity_id")
        )
    rows = [
        (
            severity,
            [
                SlaCell(target=targets.get((plan.pk, severity.pk)), is_unknown=(plan.pk, severity.pk) in unknown)
                for plan in plans
            ],
        )
        for severity in severities
    ]
    changes = ResponseTarget.history.all()
    if at is not None:
        changes = changes.filter(history_date__lte=at)
    last = changes.order_by("-history_date").values_list("history_date", flat=True).first()
    return SlaMatrixAsOf(plans=plans, severities=severities, rows=rows, last_changed_at=last)


# --- Knowledge base (another app; may not exist yet) ------------------------------------


def published_article_count(at: dt.datetime | None = None) -> int | None:
    """How many knowledge base articles are published; None while there is no Article model."""
    try:
        article = apps.get_model("knowledgebase", "Article")
    except LookupError:
        return None
    try:
        if at is None or not hasattr(article, "history"):
            return article._default_manager.filter(status="published").count()
        return sum(1 for a in rows_as_of(article, at).rows if getattr(a, "status", None) == "published")
    except FieldError:
        return None


def knowledge_base_last_change_on(at: dt.datetime | None = None) -> dt.date | None:
    """The day a knowledge base article last changed (None without the Article model or history)."""
    try:
        article = apps.get_model("knowledgebase", "Article")
    except LookupError:
        return None
    if not hasattr(article, "history"):
        return None
    changes = article.history.all()
    if at is not None:
        changes = changes.filter(history_date__lte=at)
    last = changes.order_by("-history_date").values_list("history_date", flat=True).first()
    return last.date() if last else None


# --- Helpers for the pages --------------------------------------------------------------


def channel_href(channel: SupportChannel) -> str:
    if channel.kind == ChannelKind.EMAIL:
        return f"mailto:{channel.address}"
    if channel.kind == ChannelKind.PHONE:
        return "tel:" + "".join(ch for ch in channel.address if ch.isdigit() or ch == "+")
    if channel.address.startswith(("http://", "https://", "/")):
        return channel.address
    return ""

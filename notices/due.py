"""Which notices are due on a day: the plan notices of contracts and the end-of-support
notices of the versions organisations run.

Each notice has a window: from its due date until the next notice of its series is due (or a
few weeks for the last one). A job that runs inside the window sends it (late when after its
due date); a job that missed the whole window never sends it. The windows of one series do
not overlap, so a job that did not run for months sends only the latest notice of each
series, never a burst.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from accounts.entitlements import contract_incidents_used
from accounts.models import Contract, Organization
from incidents.models import Incident
from lifecycle.models import PolicyKind, ProductVersion
from lifecycle.phases import years_before
from lifecycle.selectors import VersionRow, lifecycle_rows
from notices.models import NoticeKind, OrganizationVersion

WELCOME_DAYS = 30  # a welcome or an upgrade confirmation is still worth sending this late
RENEWAL_DAYS_BEFORE = 60
LAPSE_DAYS = (35, 180)
LAST_NOTICE_DAYS = 30  # the last notice of a series is still sent this many days late
VERSIONS_LEARNED_DAYS = 365  # a version named on an incident filed this recently is run


@dataclass(frozen=True)
class Due:
    kind: str
    organization_id: int
    organization_name: str
    subject: str
    anchor_on: dt.date
    due_on: dt.date
    contract: Contract | None = None
    product_version: ProductVersion | None = None
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, str, str, dt.date]:
        return (self.organization_id, self.kind, self.subject, self.anchor_on)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` earlier (the month's last day when it has fewer days)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, candidate)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def renew_contact() -> str:
    """Where to renew: organisations carry no reseller or partner field, so the ISV's support address."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


def _plan_kinds(contract: Contract, *, has_successor: bool, today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """(kind, due date, anchor date) of each plan notice whose window holds `today`."""
    starts, ends = contract.starts_on, contract.ends_on
    found = []
    if starts <= today <= min(starts + dt.timedelta(days=WELCOME_DAYS), ends):
        found.append((NoticeKind.UPGRADE if contract.upgraded_from_id else NoticeKind.WELCOME, starts, starts))
    if has_successor:
        return found
    windows = [
        (NoticeKind.RENEWAL, -RENEWAL_DAYS_BEFORE, 0),
        (NoticeKind.LAPSED_35, LAPSE_DAYS[0], LAPSE_DAYS[1] - 1),
        (NoticeKind.LAPSED_180, LAPSE_DAYS[1], LAPSE_DAYS[1] + LAST_NOTICE_DAYS),
    ]
    for kind, first, last in windows:
        if ends + dt.timedelta(days=first) <= today <= ends + dt.timedelta(days=last):
            found.append((kind, ends + dt.timedelta(days=first), ends))
    return found


def plan_due(today: dt.date) -> list[Due]:
    """The plan notices whose window holds `today` (one query, plus one count per notice)."""
    successor = Contract.objects.filter(organization=OuterRef("organization"), starts_on__gt=OuterRef("starts_on"))
    contracts = (
        Contract.objects.filter(
            Q(starts_on__range=(today - dt.timedelta(days=WELCOME_DAYS), today))
            | Q(
                ends_on__range=(
                    today - dt.timedelta(days=LAPSE_DAYS[1] + LAST_NOTICE_DAYS),
                    today + dt.timedelta(days=RENEWAL_DAYS_BEFORE),
                )
            )
        )
        .select_related("organization", "plan", "upgraded_from__plan")
        .annotate(has_successor=Exists(successor))
        .order_by("organization__name", "starts_on", "pk")
    )
    due = []
    for contract in contracts:
        found = _plan_kinds(contract, has_successor=contract.has_successor, today=today)
        if not found:
            continue
        used = contract_incidents_used(contract)
        context = {
            "organization": contract.organization.name,
            "plan": contract.plan.name,
            "previous_plan": contract.upgraded_from.plan.name if contract.upgraded_from else "",
            "starts_on": contract.starts_on.isoformat(),
            "ends_on": contract.ends_on.isoformat(),
            "reference": contract.reference,
            "allotted": contract.incidents_allotted,
            "used": used,
            "left": max(0, contract.incidents_allotted - used),
            "renew_contact": renew_contact(),
            "account_url": f"{settings.SITE_URL}{reverse('account')}",
            "VENDOR_NAME": settings.VENDOR_NAME,
        }
        due.extend(
            Due(
                kind=kind,
                organization_id=contract.organization_id,
                organization_name=contract.organization.name,
                subject=f"contract:{contract.pk}",
                anchor_on=anchor_on,
                due_on=due_on,
                contract=contract,
                context=context,
            )
            for kind, due_on, anchor_on in found
        )
    return due


def _milestones(row: VersionRow) -> list[tuple[str, dt.date]]:
    """The end dates a version's customers hear about: mainstream and extended (Fixed), servicing (Modern)."""
    v = row.version
    if v.policy == PolicyKind.FIXED:
        return [
            (name, day) for name, day in (("mainstream", v.mainstream_end_on), ("extended", v.extended_end_on)) if day
        ]
    return [("servicing", row.ends_on)] if row.ends_on else []


def _eos_kind(end: dt.date, today: dt.date) -> tuple[str, dt.date] | None:
    d12, d6, d30 = years_before(end), months_before(end, 6), end - dt.timedelta(days=30)
    for kind, first, last in (
        (NoticeKind.EOS_12M, d12, d6 - dt.timedelta(days=1)),
        (NoticeKind.EOS_6M, d6, d30 - dt.timedelta(days=1)),
        (NoticeKind.EOS_30D, d30, end),
    ):
        if first <= today <= last:
            return kind, first
    return None


def _upgrade_path(row: VersionRow, rows: list[VersionRow], end: dt.date) -> list[dict[str, str]]:
    """The later versions of the same product still supported after `end`, oldest first."""
    v = row.version
    later = [
        r
        for r in rows
        if r.version.product_id == v.product_id
        and r.version.released_on is not None
        and v.released_on is not None
        and r.version.released_on > v.released_on
        and (r.ends_on is None or r.ends_on > end)
    ]
    later.sort(key=lambda r: r.version.released_on)
    return [{"version": r.version.version, "ends_on": r.ends_on.isoformat() if r.ends_on else ""} for r in later]


def versions_run(version_ids: list[int], *, today: dt.date) -> dict[int, set[int]]:
    """For each version: the organisations that run it (recorded, or named on a recent incident)."""
    since = dt.datetime.combine(today - dt.timedelta(days=VERSIONS_LEARNED_DAYS), dt.time(), tzinfo=dt.UTC)
    pairs = set(
        OrganizationVersion.objects.filter(product_version_id__in=version_ids).values_list(
            "product_version_id", "organization_id"
        )
    )
    pairs |= set(
        Incident.objects.filter(product_version_id__in=version_ids, submitted_at__gte=since)
        .values_list("product_version_id", "organization_id")
        .distinct()
    )
    run: dict[int, set[int]] = {}
    for version_id, organization_id in pairs:
        run.setdefault(version_id, set()).add(organization_id)
    return run


def end_of_support_due(today: dt.date) -> list[Due]:
    """The end-of-support notices whose window holds `today`, one per organisation running the version."""
    rows = lifecycle_rows(on=today)
    found = []
    for row in rows:
        for milestone, end in _milestones(row):
            kind = _eos_kind(end, today)
            if kind is not None:
                found.append((row, milestone, end, *kind))
    if not found:
        return []
    run = versions_run([row.version.pk for row, *_ in found], today=today)
    names = dict(
        Organization.objects.filter(pk__in={o for orgs in run.values() for o in orgs}).values_list("pk", "name")
    )
    due = []
    for row, milestone, end, kind, due_on in found:
        v = row.version
        context = {
            "product": row.product.name if row.product else "",
            "version": v.version,
            "policy": v.policy,
            "milestone": milestone,
            "ends_on": end.isoformat(),
            "upgrade_path": _upgrade_path(row, rows, end),
            "lifecycle_url": f"{settings.SITE_URL}{reverse('cfmd:lifecycle')}",
            "support_contact": renew_contact(),
            "VENDOR_NAME": settings.VENDOR_NAME,
        }
        for organization_id in sorted(run.get(v.pk, ()), key=lambda pk: names.get(pk, "")):
            due.append(
                Due(
                    kind=kind,
                    organization_id=organization_id,
                    organization_name=names.get(organization_id, ""),
                    subject=f"version:{v.pk}:{milestone}",
                    anchor_on=end,
                    due_on=due_on,
                    product_version=v,
                    context={**context, "organization": names.get(organization_id, "")},
                )
            )
    return due

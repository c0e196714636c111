"""The SLA's face to the apps above (they import these, never `sla.calendars`, its cache):
the severities and the response target a region's submissions read, the calendar an
incident's deadline and steps are placed on, the plan × severity matrix and the published
support channels, live (`as_of=None`) or as they stood at a past moment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Protocol

from core.history import rows_as_of
from sla import calendars
from sla.businesshours import Calendar
from sla.models import ChannelKind, ResponseTarget, Severity, SupportChannel, SupportPlan, SupportRegion


class UnknownTarget(LookupError):
    """No response target for this plan and severity."""


def severities(region: SupportRegion) -> list[Severity]:
    """The severities in display order, as a submission in the region reads them (kept by the
    region's version: no query while it holds); instances of the caller's own."""
    return calendars.region_terms(region).severities()


def response_target(*, plan_id: int, severity: Severity, region: SupportRegion) -> ResponseTarget:
    """The plan's target for the severity, as a submission in the region reads it (kept by
    the region's version: no query while it holds)."""
    target = calendars.region_terms(region).target(plan_id=plan_id, severity=severity)
    if target is None:
        plan_code = SupportPlan.objects.filter(pk=plan_id).values_list("code", flat=True).first()
        raise UnknownTarget(f"no response target for plan {plan_code} and severity {severity.code}")
    return target


class FiledIncident(Protocol):
    """What the filing calendar reads of an incident (`incidents.models.Incident`)."""

    region: SupportRegion
    calendar_version: int | None
    response_target_coverage: str


def filing_calendar(incident: FiledIncident, at: dt.datetime) -> Calendar:
    """The calendar the incident's deadline and escalation steps are placed on: its stored
    target's coverage on the region's calendar at the version it was filed under (the
    region's current one for an incident filed before versions were recorded). A calendar
    edit after filing never reaches it. `at`: the instant whose year's holidays are needed."""
    return calendars.target_calendar(
        coverage=incident.response_target_coverage, region=incident.region, at=at, version=incident.calendar_version
    )


@dataclass(frozen=True)
class SlaCell:
    target: ResponseTarget | None
    is_unknown: bool = False  # the target existed then, but its value then was not recorded


@dataclass(frozen=True)
class SlaMatrix:
    plans: list[SupportPlan]
    severities: list[Severity]
    rows: list[tuple[Severity, list[SlaCell]]]  # severity rows × plan columns

    @property
    def has_unknown(self) -> bool:
        return any(cell.is_unknown for _, cells in self.rows for cell in cells)


def sla_matrix(as_of: dt.datetime | None = None) -> SlaMatrix:
    """Plan × severity response targets in display order, now or at `as_of` (three queries
    live): the home page, the SLA page, the CfMD compliance check and the evidence pack."""
    plans = rows_as_of(SupportPlan, as_of).rows
    severities = rows_as_of(Severity, as_of).rows
    target_rows = rows_as_of(ResponseTarget, as_of)
    unknown: set[tuple[int, int]] = set()
    if target_rows.unknown_ids:
        unknown = set(
            ResponseTarget.objects.filter(pk__in=target_rows.unknown_ids).values_list("plan_id", "severity_id")
        )
    return matrix_from_rows(plans, severities, target_rows.rows, unknown=unknown)


def matrix_from_rows(
    plans: Iterable[SupportPlan],
    severities: Iterable[Severity],
    targets: Iterable[ResponseTarget],
    *,
    unknown: Collection[tuple[int, int]] = (),
) -> SlaMatrix:
    """The matrix of rows already read (`unknown`: the (plan id, severity id) pairs whose
    target's value then was not recorded)."""
    plan_list = sorted(plans, key=lambda p: (p.display_order, p.code))
    severity_list = sorted(severities, key=lambda s: (s.display_order, s.code))
    by_pair = {(t.plan_id, t.severity_id): t for t in targets}
    rows = [
        (
            severity,
            [
                SlaCell(target=by_pair.get((plan.pk, severity.pk)), is_unknown=(plan.pk, severity.pk) in unknown)
                for plan in plan_list
            ],
        )
        for severity in severity_list
    ]
    return SlaMatrix(plans=plan_list, severities=severity_list, rows=rows)


def support_channels(at: dt.datetime | None = None) -> list[SupportChannel]:
    """The active support channels in display order, now or at `at`."""
    rows = [c for c in rows_as_of(SupportChannel, at).rows if c.is_active]
    return sorted(rows, key=lambda c: (c.display_order, c.name))


def channel_href(channel: SupportChannel) -> str:
    """A link for the channel: mailto:, tel: or its web address ("" when it has none)."""
    if channel.kind == ChannelKind.EMAIL:
        return f"mailto:{channel.address}"
    if channel.kind == ChannelKind.PHONE:
        return "tel:" + "".join(ch for ch in channel.address if ch.isdigit() or ch == "+")
    if channel.address.startswith(("http://", "https://", "/")):
        return channel.address
    return ""

"""The public SLA page (`/support/`) and its deadline calculator.

Thin: the policy, the schedules and the matrix come from `sla.selectors`, the deadline
from `sla.deadlines`, the same code that sets `Incident.response_due_at`.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sla import businesshours
from sla import selectors as sla
from sla.deadlines import Deadline, UnknownTarget
from sla.forms import DeadlineCalculatorForm, is_calculator_request

# A target that existed on the as_of date but whose value then is not in the history.
NOT_RECORDED = "not-recorded"


@dataclass(frozen=True)
class Calculation:
    deadline: Deadline
    plan_code: str
    severity_code: str
    region: Any
    submitted_at: Any
    clock_starts_at: Any  # None when the clock starts at submission
    region_zone: ZoneInfo


def calculate(form: DeadlineCalculatorForm, policy: sla.SlaPolicy) -> Calculation | None:
    """The deadline for a valid form; errors in the user's terms go on the form."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    region = policy.region(data["region"])
    try:
        deadline = policy.deadline(
            plan=data["plan"], severity=data["severity"], region=data["region"], at=data["submitted_instant"]
        )
    except UnknownTarget:
        form.add_error(None, _("There is no response target for this plan and severity yet."))
        return None
    except ValueError:
        form.add_error(None, _("This region has no business hours, so no deadline can be computed."))
        return None
    submitted_at = data["submitted_instant"]
    opening = businesshours.next_open(deadline.calendar, submitted_at)
    return Calculation(
        deadline=deadline,
        plan_code=data["plan"],
        severity_code=data["severity"],
        region=region,
        submitted_at=submitted_at,
        clock_starts_at=opening if opening != submitted_at else None,
        region_zone=ZoneInfo(region.time_zone),
    )


def contact_channels() -> list[dict[str, str]]:
    """Published support channels (from the lifecycle app), or the support mailbox."""
    from lifecycle.selectors import channel_href, support_channels

    channels = [
        {
            "name": channel.name,
            "kind": channel.get_kind_display(),
            "address": channel.address,
            "href": channel_href(channel),
            "hours": channel.hours,
        }
        for channel in support_channels()
        if channel.kind != "portal"
    ]
    if not channels:
        _name, address = email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)
        channels.append(
            {
                "name": _("Support mailbox"),
                "kind": _("Email"),
                "address": address,
                "href": f"mailto:{address}",
                "hours": _("Read during each region's business hours"),
            }
        )
    return channels


@require_GET
def sla_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    policy = sla.SlaPolicy()
    viewer_zone = timezone.get_current_timezone_name()
    form = DeadlineCalculatorForm(
        request.GET if is_calculator_request(request.GET) else None, policy=policy, viewer_zone=viewer_zone, now=now
    )
    calculation = calculate(form, policy) if form.is_bound else None
    context: dict[str, Any] = {"form": form, "calculation": calculation, "viewer_zone": viewer_zone}
    if getattr(request, "htmx", False):
        return render(request, "sla/calculator_result.html", context)
    # ?as_of=YYYY-MM-DD shows the plans, severities and targets as they stood then, from
    # their history, so an auditor can see what the SLA promised when.
    from cfmd.views import as_of_from
    from lifecycle.selectors import sla_matrix_as_of

    as_of = as_of_from(request, now=now)
    if as_of.at is not None:
        historical = sla_matrix_as_of(as_of.at)
        plans = historical.plans
        severities = historical.severities
        matrix = [
            sla.MatrixRow(
                severity=severity,
                targets=[NOT_RECORDED if cell.is_unknown else cell.target for cell in cells],
            )
            for severity, cells in historical.rows
        ]
    else:
        plans = list(policy.plans.values())
        severities = list(policy.severities.values())
        matrix = sla.policy_matrix(policy)
    context.update(
        {
            "as_of": as_of,
            "plans": plans,
            "severities": severities,
            "matrix": matrix,
            "schedules": sla.region_schedules(policy, now=now),
            "last_changed": sla.policy_last_changed(),
            "channels": contact_channels(),
            "now": now,
        }
    )
    return render(request, "sla/page.html", context, status=400 if as_of.error else 200)

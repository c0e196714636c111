"""The public SLA page (`/support/`) and its deadline calculator.

Thin: the SLA's rows and the schedules come from `sla.policy`, the deadline from
`sla.deadlines` (the same code that sets `Incident.response_due_at`), the matrix and the
channels from `sla.selectors`.
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
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.as_of import as_of_from
from core.public_cache import public_page
from sla import businesshours
from sla.deadlines import Deadline, UnknownTarget
from sla.forms import DeadlineCalculatorForm, is_calculator_request
from sla.models import ChannelKind
from sla.policy import SlaRows, policy_last_changed, region_schedules
from sla.selectors import channel_href, sla_matrix, support_channels


@dataclass(frozen=True)
class Calculation:
    deadline: Deadline
    plan_code: str
    severity_code: str
    region: Any
    submitted_at: Any
    clock_starts_at: Any  # None when the clock starts at submission
    region_zone: ZoneInfo


def calculate(form: DeadlineCalculatorForm, policy: SlaRows) -> Calculation | None:
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
    """Published support channels, or the support mailbox."""
    channels = [
        {
            "name": channel.name,
            "kind": channel.get_kind_display(),
            "address": channel.address,
            "href": channel_href(channel),
            "hours": channel.hours,
        }
        for channel in support_channels()
        if channel.kind != ChannelKind.PORTAL
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
@public_page(
    params=["as_of"],
    expires=60,  # "open now" and this year's holidays change with the time
    bypass=lambda request: is_calculator_request(request.GET),
)
def sla_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    policy = SlaRows()
    viewer_zone = timezone.get_current_timezone_name()
    calculating = is_calculator_request(request.GET)
    form: Any
    if calculating:
        form = DeadlineCalculatorForm(request.GET, policy=policy, viewer_zone=viewer_zone, now=now)
    else:  # built only when its fragment is not cached (templates/sla/_calculator.html)
        form = SimpleLazyObject(lambda: DeadlineCalculatorForm(None, policy=policy, viewer_zone=viewer_zone, now=now))
    calculation = calculate(form, policy) if calculating else None
    context: dict[str, Any] = {
        "form": form,
        "calculating": calculating,
        "calculation": calculation,
        "viewer_zone": viewer_zone,
        # The empty form's placeholder is the current minute in the viewer's zone.
        "calculator_minute": now.astimezone(ZoneInfo(viewer_zone)).strftime("%Y-%m-%dT%H:%M"),
    }
    if getattr(request, "htmx", False):
        return render(request, "sla/calculator_result.html", context)
    # ?as_of=YYYY-MM-DD shows the plans, severities and targets as they stood then, from
    # their history, so an auditor can see what the SLA promised when (history days are UTC).
    as_of = as_of_from(request, today=now.date(), now=now)
    live = as_of.at is None
    # What changes only with the SLA is read only when its fragment is not cached
    # (templates/sla/page.html's {% cache %} blocks, keyed by the SLA's version).
    context.update(
        {
            "as_of": as_of,
            "sla_version": policy.version,
            "matrix": SimpleLazyObject(policy.matrix) if live else sla_matrix(as_of.at),
            "schedules": region_schedules(policy, now=now),
            "last_changed": SimpleLazyObject(policy_last_changed),
            "channels": contact_channels(),
            "now": now,
        }
    )
    return render(request, "sla/page.html", context, status=400 if as_of.error else 200)

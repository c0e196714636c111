"""The SLA page's deadline calculator: plan, severity, region and a submission time."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sla.policy import SlaRows

INPUT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
FIELD_NAMES = ("plan", "severity", "region", "submitted_at", "zone")


def is_calculator_request(query: Any) -> bool:
    """Whether the query string asks for a calculation (any calculator field present)."""
    return any(name in query for name in FIELD_NAMES)


class DeadlineCalculatorForm(forms.Form):
    plan = forms.ChoiceField(
        label=_("Support plan"),
        error_messages={"invalid_choice": _("Choose a plan from the list.")},
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        error_messages={"invalid_choice": _("Choose a severity from the list.")},
    )
    region = forms.ChoiceField(
        label=_("Support region"),
        error_messages={"invalid_choice": _("Choose a region from the list.")},
    )
    submitted_at = forms.CharField(
        label=_("Submission time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "60"}),
        help_text=_("Leave empty for now."),
    )
    zone = forms.ChoiceField(
        label=_("Time zone of the submission time"),
        error_messages={"invalid_choice": _("Choose a time zone from the list.")},
    )

    def __init__(self, *args: Any, policy: SlaRows, viewer_zone: str, now: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["plan"].choices = [(code, plan.name) for code, plan in policy.plans.items()]
        self.fields["severity"].choices = [(code, str(severity)) for code, severity in policy.severities.items()]
        self.fields["region"].choices = [(code, region.name) for code, region in policy.regions.items()]
        zones: dict[str, str] = {viewer_zone: str(_("Your time zone (%(zone)s)") % {"zone": viewer_zone})}
        for region in policy.regions.values():
            zones.setdefault(region.time_zone, f"{region.name} ({region.time_zone})")
        zones.setdefault("UTC", "UTC")
        self.fields["zone"].choices = list(zones.items())
        self.fields["zone"].initial = viewer_zone
        if policy.plans:
            self.fields["plan"].initial = next(iter(policy.plans))
        if "B" in policy.severities:
            self.fields["severity"].initial = "B"
        self.fields["submitted_at"].widget.attrs["placeholder"] = now.astimezone(
            zoneinfo.ZoneInfo(viewer_zone)
        ).strftime("%Y-%m-%dT%H:%M")

    def clean_submitted_at(self) -> dt.datetime | None:
        raw = (self.cleaned_data.get("submitted_at") or "").strip()
        if not raw:
            return None
        for pattern in INPUT_FORMATS:
            try:
                return dt.datetime.strptime(raw, pattern)  # noqa: DTZ007 - a wall time; the zone field places it
            except ValueError:
                continue
        raise forms.ValidationError(_("Enter a date and time such as 2026-11-23 08:30."), code="invalid")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        wall = cleaned.get("submitted_at")
        zone_name = cleaned.get("zone")
        if zone_name is None or "submitted_at" in self.errors:
            return cleaned
        zone = zoneinfo.ZoneInfo(zone_name)
        if wall is None:
            cleaned["submitted_instant"] = self.now
            return cleaned
        local = wall.replace(tzinfo=zone)
        if local.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall:
            self.add_error(
                "submitted_at",
                forms.ValidationError(
                    _(
                        "%(time)s does not exist in %(zone)s: the clocks jump forward over it that night. "
                        "Choose a time outside the skipped hour."
                    ),
                    code="nonexistent",
                    params={"time": wall.strftime("%Y-%m-%d %H:%M"), "zone": zone_name},
                ),
            )
            return cleaned
        cleaned["submitted_instant"] = local
        return cleaned

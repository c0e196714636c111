"""Admin for the SLA policy: plans, severities, response targets and regions.

These rows are the published promise and the deadline clock at once, so the admin checks
what the engine needs: every plan has a response target for every severity (checked on
the plan and severity pages, and reported on the lists), opening intervals on a day do
not overlap, and a region's zone and holiday country exist. Every row keeps its history
(simple-history), which the SLA page's "last changed" line reads.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from sla.models import (
    DateException,
    OpeningInterval,
    RegionLanguage,
    ResponseTarget,
    Severity,
    SupportChannel,
    SupportPlan,
    SupportRegion,
    Weekday,
)
from sla.policy import targets_missing


def warn_about_missing_targets(request: HttpRequest) -> None:
    missing = targets_missing()
    if missing:
        pairs = ", ".join(f"{plan.name} × {severity.code}" for plan, severity in missing)
        messages.warning(
            request,
            gettext(
                "Every plan needs a response target for every severity, or incidents of that kind get no "
                "deadline. Missing: %(pairs)s."
            )
            % {"pairs": pairs},
        )


class MissingTargetsWarningMixin:
    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "GET":
            warn_about_missing_targets(request)
        return super().changelist_view(request, extra_context)  # type: ignore[misc]


class EveryCounterpartFormSet(forms.BaseInlineFormSet):
    """Response targets inline on a plan (or a severity): one per severity (or plan), all present."""

    counterpart_field = "severity"

    def counterparts(self) -> list[Any]:
        model = Severity if self.counterpart_field == "severity" else SupportPlan
        return list(model.objects.all())

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        covered: set[int] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            counterpart = data.get(self.counterpart_field)
            if counterpart is None:
                continue
            if counterpart.pk in covered:
                raise ValidationError(
                    _("%(name)s has two response targets here; keep one."), params={"name": counterpart}
                )
            covered.add(counterpart.pk)
        missing = [str(c) for c in self.counterparts() if c.pk not in covered]
        if missing:
            if self.counterpart_field == "severity":
                message = _("Every plan needs a response target for every severity. Add targets for: %(missing)s.")
            else:
                message = _("Every severity needs a response target on every plan. Add targets for: %(missing)s.")
            raise ValidationError(message, params={"missing": ", ".join(missing)}, code="missing_targets")


class PlanTargetsFormSet(EveryCounterpartFormSet):
    counterpart_field = "severity"


class SeverityTargetsFormSet(EveryCounterpartFormSet):
    counterpart_field = "plan"


class TargetInlineBase(admin.TabularInline):
    model = ResponseTarget
    fields = ["plan", "severity", "minutes", "coverage"]

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        wanted = (Severity if self.fk_name == "plan" else SupportPlan).objects.count()
        have = obj.targets.count() if obj is not None and obj.pk else 0
        return max(wanted - have, 0)


class PlanTargetInline(TargetInlineBase):
    fk_name = "plan"
    formset = PlanTargetsFormSet
    fields = ["severity", "minutes", "coverage"]
    verbose_name_plural = _("Initial response targets (one per severity)")


class SeverityTargetInline(TargetInlineBase):
    fk_name = "severity"
    formset = SeverityTargetsFormSet
    fields = ["plan", "minutes", "coverage"]
    verbose_name_plural = _("Initial response targets (one per plan)")


@admin.register(SupportPlan)
class SupportPlanAdmin(MissingTargetsWarningMixin, SimpleHistoryAdmin):
    list_display = ["name", "code", "display_order"]
    list_editable = ["display_order"]
    search_fields = ["code", "name"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [PlanTargetInline]


@admin.register(Severity)
class SeverityAdmin(MissingTargetsWarningMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "requires_around_the_clock_contact", "display_order"]
    list_editable = ["display_order"]
    search_fields = ["code", "name", "business_impact"]
    inlines = [SeverityTargetInline]


@admin.register(ResponseTarget)
class ResponseTargetAdmin(MissingTargetsWarningMixin, SimpleHistoryAdmin):
    list_display = ["plan", "severity", "minutes", "coverage"]
    list_editable = ["minutes", "coverage"]
    list_filter = ["plan", "severity", "coverage"]
    list_select_related = ["plan", "severity"]

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        warn_about_missing_targets(request)


class OpeningIntervalFormSet(forms.BaseInlineFormSet):
    """At least one interval, and intervals on the same weekday must not overlap (they may touch)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("opens_at") is None or data.get("closes_at") is None:
                continue
            by_day.setdefault(int(data["weekday"]), []).append((data["opens_at"], data["closes_at"]))
        if not by_day:
            raise ValidationError(
                _(
                    "Give the region at least one opening interval: targets with business-hours coverage "
                    "count only open time, so without any they could never fall due."
                ),
                code="no_openings",
            )
        problems = []
        for day, intervals in sorted(by_day.items()):
            intervals.sort()
            for (start, end), (next_start, next_end) in itertools.pairwise(intervals):
                if end == dt.time(0) or next_start < end:
                    problems.append(
                        gettext("%(day)s: %(a)s and %(b)s overlap.")
                        % {
                            "day": Weekday(day).label,
                            "a": f"{start:%H:%M}–{'24:00' if end == dt.time(0) else f'{end:%H:%M}'}",
                            "b": f"{next_start:%H:%M}–{'24:00' if next_end == dt.time(0) else f'{next_end:%H:%M}'}",
                        }
                    )
        if problems:
            raise ValidationError(problems)


class OpeningIntervalInline(admin.TabularInline):
    model = OpeningInterval
    formset = OpeningIntervalFormSet
    fields = ["weekday", "opens_at", "closes_at"]
    extra = 0
    verbose_name_plural = _("Weekly opening hours (in the region's time zone; several per day allowed)")


class DateExceptionInline(admin.TabularInline):
    model = DateException
    fields = ["on", "kind", "note"]
    extra = 0
    verbose_name_plural = _("Extra closed dates and extra open dates")


class RegionLanguageInline(admin.TabularInline):
    model = RegionLanguage
    fields = ["language", "hours"]
    extra = 0
    verbose_name_plural = _("Languages served and their hours")


@admin.register(SupportRegion)
class SupportRegionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "time_zone", "holiday_country", "holiday_subdivision", "display_order"]
    list_editable = ["display_order"]
    search_fields = ["code", "name", "time_zone"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [OpeningIntervalInline, DateExceptionInline, RegionLanguageInline]
    # Every write to a region or its inlines moves its version (the calendar cache's key):
    # sla/apps.py connects the saves and deletes of those models to it, whatever writes them.


@admin.register(SupportChannel)
class SupportChannelAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "address", "hours", "is_active", "display_order"]
    list_editable = ["is_active", "display_order"]
    list_filter = ["kind", "is_active"]

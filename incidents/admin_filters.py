"""The queue's filters in the admin: open or all, the response clock, the assignee."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents import selectors_queue as q
from incidents.models import IncidentStatus


class QueueStatusFilter(admin.SimpleListFilter):
    """Status, defaulting to the open incidents (the queue); "All" shows closed ones too."""

    title = _("status")
    parameter_name = "status"
    OPEN = "open"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [(self.OPEN, _("Open (all open statuses)")), *IncidentStatus.choices, (self.ALL, _("All"))]

    def value(self):
        return super().value() or self.OPEN

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.OPEN:
            return q.queue_filter_open(queryset)
        if value in IncidentStatus.values:
            return queryset.filter(status=value)
        return queryset

    def choices(self, changelist):
        value = self.value()
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ResponseClockFilter(admin.SimpleListFilter):
    title = _("response clock")
    parameter_name = "clock"

    def lookups(self, request, model_admin):
        return [
            ("breached", _("Breached")),
            ("due_soon", _("Due within the next hour")),
            ("late", _("Responded late")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "breached":
            return q.queue_filter_breached(queryset, now=now)
        if self.value() == "due_soon":
            return q.queue_filter_due_soon(queryset, now=now)
        if self.value() == "late":
            return q.queue_filter_responded_late(queryset)
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", _("Assigned to me")), ("none", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset

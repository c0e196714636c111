"""The queue's filters in the admin: open or all, the response clock, the assignee; and
the search by incident number that every admin list of incidents' rows shares."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident, IncidentStatus
from incidents.selectors import queue as q


class IncidentNumberSearch:
    """A ModelAdmin mixin: a search for an incident's number or id ("INC-2026-000042",
    "000042", "42") also finds the rows of that incident (the number is made from the id,
    so it is no column to search). `incident_lookup` is the path to the incident's id."""

    incident_lookup = "pk"

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        pk = Incident.id_for_reference(search_term)
        if pk is not None:
            found |= queryset.filter(**{self.incident_lookup: pk})
        return found, may_have_duplicates


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
            ("warning", _("Past the warning step")),
            ("late", _("Responded late")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "breached":
            return q.queue_filter_breached(queryset, now=now)
        if self.value() == "warning":
            return q.queue_filter_warning(queryset, now=now)
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


class QueueViewFilter(admin.SimpleListFilter):
    """The saved views (`incidents.selectors.queue.queue_view_labels`), shown as tabs above the queue
    (`IncidentAdmin.changelist_view`), not again in the filter sidebar."""

    title = _("view")
    parameter_name = "view"
    template = "admin/incidents/incident/filter_hidden.html"

    def lookups(self, request, model_admin):
        return q.queue_view_labels()

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return q.queue_filter_view(queryset, self.value(), user=request.user, now=timezone.now())

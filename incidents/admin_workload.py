"""The leads' workload page: open incidents per engineer with their nearest due time, and
a reassignment that tells the new assignee (mixed into `IncidentAdmin`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.admin_forms import ReassignForm
from incidents.selectors.page import workload_by_engineer
from incidents.services import incident_assign

LEAD_GROUPS = ("Support leads", "Support managers")


def is_lead(user) -> bool:
    return bool(user.is_active and user.is_staff) and (
        user.is_superuser or user.groups.filter(name__in=LEAD_GROUPS).exists()
    )


class WorkloadViews(admin.ModelAdmin):
    def get_urls(self):
        return [
            path("workload/", self.admin_site.admin_view(self.workload_view), name="incidents_incident_workload"),
            *super().get_urls(),
        ]

    def workload_view(self, request: HttpRequest) -> HttpResponse:
        if not is_lead(request.user):
            raise PermissionDenied
        form = ReassignForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            incident = form.cleaned_data["number"]
            assignee = form.cleaned_data["assignee"]
            incident_assign(incident=incident, assignee=assignee, by=request.user, now=timezone.now())
            messages.success(
                request,
                _("%(number)s assigned to %(name)s; they have been told by e-mail.")
                % {"number": incident.number, "name": assignee.get_full_name() or assignee.get_username()},
            )
            return HttpResponseRedirect(reverse("admin:incidents_incident_workload"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Workload"),
            "rows": workload_by_engineer(now=timezone.now()),
            "form": form,
            "queue_url": reverse("admin:incidents_incident_changelist"),
        }
        return TemplateResponse(request, "admin/incidents/incident/workload.html", context)

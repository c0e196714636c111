"""Merging duplicates from the admin: the queue's "Merge into…" action (also a button on the
incident page) and a lead's undo (mixed into `IncidentAdmin`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from incidents.admin_forms import DuplicateForm
from incidents.admin_workload import is_lead
from incidents.errors import IncidentError
from incidents.models import Incident, IncidentMerge
from incidents.services.merge import incident_merge, incident_merge_undo


class MergeViews(admin.ModelAdmin):
    def get_urls(self):
        return [
            path(
                "merges/<int:merge_id>/undo/",
                self.admin_site.admin_view(require_POST(self.merge_undo_view)),
                name="incidents_incident_merge_undo",
            ),
            *super().get_urls(),
        ]

    @admin.action(description=_("Merge into…"), permissions=["change"])
    def merge_into(self, request: HttpRequest, queryset: QuerySet[Incident]) -> HttpResponse | None:
        def apply(incident: Incident, data: dict[str, Any]) -> None:
            incident_merge(duplicate=incident, primary=data["original"], by=request.user, now=timezone.now())

        return self._form_action(  # type: ignore[attr-defined]  (IncidentActions)
            request,
            queryset,
            form_class=DuplicateForm,
            title=_("Merge into another incident"),
            apply=apply,
            done_message=_("%(count)d incident(s) merged; their conversations moved."),
        )

    def merge_undo_view(self, request: HttpRequest, merge_id: int) -> HttpResponse:
        if not is_lead(request.user):
            raise PermissionDenied
        merge = get_object_or_404(IncidentMerge.objects.select_related("duplicate", "primary"), pk=merge_id)
        try:
            incident_merge_undo(merge=merge, by=request.user, now=timezone.now())
        except IncidentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Merge undone: %(duplicate)s has its conversation back and is open again.")
                % {"duplicate": merge.duplicate.number},
            )
        return HttpResponseRedirect(reverse("admin:incidents_incident_change", args=[merge.duplicate_id]))

"""The queue's actions (also the buttons of the incident page): thin calls to the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from incidents.admin_forms import AssignForm, DuplicateForm, NonChargeableForm, SeverityForm
from incidents.errors import IncidentError
from incidents.models import Incident
from incidents.services import (
    incident_assign,
    incident_change_severity,
    incident_close_as_duplicate,
    incident_mark_non_chargeable,
    incident_record_first_response,
)


class IncidentActions(admin.ModelAdmin):
    """The actions of the queue (mixed into `IncidentAdmin`); other apps add theirs by subclassing it."""

    def _back(self, request: HttpRequest) -> HttpResponse | None:
        """After an action: back where it was started (the incident page), else the queue."""
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(target)
        return None

    def _form_action(
        self, request: HttpRequest, queryset: QuerySet[Incident], *, form_class, title, apply, done_message
    ) -> HttpResponse | None:
        """An action with an intermediate page: show the form, then apply it to each incident."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done, failures = 0, []
            for incident in queryset:
                try:
                    apply(incident, form.cleaned_data)
                except IncidentError as exc:
                    failures.append(f"{incident.number}: {exc}")
                else:
                    done += 1
            if done:
                messages.success(request, done_message % {"count": done})
            for failure in failures:
                messages.error(request, failure)
            return self._back(request)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "incidents": list(queryset),
            "action": request.POST.get("action", ""),
            "next": request.POST.get("next", ""),
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/incidents/incident/action_form.html", context)

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Incident]) -> HttpResponse | None:
        now = timezone.now()
        count = 0
        for incident in queryset:
            incident_assign(incident=incident, assignee=request.user, by=request.user, now=now)
            count += 1
        messages.success(
            request,
            ngettext("%(count)d incident assigned to you.", "%(count)d incidents assigned to you.", count)
            % {"count": count},
        )
        return self._back(request)

    @admin.action(description=_("Assign to someone…"), permissions=["change"])
    def assign_to_someone(self, request: HttpRequest, queryset: QuerySet[Incident]) -> HttpResponse | None:
        def apply(incident: Incident, data: dict[str, Any]) -> None:
            incident_assign(incident=incident, assignee=data["assignee"], by=request.user, now=timezone.now())

        return self._form_action(
            request,
            queryset,
            form_class=AssignForm,
            title=_("Assign incidents"),
            apply=apply,
            done_message=_("%(count)d incident(s) assigned."),
        )

    @admin.action(description=_("Record the initial response"), permissions=["change"])
    def record_initial_response(self, request: HttpRequest, queryset: QuerySet[Incident]) -> HttpResponse | None:
        now = timezone.now()
        recorded, already = [], []
        for incident in queryset:
            if incident_record_first_response(incident=incident, by=request.user, now=now):
                recorded.append(incident.number)
            else:
                already.append(incident.number)
        if recorded:
            messages.success(
                request, _("Initial response recorded for %(numbers)s.") % {"numbers": ", ".join(recorded)}
            )
        if already:
            messages.warning(
                request,
                _("The initial response was already recorded for %(numbers)s; left as it was.")
                % {"numbers": ", ".join(already)},
            )
        return self._back(request)

    @admin.action(description=_("Change severity…"), permissions=["change"])
    def change_severity(self, request: HttpRequest, queryset: QuerySet[Incident]) -> HttpResponse | None:
        def apply(incident: Incident, data: dict[str, Any]) -> None:
            incident_change_severity(
                incident=incident, severity=data["severity"], reason=data["reason"], by=request.user, now=timezone.now()
            )

        return self._form_action(
            request,
            queryset,
            form_class=SeverityForm,
            title=_("Change severity"),
            apply=apply,
            done_message=_("Severity changed on %(count)d incident(s); deadlines recomputed."),
        )

    @admin.action(description=_("Mark non-chargeable…"), permissions=["change"])
    def mark_non_chargeable(self, request: HttpRequest, queryset: QuerySet[Incident]) -> HttpResponse | None:
        def apply(incident: Incident, data: dict[str, Any]) -> None:
            incident_mark_non_chargeable(incident=incident, reason=data["reason"], by=request.user)

        return self._form_action(
            request,
            queryset,
            form_class=NonChargeableForm,
            title=_("Mark non-chargeable"),
            apply=apply,
            done_message=_("%(count)d incident(s) marked non-chargeable and returned to the contract."),
        )

    @admin.action(description=_("Close as duplicate…"), permissions=["change"])
    def close_as_duplicate(self, request: HttpRequest, queryset: QuerySet[Incident]) -> HttpResponse | None:
        def apply(incident: Incident, data: dict[str, Any]) -> None:
            incident_close_as_duplicate(
                incident=incident, original=data["original"], by=request.user, now=timezone.now()
            )

        return self._form_action(
            request,
            queryset,
            form_class=DuplicateForm,
            title=_("Close as duplicate"),
            apply=apply,
            done_message=_("%(count)d incident(s) closed as duplicates."),
        )

"""Admin for incidents: the engineers' queue, its actions and the incident page.

The admin is a thin interface: every write goes through `incidents.services` (assignment,
initial response, severity, non-chargeable, duplicate, status transitions, replies), every
read of the queue through `incidents.selectors_queue`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from accounts.entitlements import contract_active_get
from incidents import selectors_queue as q
from incidents.downloads import attachment_response
from incidents.models import Attachment, Incident, IncidentStatus, Visibility
from incidents.services import (
    ALLOWED_TRANSITIONS,
    IncidentError,
    comment_add,
    incident_assign,
    incident_change_severity,
    incident_close_as_duplicate,
    incident_mark_non_chargeable,
    incident_record_first_response,
    incident_transition,
)
from sla.clock import SlaClock, SlaState, sla_clock
from sla.models import Severity

# --- Filters --------------------------------------------------------------------------


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


# --- Forms of the actions -------------------------------------------------------------


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class AssignForm(forms.Form):
    assignee = StaffChoiceField(
        label=_("Assign to"),
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True).order_by("first_name", "last_name"),
    )


class SeverityForm(forms.Form):
    severity = forms.ModelChoiceField(label=_("New severity"), queryset=Severity.objects.all())
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the incident's audit trail; the response deadline is recomputed."),
    )


class NonChargeableForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("e.g. product defect, duplicate or cancelled. The incident goes back to the contract."),
    )


class DuplicateForm(forms.Form):
    original = forms.CharField(label=_("Original incident number"), max_length=20, help_text=_("e.g. INC-2026-000123"))

    def clean_original(self) -> Incident:
        number = self.cleaned_data["original"].strip()
        original = Incident.objects.filter(number__iexact=number).first()
        if original is None:
            raise forms.ValidationError(_("There is no incident %(number)s."), params={"number": number})
        return original


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}))
    visibility = forms.ChoiceField(
        label=_("Kind"), choices=Visibility.choices, initial=Visibility.PUBLIC, widget=forms.RadioSelect
    )


# --- The admin ------------------------------------------------------------------------

EDITABLE_FIELDS = ("title", "product_text", "microsoft_case_number", "contact_phone")


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    list_display = (
        "number",
        "due_in",
        "severity_code",
        "title",
        "organization_name",
        "plan_name",
        "status_badge",
        "assignee_name",
    )
    list_display_links = ("number", "title")
    list_select_related = ("organization", "plan", "severity", "assignee")
    list_filter = (
        QueueStatusFilter,
        ResponseClockFilter,
        AssigneeFilter,
        ("severity", admin.RelatedFieldListFilter),
        ("plan", admin.RelatedFieldListFilter),
        ("region", admin.RelatedFieldListFilter),
    )
    search_fields = ("number", "title", "organization__name", "microsoft_case_number")
    search_help_text = _("Number, title, organisation or Microsoft case number.")
    list_per_page = 50
    show_full_result_count = False  # the queue never counts the whole table
    show_facets = admin.ShowFacets.NEVER  # a count per filter choice over the whole table
    actions = (
        "assign_to_me",
        "assign_to_someone",
        "record_initial_response",
        "change_severity",
        "mark_non_chargeable",
        "close_as_duplicate",
        "create_kb_article",
    )
    fieldsets = (
        (None, {"fields": ("number", "title", "organization", "submitted_by", "status", "assignee")}),
        (
            _("Problem"),
            {
                "fields": (
                    "description",
                    "kind",
                    "product_version",
                    "product_text",
                    "is_preview_feature",
                    "microsoft_case_number",
                    "contact_phone",
                )
            },
        ),
        (
            _("Service level"),
            {
                "fields": (
                    "plan",
                    "severity",
                    "region",
                    "submitted_at",
                    "response_due_at",
                    "first_response_at",
                    "resolved_at",
                    "closed_at",
                )
            },
        ),
        (_("Billing"), {"fields": ("contract", "is_chargeable", "non_chargeable_reason", "duplicate_of")}),
    )
    change_form_template = "admin/incidents/incident/change_form.html"
    change_list_template = "admin/incidents/incident/change_list.html"

    class Media:
        js = ("js/queue.js",)
        css = {"all": ("css/admin-queue.css",)}

    # Reads ------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Incident]:
        return q.queue_incidents()

    def get_ordering(self, request: HttpRequest):
        return q.QUEUE_ORDERING

    def get_readonly_fields(self, request: HttpRequest, obj: Incident | None = None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"] if f not in EDITABLE_FIELDS]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # customers file incidents through the portal or the API

    def has_delete_permission(self, request: HttpRequest, obj: Incident | None = None) -> bool:
        return False  # the audit trail must stay whole

    def revert_disabled(self, request: HttpRequest, obj: Incident | None = None) -> bool:
        return True  # reverting would bypass the services and their audit rows

    # Columns ----------------------------------------------------------------------------

    @admin.display(description=_("organisation"), ordering="organization__name")
    def organization_name(self, obj: Incident) -> str:
        return obj.organization.name

    @admin.display(description=_("plan"), ordering="plan__display_order")
    def plan_name(self, obj: Incident) -> str:
        return obj.plan.name

    @admin.display(description=_("severity"), ordering="severity__display_order")
    def severity_code(self, obj: Incident) -> str:
        return format_html(
            '<span class="queue-sev queue-sev-{}" title="{}">{}</span>',
            obj.severity.code.lower(),
            obj.severity.name,
            obj.severity.code,
        )

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Incident) -> str:
        return format_html('<span class="queue-status queue-status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description=_("assignee"), ordering="assignee__first_name")
    def assignee_name(self, obj: Incident) -> str:
        if obj.assignee is None:
            return format_html('<span class="queue-unassigned">{}</span>', _("Unassigned"))
        return obj.assignee.get_full_name() or obj.assignee.get_username()

    @admin.display(description=_("due in"), ordering="response_due_at")
    def due_in(self, obj: Incident) -> str:
        return clock_html(sla_clock(obj, timezone.now()))

    # The change page --------------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Incident, form, change: bool) -> None:
        # Only the few editable fields, never a whole-row save over the workers' columns.
        fields = [f for f in form.changed_data if f in EDITABLE_FIELDS]
        if fields:
            obj.save(update_fields=[*fields, "updated_at"])

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        incident = q.incident_for_admin(int(object_id)) if object_id.isdigit() else None
        if incident is None:
            return super().change_view(request, object_id, form_url, extra_context)
        now = timezone.now()
        panel = q.incident_sla_panel(incident, now=now)
        contract = contract_active_get(organization=incident.organization, day=timezone.localdate(now))
        can_change = self.has_change_permission(request, incident)
        context = {
            "incident": incident,
            "panel": panel,
            "clock_html": clock_html(panel.clock),
            "business_left_text": (
                q.duration_short(panel.business_time_left) if panel.business_time_left is not None else ""
            ),
            "active_contract": contract,
            "active_contract_left": max(0, contract.incidents_allotted - contract.used) if contract else None,
            "timeline": q.incident_timeline(incident, escalations=panel.escalations),
            "transitions": transitions_for(incident) if can_change else [],
            "reply_form": ReplyForm(),
            "can_work": can_change,
            "changelist_all_url": reverse("admin:incidents_incident_changelist") + "?status=all",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "clock_config": clock_config(),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        return super().changelist_view(request, {"clock_config": clock_config(), **(extra_context or {})})

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path("<int:object_id>/transition/", wrap(self.transition_view), name="incidents_incident_transition"),
            path("<int:object_id>/reply/", wrap(self.reply_view), name="incidents_incident_reply"),
            path(
                "<int:object_id>/attachments/<int:attachment_id>/",
                wrap(self.attachment_view),
                name="incidents_incident_attachment",
            ),
            *super().get_urls(),
        ]

    def _incident_for_change(self, request: HttpRequest, object_id: int) -> Incident:
        incident = get_object_or_404(Incident, pk=object_id)
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        return incident

    def _change_url(self, incident: Incident) -> str:
        return reverse("admin:incidents_incident_change", args=[incident.pk])

    @staticmethod
    def _report(request: HttpRequest, exc: IncidentError) -> None:
        messages.error(request, str(exc))

    def transition_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._transition)(request, object_id)

    def _transition(self, request: HttpRequest, object_id: int) -> HttpResponse:
        incident = self._incident_for_change(request, object_id)
        to_status = request.POST.get("to_status", "")
        if to_status not in IncidentStatus.values:
            messages.error(request, _("Choose a status."))
            return HttpResponseRedirect(self._change_url(incident))
        try:
            incident_transition(
                incident=incident,
                to_status=to_status,
                by=request.user,
                now=timezone.now(),
                note=request.POST.get("note", "").strip(),
            )
        except IncidentError as exc:
            self._report(request, exc)
        else:
            messages.success(
                request,
                _("%(number)s is now %(status)s.")
                % {"number": incident.number, "status": IncidentStatus(to_status).label.lower()},
            )
        return HttpResponseRedirect(self._change_url(incident))

    def reply_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._reply)(request, object_id)

    def _reply(self, request: HttpRequest, object_id: int) -> HttpResponse:
        incident = self._incident_for_change(request, object_id)
        form = ReplyForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Write a message and choose a public reply or an internal note."))
            return HttpResponseRedirect(self._change_url(incident) + "#reply")
        try:
            comment_add(
                incident=incident,
                author=request.user,
                body=form.cleaned_data["body"],
                visibility=form.cleaned_data["visibility"],
                files=request.FILES.getlist("files"),
                now=timezone.now(),
            )
        except IncidentError as exc:
            self._report(request, exc)
            return HttpResponseRedirect(self._change_url(incident) + "#reply")
        if form.cleaned_data["visibility"] == Visibility.INTERNAL:
            messages.success(request, _("Internal note added; the customer does not see it."))
        else:
            messages.success(request, _("Reply sent to the customer."))
        return HttpResponseRedirect(self._change_url(incident) + "#timeline")

    def attachment_view(self, request: HttpRequest, object_id: int, attachment_id: int) -> HttpResponse:
        incident = get_object_or_404(Incident, pk=object_id)
        if not self.has_view_or_change_permission(request, incident):
            raise PermissionDenied
        attachment = get_object_or_404(Attachment, pk=attachment_id, incident=incident)
        try:
            return attachment_response(attachment)
        except FileNotFoundError:
            raise Http404(_("The file is missing from storage.")) from None

    # Actions ----------------------------------------------------------------------------

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

    def has_kb_article_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("knowledgebase.add_article")

    @admin.action(description=_("Create knowledge-base article (draft)"), permissions=["kb_article"])
    def create_kb_article(self, request: HttpRequest, queryset: QuerySet[Incident]) -> HttpResponse | None:
        """Draft an article from each incident's title and last public reply (knowledgebase owns it)."""
        from knowledgebase.services import article_create_from_incident

        articles = [
            article_create_from_incident(incident=incident, by=request.user, now=timezone.now())
            for incident in queryset
        ]
        if len(articles) == 1:
            return HttpResponseRedirect(reverse("admin:knowledgebase_article_change", args=[articles[0].pk]))
        messages.success(request, _("%(count)d draft article(s) created.") % {"count": len(articles)})
        return self._back(request)


# --- Helpers for the templates --------------------------------------------------------


def clock_html(clock: SlaClock) -> str:
    """The colour-coded clock as `sla_clock` computed it. The data attributes carry the
    server's state and, while the clock runs, the instants at which that state changes
    (the warning step, the deadline): static/js/queue.js switches to them and counts the
    text down, and computes nothing else."""
    due = clock.due_at
    local = timezone.localtime(due) if due else None
    title = local.strftime("%Y-%m-%d %H:%M %Z") if local else ""
    running = not clock.is_final
    warning_at = clock.warning_at if running and clock.state == SlaState.RUNNING else None
    return format_html(
        '<span class="sla-clock sla-{state}" data-sla-clock data-state="{state}" data-due="{due}" '
        'data-warning-at="{warning_at}" data-breached-at="{breached_at}" title="{title}">'
        '<span class="sla-clock-text">{text}</span><span class="sla-clock-due">{local}</span></span>',
        state=clock.state.value,
        due=due.isoformat() if due else "",
        warning_at=warning_at.isoformat() if warning_at else "",
        breached_at=due.isoformat() if running and due else "",
        title=title,
        text=q.clock_text(clock),
        local=dateformat.format(local, "D H:i") if local else "",  # translated weekday
    )


def clock_config() -> dict[str, Any]:
    """What static/js/queue.js needs: the server's time and the translated labels."""
    return {
        "now": timezone.now().isoformat(),
        "labels": {
            "in": str(_("in %(time)s")),
            "breached": str(_("Breached %(time)s ago")),
            "d": str(_("%(d)s d %(h)s h")),
            "h": str(_("%(h)s h %(m)02d min")),
            "m": str(_("%(m)s min")),
            "lt1": str(_("< 1 min")),
        },
    }


def transitions_for(incident: Incident) -> list[tuple[str, str]]:
    """The status buttons: the allowed moves from the current status, in workflow order."""
    allowed = ALLOWED_TRANSITIONS.get(incident.status, set())
    reopen = incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
    buttons = []
    for value, label in IncidentStatus.choices:
        if value in allowed:
            buttons.append((value, _("Reopen") if reopen and value == IncidentStatus.IN_PROGRESS else label))
    return buttons

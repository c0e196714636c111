"""Admin for incidents: the engineers' queue, its actions and the incident page.

The admin is a thin interface: every write goes through `incidents.services` (assignment,
initial response, severity, non-chargeable, duplicate, status transitions, replies), every
read of the queue through `incidents.selectors.queue`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.entitlements import contract_active_get
from incidents import admin_macros  # noqa: F401  (registers the saved replies' admin)
from incidents.admin_actions import IncidentActions
from incidents.admin_filters import (
    AssigneeFilter,
    IncidentNumberSearch,
    QueueStatusFilter,
    QueueViewFilter,
    ResponseClockFilter,
)
from incidents.admin_forms import ReplyForm
from incidents.admin_inbound import InboundMessageAdmin  # noqa: F401 (registers it)
from incidents.admin_merge import MergeViews
from incidents.admin_page import IncidentPageViews, draft_session_key, macro_session_key, reply_kind_initial
from incidents.admin_workload import WorkloadViews, is_lead
from incidents.models import Incident, IncidentStatus
from incidents.selectors import Audience, incident_timeline
from incidents.selectors import queue as q
from incidents.selectors.macros import macros_rendered
from incidents.selectors.page import breach_text, incident_live_merges, incident_stamp
from incidents.services import ALLOWED_TRANSITIONS
from sla.clock import SLA_STATE_LABELS, SlaClock, SlaState, sla_clock

# --- The admin ------------------------------------------------------------------------

EDITABLE_FIELDS = ("title", "product_text", "microsoft_case_number", "contact_phone")


@admin.register(Incident)
class IncidentAdmin(
    IncidentNumberSearch, IncidentActions, MergeViews, IncidentPageViews, WorkloadViews, SimpleHistoryAdmin
):
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
        QueueViewFilter,
        QueueStatusFilter,
        ResponseClockFilter,
        AssigneeFilter,
        ("severity", admin.RelatedFieldListFilter),
        ("plan", admin.RelatedFieldListFilter),
        ("region", admin.RelatedFieldListFilter),
    )
    search_fields = ("title", "organization__name", "microsoft_case_number")  # and the number (IncidentNumberSearch)
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
        "merge_into",
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
        return q.queue_incidents(now=timezone.now())

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

    @admin.display(description=_("number"), ordering="pk")
    def number(self, obj: Incident) -> str:
        return obj.number

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
        breached = breach_text(incident, panel.clock, now=now)
        context = {
            "incident": incident,
            "panel": panel,
            "clock_html": clock_html(panel.clock),
            # A breached clock says how long ago in business time (`breach_text`), not "< 1 min" left.
            "business_left_text": (
                q.duration_short(panel.business_time_left)
                if panel.business_time_left is not None and not breached
                else ""
            ),
            "active_contract": contract,
            "active_contract_left": max(0, contract.incidents_allotted - contract.used) if contract else None,
            "timeline": incident_timeline(incident, Audience.STAFF),
            "transitions": transitions_for(incident) if can_change else [],
            "reply_form": ReplyForm(
                initial={
                    "visibility": reply_kind_initial(request),
                    "body": request.session.get(draft_session_key(incident.pk), ""),
                }
            ),
            "stamp": incident_stamp(incident),
            "macros": macros_rendered(incident=incident, engineer=request.user) if can_change else [],
            "macro_chosen": request.session.get(macro_session_key(incident.pk)),
            "breach_text": breached,
            "live_merges": incident_live_merges(incident),
            "is_lead": is_lead(request.user),
            "can_work": can_change,
            "changelist_all_url": reverse("admin:incidents_incident_changelist") + "?status=all",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "clock_config": clock_config(),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        context = {
            "clock_config": clock_config(),
            "queue_tabs": queue_tabs(request),
            "queue_poll_url": reverse("admin:incidents_incident_poll"),
            "queue_pulse": q.queue_pulse(),
        }
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def get_urls(self):
        poll = path("poll/", self.admin_site.admin_view(self.poll_view), name="incidents_incident_poll")
        return [poll, *super().get_urls()]

    def poll_view(self, request: HttpRequest) -> JsonResponse:
        """The live queue's poll (static/js/queue_live.js): a few aggregate queries whatever
        the queue's size; the page fetches the queue again only when the stamp moved."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return JsonResponse(q.queue_pulse())


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
        '<span class="sla-clock-text">{text}</span><span class="sla-clock-due">{local}'
        '<span class="sla-clock-state">{word}</span></span></span>',
        state=clock.state.value,
        due=due.isoformat() if due else "",
        warning_at=warning_at.isoformat() if warning_at else "",
        breached_at=due.isoformat() if running and due else "",
        title=title,
        text=q.clock_text(clock),
        word=STATE_WORDS.get(clock.state, ""),  # the clock's words say the other states
        local=dateformat.format(local, "D H:i") if local else "",  # translated weekday
    )


# The state in words beside a running clock (not colour alone): static/js/queue.js switches it.
STATE_WORDS = {
    SlaState.RUNNING: SLA_STATE_LABELS[SlaState.RUNNING],
    SlaState.WARNING: SLA_STATE_LABELS[SlaState.WARNING],
}


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
            "states": {state.value: str(word) for state, word in STATE_WORDS.items()},
        },
    }


def queue_tabs(request: HttpRequest) -> list[dict[str, Any]]:
    """The saved views as tabs: the default queue, then each view (`?view=`)."""
    base = reverse("admin:incidents_incident_changelist")
    current = request.GET.get("view", "")
    tabs = [{"label": _("All open"), "url": base, "selected": not current}]
    for value, label in q.queue_view_labels():
        tabs.append({"label": label, "url": f"{base}?view={value}", "selected": current == value})
    return tabs


def transitions_for(incident: Incident) -> list[tuple[str, str]]:
    """The status buttons: the allowed moves from the current status, in workflow order."""
    allowed = ALLOWED_TRANSITIONS.get(incident.status, set())
    reopen = incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
    buttons = []
    for value, label in IncidentStatus.choices:
        if value in allowed:
            buttons.append((value, _("Reopen") if reopen and value == IncidentStatus.IN_PROGRESS else label))
    return buttons

"""Admin for support leads: webhook endpoints and the outbox log."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from notify.models import Delivery, DeliveryStatus, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "url",
        "format",
        "organization",
        "on_created",
        "on_responded",
        "on_status_changed",
        "on_escalated",
        "is_active",
    ]
    list_filter = ["is_active", "format"]
    search_fields = ["name", "url"]
    fieldsets = [
        (None, {"fields": ["name", "url", "format", "secret", "organization", "is_active"]}),
        (_("Events"), {"fields": ["on_created", "on_responded", "on_status_changed", "on_escalated"]}),
    ]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "key", "reference", "to", "endpoint", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "event", "endpoint"]
    search_fields = ["reference", "key", "to", "uuid"]
    list_select_related = ["endpoint"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Send the selected failed deliveries again"))
    def send_again(self, request, queryset) -> None:
        count = queryset.filter(status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), lease_until=None
        )
        self.message_user(request, _("%(count)s delivery(ies) queued again.") % {"count": count})

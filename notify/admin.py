"""Admin for support leads: webhook endpoints and the outbox log."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from notify.addresses import UnsafeAddress, webhook_url_check
from notify.models import Delivery, DeliveryStatus, WebhookEndpoint, webhook_secret


class WebhookEndpointForm(forms.ModelForm):
    class Meta:
        model = WebhookEndpoint
        fields = [
            "name",
            "url",
            "format",
            "secret",
            "organization",
            "is_active",
            "on_created",
            "on_responded",
            "on_status_changed",
            "on_escalated",
        ]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            webhook_url_check(url)
        except UnsafeAddress as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SimpleHistoryAdmin):
    """The signing secret is shown once, to whoever creates the endpoint (or generates a new
    secret): afterwards nobody reads it here, engineers with view access included."""

    form = WebhookEndpointForm
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
    actions = ["secret_rotate"]

    def get_fieldsets(self, request, obj=None):
        main = ["name", "url", "format", "organization", "is_active"]
        if obj is None:
            main.insert(3, "secret")
        return [
            (None, {"fields": main}),
            (_("Events"), {"fields": ["on_created", "on_responded", "on_status_changed", "on_escalated"]}),
        ]

    @admin.action(description=_("Generate a new signing secret (shown once)"), permissions=["change"])
    def secret_rotate(self, request, queryset) -> None:
        for endpoint in queryset:
            endpoint.secret = webhook_secret()
            endpoint.save(update_fields=["secret"])
            self.message_user(
                request,
                _("New signing secret of %(name)s (copy it now; it is not shown again): %(secret)s")
                % {"name": endpoint.name, "secret": endpoint.secret},
                messages.WARNING,
            )


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

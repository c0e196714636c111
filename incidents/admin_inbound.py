"""Admin for answers by e-mail: what the inbound poll read and what became of each (read only)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from incidents.models import InboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "outcome", "sender", "incident", "reason")
    list_filter = ("outcome",)
    search_fields = ("sender", "message_key")
    date_hierarchy = "received_at"
    list_select_related = ("incident",)
    readonly_fields = ("message_key", "outcome", "sender", "incident", "comment", "reason", "received_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: InboundMessage | None = None) -> bool:
        return False

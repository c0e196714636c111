"""The CfMD evidence records, kept up to date by staff."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cfmd.models import EvidenceRecord


@admin.register(EvidenceRecord)
class EvidenceRecordAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "agent", "dated_on", "valid_until"]
    list_filter = ["kind"]
    search_fields = ["title", "agent", "details"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["kind", "title", "details", "agent"]}),
        (_("Dates and link"), {"fields": ["dated_on", "valid_until", "url"]}),
    ]

"""The sent log (filters: kind, organisation, late, date), a preview of every template in every
language, the switch per kind, the versions organisations run, and the organisations that name
no reachable support contact."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.contacts import support_contacts
from notices.models import NoticeSwitch, OrganizationVersion, OrganizationWithoutSupportContact, SentNotice
from notices.preview import TEMPLATES, sample_context
from notify.rendering import email_render


@admin.register(SentNotice)
class SentNoticeAdmin(admin.ModelAdmin):
    list_display = ("kind", "organization", "subject", "anchor_on", "due_on", "sent_on", "is_late", "recipient_list")
    list_filter = ("kind", "is_late", "sent_on", "organization")
    date_hierarchy = "sent_on"
    search_fields = ("organization__name", "subject")
    list_select_related = ("organization",)
    readonly_fields = [f.name for f in SentNotice._meta.fields]
    change_list_template = "admin/notices/sentnotice/change_list.html"

    @admin.display(description=_("sent to"))
    def recipient_list(self, obj: SentNotice) -> str:
        return ", ".join(obj.recipients)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view(self.preview_view)
        return [
            path("preview/", view, name="notices_preview"),
            path("preview/<str:template>/<str:language>/", view, name="notices_preview_one"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest, template: str = "", language: str = "") -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        languages = [code for code, _name in settings.LANGUAGES]
        rendered = None
        if template:
            if template not in TEMPLATES or language not in languages:
                raise Http404
            rendered = email_render(
                template=f"emails/notices/{template}",
                context=sample_context(template),
                language=language,
                time_zone="Europe/Berlin",
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Notice previews"),
            "opts": self.model._meta,
            "templates": TEMPLATES,
            "languages": languages,
            "template": template,
            "language": language,
            "rendered": rendered,
        }
        return TemplateResponse(request, "admin/notices/preview.html", context)


@admin.register(NoticeSwitch)
class NoticeSwitchAdmin(admin.ModelAdmin):
    list_display = ("kind", "is_enabled")
    list_editable = ("is_enabled",)
    readonly_fields = ("kind",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(OrganizationVersion)
class OrganizationVersionAdmin(admin.ModelAdmin):
    list_display = ("organization", "product_version")
    list_filter = ("product_version", "organization")
    list_select_related = ("organization", "product_version__product")


@admin.register(OrganizationWithoutSupportContact)
class OrganizationWithoutSupportContactAdmin(admin.ModelAdmin):
    """Read only: notices to these go to their admins until they name a support contact."""

    list_display = ("name", "region", "language")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest):
        reachable = support_contacts(OuterRef("pk"))
        return super().get_queryset(request).filter(~Exists(reachable))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

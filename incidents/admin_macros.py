"""Saved replies in the admin: every engineer keeps personal ones; the leads keep the team's."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from incidents.admin_workload import is_lead
from incidents.models import Macro, MacroVariant
from incidents.models_desk import MACRO_PLACEHOLDERS


def may_edit(request: HttpRequest, obj: Macro | None) -> bool:
    """Any engineer their own saved replies (and new ones); only a lead the team's."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    return obj is None or obj.owner_id == user.pk or (obj.owner_id is None and is_lead(user))


class MacroVariantInline(admin.StackedInline):
    model = MacroVariant
    extra = 1
    min_num = 1

    # The variants follow their saved reply's rules, not the model permissions of the groups.
    def has_view_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_add_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        return may_edit(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        return may_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        return may_edit(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["body"].help_text = format_html_join(
            ", ", "<code>{{{}}}</code> {}", ((name, label) for name, label in MACRO_PLACEHOLDERS.items())
        )
        return formset


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "usage_count")
    search_fields = ("name", "variants__body")
    inlines = (MacroVariantInline,)
    readonly_fields = ("usage_count",)

    @admin.display(description=_("kept by"))
    def kind(self, obj: Macro) -> str:
        return str(_("Team")) if obj.owner_id is None else (obj.owner.get_full_name() or obj.owner.get_username())

    def get_fields(self, request: HttpRequest, obj: Macro | None = None):
        return ("name", "owner", "usage_count") if is_lead(request.user) else ("name", "usage_count")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Macro]:
        qs = super().get_queryset(request).select_related("owner")
        return qs.filter(Q(owner__isnull=True) | Q(owner=request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Any engineer may use the admin for their own; only a lead changes a team reply.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        return may_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        return self.has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Macro, form, change: bool) -> None:
        if not is_lead(request.user):
            obj.owner = request.user  # an engineer's saved replies are their own
        super().save_model(request, obj, form, change)

"""Admin for the lifecycle and CfMD data; every change is kept (history button on each row)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from lifecycle.models import (
    Compatibility,
    DynamicsProduct,
    LifecyclePolicy,
    PlannedRelease,
    Product,
    ProductVersion,
    RoadmapStatement,
)


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "display_order"]
    prepopulated_fields = {"code": ["name"]}


class CompatibilityInline(admin.TabularInline):
    model = Compatibility
    extra = 1
    autocomplete_fields = ["dynamics_product"]


@admin.register(ProductVersion)
class ProductVersionAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "policy", "released_on", "mainstream_end_on", "extended_end_on"]
    list_filter = ["product", "policy"]
    search_fields = ["version", "build", "product__name"]
    date_hierarchy = "released_on"
    inlines = [CompatibilityInline]


@admin.register(DynamicsProduct)
class DynamicsProductAdmin(SimpleHistoryAdmin):
    list_display = ["listing_name", "policy", "start_on", "mainstream_end_on", "extended_end_on", "is_confirmed"]
    list_filter = ["family", "policy", "deployment", "is_confirmed"]
    search_fields = ["listing_name", "key", "source"]
    readonly_fields = ["key"]


@admin.register(Compatibility)
class CompatibilityAdmin(SimpleHistoryAdmin):
    list_display = ["product_version", "dynamics_product", "notes"]
    list_filter = ["product_version__product", "dynamics_product__family"]
    autocomplete_fields = ["dynamics_product"]


@admin.register(LifecyclePolicy)
class LifecyclePolicyAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "notice_period_months", "dates_time_zone"]

    def has_add_permission(self, request) -> bool:
        # One published policy: edit it rather than adding a second one.
        return not LifecyclePolicy.objects.exists() and super().has_add_permission(request)


@admin.register(RoadmapStatement)
class RoadmapStatementAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "reviewed_on", "reviewed_by"]

    def has_add_permission(self, request) -> bool:
        return not RoadmapStatement.objects.exists() and super().has_add_permission(request)


@admin.register(PlannedRelease)
class PlannedReleaseAdmin(SimpleHistoryAdmin):
    list_display = ["version", "wave", "planned_on", "status", "product"]
    list_filter = ["status", "product"]

"""Admin for customers: organisations, contacts, contracts, staff profiles, invitations, API tokens.

Models with history use simple-history's admin, so every change is in the audit trail.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.auth import user_with_membership, viewer_preferences_remember
from accounts.models import (
    ApiToken,
    Contract,
    Invitation,
    Membership,
    Organization,
    StaffProfile,
    TwoFactorReenrolment,
    prorated_allotment,
)
from accounts.selectors import user_with_email
from accounts.services import AccountError, email_for_storage
from accounts.two_factor_proof import reenrolment_approve


class PortalUserChangeForm(UserChangeForm):
    """Django's user form, storing the address in the one normalised form and refusing
    look-alikes and an address another account has (the database's unique index on
    lower(email) would refuse it too, with a 500)."""

    def clean_email(self) -> str:
        raw = self.cleaned_data.get("email") or ""
        if not raw:
            return raw
        try:
            email = email_for_storage(raw)
        except AccountError as error:
            raise forms.ValidationError(str(error)) from None
        other = user_with_email(email)
        if other is not None and other.pk != self.instance.pk:
            raise forms.ValidationError(_("Another account has this email address."))
        return email


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class PortalUserAdmin(UserAdmin):
    form = PortalUserChangeForm


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "role", "is_support_contact", "is_billing_contact", "time_zone", "language", "phone", "is_active")
    raw_id_fields = ("user",)
    extra = 0
    show_change_link = True


class ContractInline(admin.TabularInline):
    model = Contract
    fk_name = "organization"
    fields = ("plan", "starts_on", "ends_on", "incidents_allotted", "reference")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "region", "time_zone", "language", "contacts", "created_at")
    list_filter = ("region", "language")
    list_select_related = ("region",)
    search_fields = ("name",)
    inlines = (MembershipInline, ContractInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return super().get_queryset(request).annotate(contact_count=Count("memberships", distinct=True))

    @admin.display(description=_("contacts"), ordering="contact_count")
    def contacts(self, obj: Organization) -> int:
        return obj.contact_count


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = (
        "user",
        "organization",
        "role",
        "is_support_contact",
        "is_billing_contact",
        "time_zone",
        "is_active",
    )
    list_filter = ("role", "is_active", "organization")
    list_select_related = ("user", "organization")
    search_fields = ("user__email", "user__first_name", "user__last_name", "organization__name")
    raw_id_fields = ("user",)


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = ("organization", "plan", "starts_on", "ends_on", "incidents_allotted", "upgraded_from", "reference")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("incidents_allotted")
        if field is None:  # a read-only view of the contract
            return
        field.required = False
        field.help_text = _("Leave empty for the prorated allotment: one incident per 60 days of term, at least one.")

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if data.get("incidents_allotted") in (None, "") and starts_on and ends_on and ends_on >= starts_on:
            data["incidents_allotted"] = prorated_allotment((ends_on - starts_on).days + 1)
            self.instance.incidents_allotted = data["incidents_allotted"]
        return data


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    form = ContractForm
    list_display = (
        "organization",
        "plan",
        "starts_on",
        "ends_on",
        "incidents_allotted",
        "incidents_used",
        "incidents_left",
        "reference",
    )
    list_filter = ("plan", "organization__region")
    list_select_related = ("organization", "plan")
    search_fields = ("organization__name", "reference")
    date_hierarchy = "starts_on"
    raw_id_fields = ("upgraded_from",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contract]:
        # One aggregate for the page, never a count per row.
        return (
            super()
            .get_queryset(request)
            .annotate(used=Count("incidents", filter=Q(incidents__is_chargeable=True), distinct=True))
        )

    @admin.display(description=_("used"), ordering="used")
    def incidents_used(self, obj: Contract) -> int:
        return obj.used

    @admin.display(description=_("left"))
    def incidents_left(self, obj: Contract) -> int:
        return max(0, obj.incidents_allotted - obj.used)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "time_zone", "phone")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email", "user__first_name", "user__last_name")
    raw_id_fields = ("user",)

    def save_model(self, request: HttpRequest, obj: StaffProfile, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.user_id == request.user.pk:  # an engineer's own zone applies from their next page
            viewer_preferences_remember(request.session, user_with_membership(request.user.pk))


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organization", "role", "invited_by", "created_at", "accepted_at", "revoked_at")
    list_filter = ("role", "organization")
    list_select_related = ("organization", "invited_by")
    search_fields = ("email", "organization__name")
    readonly_fields = ("invited_by", "created_at", "accepted_at", "revoked_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # organisation admins invite through the portal


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only list: tokens are created by their owner and shown once; the hash never leaves."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username", "user__email")
    fields = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False


@admin.register(TwoFactorReenrolment)
class TwoFactorReenrolmentAdmin(admin.ModelAdmin):
    """People whose two-step verification was reset (`otp_reset`): they set up a new app after
    opening an e-mailed link, or once a staff member approves it here (having checked who is
    asking, e.g. by phone)."""

    list_display = ["user", "created_at", "approved_by", "approved_at"]
    fields = list_display
    readonly_fields = list_display
    actions = ["approve"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Allow a new authenticator app without the e-mailed link"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[TwoFactorReenrolment]) -> None:
        for reenrolment in queryset:
            reenrolment_approve(reenrolment=reenrolment, by=request.user, now=timezone.now())

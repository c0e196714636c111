"""The customer's account: contract and preferences, the members page, accepting an invitation."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.auth import user_with_membership, viewer_preferences_remember
from accounts.contacts import NoSupportContact, membership_set_contact_roles, support_contacts
from accounts.entitlements import contract_active_get
from accounts.forms import AcceptInvitationForm, ContactRolesForm, InvitationForm, PreferencesForm, RoleForm
from accounts.models import Contract, Invitation, Membership, Role
from accounts.rate_limits import invitation_limits
from accounts.selectors import membership_of, user_with_email
from accounts.services import (
    AccountError,
    invitation_accept,
    invitation_accept_signed_in,
    invitation_create,
    invitation_expires_at,
    invitation_from_token,
    invitation_revoke,
    membership_change_role,
    membership_revoke,
    membership_update_preferences,
)
from accounts.two_factor import has_confirmed_device
from accounts.unsubscribe import CUSTOMER_KINDS, email_kinds_off, email_kinds_set_off
from core.rate_limits import CacheUnavailable, cannot_count_now, minutes_to_wait, try_again_in

MEMBERS_PER_PAGE = 25


def _membership(request: HttpRequest) -> Membership:
    """The signed-in contact's active membership; 404 for anyone else (staff use the admin)."""
    membership = membership_of(request.user)
    if membership is None:
        raise Http404("Not a customer contact")
    return membership


def _admin_membership(request: HttpRequest) -> Membership:
    membership = _membership(request)
    if not membership.is_admin:
        raise PermissionDenied(_("Only your organisation's admins manage people."))
    return membership


def contract_summary(*, organization, day: dt.date) -> dict[str, object]:
    contract = contract_active_get(organization=organization, day=day)
    latest = None
    if contract is None:
        latest = Contract.objects.filter(organization=organization).select_related("plan").order_by("-ends_on").first()
    summary: dict[str, object] = {"contract": contract, "latest_contract": latest}
    if contract is not None:
        used = contract.used
        summary.update(
            {
                "used": used,
                "left": max(0, contract.incidents_allotted - used),
                "renews_on": contract.ends_on + dt.timedelta(days=1),
                "status": contract.status_on(day),
                "days_left": (contract.ends_on - day).days,
            }
        )
    elif latest is not None:
        summary["status"] = latest.status_on(day)
    return summary


@login_required
def account(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    organization = membership.organization
    initial = {
        "time_zone": membership.time_zone,
        "language": membership.language,
        "phone": membership.phone,
        "notify_on_all_incidents": membership.notify_on_all_incidents,
        "incident_emails": [k for k in CUSTOMER_KINDS if k not in email_kinds_off(user_id=membership.user_id)],
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        wanted = form.cleaned_data.pop("incident_emails")
        membership_update_preferences(membership=membership, **form.cleaned_data)
        off = [k for k in CUSTOMER_KINDS if k not in wanted]
        email_kinds_set_off(user_id=membership.user_id, kinds=off, among=CUSTOMER_KINDS, now=timezone.now())
        viewer_preferences_remember(request.session, request.user)  # the next pages' zone and language
        messages.success(request, _("Your preferences are saved."))
        return redirect("account")
    admins = (
        Membership.objects.filter(organization=organization, role=Role.ADMIN, is_active=True)
        .select_related("user")
        .order_by("user__last_name")
    )
    context = {
        "membership": membership,
        "organization": organization,
        "form": form,
        "admins": admins,
        "has_two_factor": has_confirmed_device(request.user),
        **contract_summary(organization=organization, day=timezone.localdate(timezone.now(), dt.UTC)),
    }
    return render(request, "accounts/account.html", context)


@login_required
def members(request: HttpRequest) -> HttpResponse:
    membership = _admin_membership(request)
    organization = membership.organization
    form = InvitationForm(request.POST or None)
    wait = None
    cannot_count = False
    if request.method == "POST" and form.is_valid():
        try:
            wait = minutes_to_wait(invitation_limits(request, form.cleaned_data["email"]))
        except CacheUnavailable:
            cannot_count = True
            form.add_error(None, cannot_count_now())
        else:
            if wait is not None:
                form.add_error(None, _("Too many invitations.") + " " + try_again_in(wait))
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_create(
                organization=organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
                now=timezone.now(),
            )
        except AccountError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                _("We emailed an invitation to %(email)s. The link is valid until %(date)s.")
                % {
                    "email": invitation.email,
                    "date": f"{timezone.localtime(invitation_expires_at(invitation)):%d %b %Y %H:%M}",
                },
            )
            return redirect("account_members")
    people = Paginator(
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("-is_active", "user__email"),
        MEMBERS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    now = timezone.now()
    pending = [
        (invitation, invitation_expires_at(invitation), invitation_expires_at(invitation) < now)
        for invitation in Invitation.objects.filter(
            organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
        ).select_related("invited_by")[:50]
    ]
    context = {
        "membership": membership,
        "organization": organization,
        "form": form,
        "people": people,
        "pending": pending,
        "roles": Role.choices,
        "has_support_contact": support_contacts(organization).exists(),
    }
    status = 503 if cannot_count else 429 if wait is not None else 400 if form.errors else 200
    return render(request, "accounts/members.html", context, status=status)


def _member_of_my_organization(request: HttpRequest, pk: int) -> tuple[Membership, Membership]:
    mine = _admin_membership(request)
    other = get_object_or_404(Membership.objects.select_related("user"), pk=pk, organization=mine.organization)
    return mine, other


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    _mine, other = _member_of_my_organization(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("account_members")
    try:
        membership_change_role(membership=other, role=form.cleaned_data["role"], by=request.user)
    except AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(name)s is now: %(role)s.")
            % {"name": other.user.get_full_name() or other.user.email, "role": Role(other.role).label},
        )
    return redirect("account_members")


@login_required
@require_POST
def member_contact_roles(request: HttpRequest, pk: int) -> HttpResponse:
    _mine, other = _member_of_my_organization(request, pk)
    form = ContactRolesForm(request.POST)
    form.is_valid()  # two checkboxes: always valid
    try:
        membership_set_contact_roles(membership=other, **form.cleaned_data, by=request.user)
    except NoSupportContact as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The contact roles of %(name)s are saved.") % {"name": other.user.get_full_name() or other.user.email},
        )
    return redirect("account_members")


@login_required
@require_POST
def member_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _mine, other = _member_of_my_organization(request, pk)
    try:
        membership_revoke(membership=other, by=request.user)
    except AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(name)s can no longer sign in to your organisation.") % {"name": other.user.email}
        )
    return redirect("account_members")


@login_required
@require_POST
def invitation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    mine = _admin_membership(request)
    invitation = get_object_or_404(Invitation, pk=pk, organization=mine.organization)
    invitation_revoke(invitation=invitation, now=timezone.now())
    messages.success(request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email})
    return redirect("account_members")


def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    """A new person chooses their names and password; the owner of an existing account
    signs in first and then only joins (their account is never changed from here)."""
    now = timezone.now()
    try:
        invitation = invitation_from_token(token=token, now=now)
    except AccountError as error:
        return render(request, "accounts/account_invitation_invalid.html", {"error": str(error)}, status=410)
    existing = user_with_email(invitation.email)
    context: dict[str, object] = {"invitation": invitation, "expires_at": invitation_expires_at(invitation)}
    if existing is not None and request.user.pk != existing.pk:
        context["login_url"] = f"{reverse('login')}?{urlencode({'next': request.path})}"
        status = 403 if request.method == "POST" else 200
        return render(request, "accounts/account_invitation_sign_in.html", context, status=status)
    form = AcceptInvitationForm(
        request.POST or None,
        initial={"time_zone": invitation.organization.time_zone},
        email=invitation.email,
        existing_account=existing is not None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if existing is not None:
                invitation_accept_signed_in(
                    token=token, user=existing, time_zone=data["time_zone"], phone=data.get("phone", ""), now=now
                )
                user = existing
                viewer_preferences_remember(request.session, user_with_membership(user.pk))
            else:
                user = invitation_accept(
                    token=token,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    password=data["password1"],
                    time_zone=data["time_zone"],
                    phone=data.get("phone", ""),
                    now=now,
                )
                auth_login(request, user, backend="accounts.auth.PortalBackend")
        except AccountError as error:
            return render(request, "accounts/account_invitation_invalid.html", {"error": str(error)}, status=410)
        messages.success(
            request,
            _("Welcome, %(name)s. %(org)s has added you as a support contact.")
            % {"name": user.first_name or user.email, "org": invitation.organization.name},
        )
        return redirect("incidents:list")
    context["form"] = form
    return render(request, "accounts/account_invitation_accept.html", context, status=400 if form.errors else 200)

"""The second-factor pages: the code after the password, enrolling an authenticator app (QR
code and key, confirmed with a code, then ten recovery codes shown once), new recovery codes,
a customer turning it off, and an organisation admin requiring it (accounts/two_factor.py)."""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.rate_limits import two_factor_link_limits
from accounts.selectors import membership_of
from accounts.tasks import two_factor_link_send
from accounts.two_factor import (
    HAS_DEVICE_SESSION_KEY,
    EnrolmentRefused,
    enrolled_elsewhere,
    enrolment_allowed,
    has_confirmed_device,
    is_staff_account,
    is_verified,
    organization_of,
    organization_require_two_factor,
    qr_code_svg,
    recovery_codes_left,
    recovery_codes_renew,
    remember_has_device,
    totp_config_url,
    totp_device_confirm,
    totp_key_drop,
    totp_key_pending,
    totp_secret,
    two_factor_pending,
    two_factor_reset,
    two_factor_verify,
)
from accounts.two_factor_proof import proof_link_open, proof_link_prepare
from core.broker_guard import enqueue
from core.rate_limits import CacheUnavailable, cannot_count_now, minutes_to_wait, try_again_in


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


def _next_url(request: HttpRequest) -> str:
    """Where to go once the second factor is passed: the page asked for, if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("admin:index") if is_staff_account(request.user) else reverse("incidents:list")


def _with_next(name: str, request: HttpRequest) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next_url(request)})}"


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The code after the password: from the authenticator app, or a recovery code."""
    if not has_confirmed_device(request.user):
        remember_has_device(request)  # a device removed since sign-in (manage.py otp_reset)
        if two_factor_pending(request):
            return redirect(_with_next("two_factor_enrol", request))
        return redirect(_next_url(request))
    if is_verified(request):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor_verify(request=request, token=form.cleaned_data["code"]) is not None:
            return redirect(_next_url(request))
        form.add_error("code", _("That code is not right, or it was used already. Wait a moment and try again."))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "accounts/two_factor_verify.html", context, status=400 if form.errors else 200)


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a code;
    the recovery codes are shown once, on the answer. Only for someone without a confirmed
    device: a password alone must not add a device to an account that has one. The key is
    this session's own (another session gets another), and after `otp_reset` the page waits
    for a fresh proof (`two_factor_proof`)."""
    if has_confirmed_device(request.user):
        if totp_key_drop(request):  # this session was enrolling too: another one was first
            messages.error(request, enrolled_elsewhere())
        if is_verified(request):
            messages.info(request, _("Two-step verification is already on for your account."))
            return redirect(_next_url(request))
        return redirect(_with_next("two_factor_verify", request))
    if not enrolment_allowed(request):
        return redirect(_with_next("two_factor_proof", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_device_confirm(request=request, token=form.cleaned_data["code"])
        except EnrolmentRefused as refused:
            messages.error(request, str(refused))
            return redirect(_with_next("two_factor_verify", request))
        if codes is not None:
            context = {"codes": codes, "next": _next_url(request)}
            return render(request, "accounts/two_factor_recovery_codes.html", context)
        form.add_error("code", _("That code is not right. Check the time on your phone and try the next code."))
    context = {
        "form": form,
        "secret": totp_secret(totp_key_pending(request) or ""),
        "next": _next_url(request),
        "required": two_factor_pending(request),
    }
    return render(request, "accounts/two_factor_enrol.html", context, status=400 if form.errors else 200)


@login_required
def proof(request: HttpRequest) -> HttpResponse:
    """After `otp_reset`: e-mail a one-time link to the account's address; opening it in this
    browser lets this session set up the new app (accounts/two_factor_proof.py)."""
    if has_confirmed_device(request.user) or enrolment_allowed(request):
        return redirect(_with_next("two_factor_enrol", request))
    if request.method == "POST":
        try:
            wait = minutes_to_wait(two_factor_link_limits(request, request.user.email))
        except CacheUnavailable:
            messages.error(request, cannot_count_now())
            return redirect(_with_next("two_factor_proof", request))
        if wait is not None:
            messages.error(request, try_again_in(wait))
            return redirect(_with_next("two_factor_proof", request))
        if proof_link_prepare(user=request.user):
            user_id, language = request.user.pk, get_language()
            transaction.on_commit(
                lambda: enqueue(
                    partial(two_factor_link_send.delay, user_id=user_id, language=language),
                    what=f"the two-step verification link of user {user_id}",
                )
            )
        messages.info(request, _("We e-mailed you a link. Open it in this browser within an hour."))
        return redirect(_with_next("two_factor_proof", request))
    return render(request, "accounts/two_factor_proof.html", {"next": _next_url(request)})


@login_required
def proof_link(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link, opened by its signed-in owner: this session may enrol. Once."""
    if proof_link_open(request=request, token=token):
        return redirect("two_factor_enrol")
    messages.error(request, _("This link is not valid any more. Ask for a new one."))
    return redirect("two_factor_proof")


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (all used, or written down somewhere unsafe), for anyone with an
    authenticator app, in a session that passed it, confirmed with a current code from the
    app: a stolen session alone cannot take the codes. Shown once; the old ones stop working."""
    if not has_confirmed_device(request.user):
        return redirect(_with_next("two_factor_enrol", request))
    if not is_verified(request):
        return redirect(_with_next("two_factor_verify", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = recovery_codes_renew(user=request.user, token=form.cleaned_data["code"])
        if codes is not None:
            context = {"codes": codes, "next": _next_url(request), "renewed": True}
            return render(request, "accounts/two_factor_recovery_codes.html", context)
        form.add_error("code", _("That is not a current code from your authenticator app, or it was used already."))
    context = {"form": form, "left": recovery_codes_left(request.user), "next": _next_url(request)}
    return render(request, "accounts/two_factor_recovery_renew.html", context, status=400 if form.errors else 200)


@login_required
def qr_code(request: HttpRequest) -> HttpResponse:
    """The QR code of the app being enrolled, as an image of this site (the CSP allows no
    data: images)."""
    key = totp_key_pending(request, create=False)
    if key is None or has_confirmed_device(request.user):
        raise Http404("Nothing to enrol")
    return HttpResponse(qr_code_svg(totp_config_url(request.user, key)), content_type="image/svg+xml")


@login_required
@require_POST
def turn_off(request: HttpRequest) -> HttpResponse:
    """A customer turns two-step verification off, in a session that passed it, unless their
    organisation requires it. Staff cannot (manage.py otp_reset replaces a lost device)."""
    organization = organization_of(request.user)
    if is_staff_account(request.user) or not is_verified(request):
        raise PermissionDenied(_("Only customers signed in with their second factor can turn it off."))
    if organization is not None and organization.requires_two_factor:
        messages.error(request, _("Your organisation requires two-step verification."))
        return redirect("account")
    two_factor_reset(user=request.user)
    request.session[HAS_DEVICE_SESSION_KEY] = False
    messages.success(request, _("Two-step verification is off. You sign in with your password only."))
    return redirect("account")


@login_required
@require_POST
def organization_require(request: HttpRequest) -> HttpResponse:
    """An organisation admin requires two-step verification of every member (or stops)."""
    membership = membership_of(request.user)
    if membership is None or not membership.is_admin:
        raise PermissionDenied(_("Only your organisation's admins manage people."))
    organization = membership.organization
    organization_require_two_factor(organization=organization, required=request.POST.get("requires_two_factor") == "on")
    if organization.requires_two_factor:
        messages.success(
            request, _("Members now sign in with a code. Those without an authenticator app set one up first.")
        )
    else:
        messages.success(request, _("Two-step verification is now each member's own choice."))
    return redirect("account_members")

"""The public escalation page, the Microsoft engineer's form and the customer's request.

Thin: reads come from `escalation.selectors`, writes from the services; domain errors
become messages on the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache

from accounts.selectors import membership_of
from core.client_address import client_address
from escalation import selectors
from escalation.forms import CustomerEscalationForm, MicrosoftEscalationForm
from escalation.services.requests import (
    EscalationRequestError,
    MicrosoftRequest,
    escalation_request_by_customer,
    escalation_request_by_microsoft,
    escalation_request_verify,
)
from incidents.selectors import incident_get_for_user


@cache_control(private=True)  # its form holds the visitor's CSRF token: not kept by the public-page cache
def escalation_page(request: HttpRequest) -> HttpResponse:
    form = MicrosoftEscalationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if form.cleaned_data["website"]:
                return redirect("escalation:sent")  # a bot: say nothing
            data = MicrosoftRequest(**{k: v for k, v in form.cleaned_data.items() if k != "website"})
            try:
                escalation_request_by_microsoft(data=data, remote_addr=client_address(request), now=timezone.now())
            except EscalationRequestError as exc:
                form.add_error(None, str(exc))
                status = 429
            else:
                return redirect("escalation:sent")
        else:
            status = 400
    context = {
        "procedure": selectors.escalation_procedure(),
        "criteria": selectors.escalation_criteria(),
        "contacts": selectors.public_escalation_contacts(),
        "verified_on": selectors.contacts_verified_on(),
        "form": form,
    }
    return render(request, "escalation/page.html", context, status=status)


def escalation_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "escalation/sent.html")


@never_cache
def escalation_verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links); POST pages the contacts."""
    if request.method != "POST":
        return render(request, "escalation/verify.html", {"token": token})
    try:
        escalation_request = escalation_request_verify(token=token, now=timezone.now())
    except EscalationRequestError as exc:
        return render(request, "escalation/verify.html", {"token": token, "error": str(exc)}, status=400)
    return render(request, "escalation/verified.html", {"escalation_request": escalation_request})


@login_required
def escalation_request(request: HttpRequest, number: str) -> HttpResponse:
    incident = incident_get_for_user(user=request.user, number=number)
    membership = membership_of(request.user)
    if membership is None or not membership.can_submit:
        return render(
            request,
            "escalation/request_not_allowed.html",
            {"incident": incident},
            status=403,
        )
    form = CustomerEscalationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            escalation_request_by_customer(
                incident=incident,
                user=request.user,
                criterion=form.cleaned_data["criterion"],
                description=form.cleaned_data["description"],
                now=timezone.now(),
            )
        except EscalationRequestError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your escalation was sent. Our escalation contacts have been paged."))
            return redirect("escalation:request", number=incident.number)
    context = {
        "incident": incident,
        "form": form,
        "criteria": selectors.escalation_criteria(),
        "events": selectors.escalation_events_for_incident(incident),
    }
    return render(request, "escalation/request.html", context, status=400 if form.errors else 200)

"""The customer's incident pages: the list, the submission form and its confirmation.

The incident's own page, its replies and files are in `incidents.views_incident`.

Thin: access is decided by `incidents.selectors` (another organisation's incident is a 404),
writes go through `incidents.services`, domain errors become messages on the form.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.entitlements import EntitlementError, contract_active_get
from accounts.models import Membership, Role
from accounts.selectors import membership_of
from core.markdown import render_markdown
from incidents import selectors
from incidents.forms import IncidentFilterForm, IncidentForm
from incidents.services import IncidentError, NewIncident
from incidents.services.customer import incident_submit
from lifecycle.models import ProductVersion
from lifecycle.selectors import version_support_status
from sla.clock import sla_clock
from sla.models import Severity
from sla.selectors import severities

INCIDENTS_PER_PAGE = 20
DRAFT_KEY = "incident_draft"
BLOCKED_KEY = "incident_blocked"


def not_allowed(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "incidents/not_allowed.html", {"message": message}, status=403)


def _product_versions() -> QuerySet[ProductVersion]:
    """The lifecycle registry's versions, offered on the form."""
    return ProductVersion.objects.select_related("product").order_by("product__display_order", "product__name", "-pk")


def _entitlement_problem(membership: Membership, *, now: dt.datetime) -> str | None:
    """A cheap check for the form page; the submission itself re-checks under a lock."""
    contract = contract_active_get(organization=membership.organization, day=now.date())
    if contract is None:
        return _("Your organisation has no active support contract.")
    if contract.used >= contract.incidents_allotted:
        return _("Your organisation has used all %(n)d incidents of its current contract.") % {
            "n": contract.incidents_allotted
        }
    return None


# --- My incidents ---------------------------------------------------------------------


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    filters = IncidentFilterForm(request.GET or None)
    criteria: dict[str, object] = {}
    if filters.is_valid():
        criteria = {k: v for k, v in filters.cleaned_data.items() if v}
    incidents = selectors.incidents_for_list(user=request.user, **criteria)
    page = Paginator(incidents, INCIDENTS_PER_PAGE).get_page(request.GET.get("page"))
    querystring = urllib.parse.urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    context = {
        "membership": membership,
        "filters": filters,
        "page": page,
        "querystring": querystring,
        "is_filtered": bool(criteria),
        "can_submit": membership is not None and membership.can_submit,
        "now": timezone.now(),
    }
    return render(request, "incidents/list.html", context)


# --- Submission -----------------------------------------------------------------------


@login_required
def incident_new(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    if membership is None:
        return not_allowed(request, _("Only contacts of a customer organisation can file incidents."))
    if not membership.can_submit:
        return not_allowed(
            request,
            _(
                "Your role is read only: you can follow your organisation's incidents but not file them. "
                "Ask your organisation's admin to make you a submitter."
            ),
        )
    now = timezone.now()
    form_kwargs = {
        "product_versions": _product_versions(),
        "severities": severities(membership.organization.region),
    }
    restored = False
    if request.method == "POST":
        form = IncidentForm(request.POST, request.FILES, **form_kwargs)
        if form.is_valid():
            response = _submit(request, membership, form, now=now)
            if response is not None:
                return response
    else:
        draft = request.session.get(DRAFT_KEY)
        initial = {"contact_phone": membership.phone}
        if draft:
            initial.update(draft)
            restored = True
        form = IncidentForm(initial=initial, **form_kwargs)
    context = {
        "form": form,
        "restored": restored,
        "entitlement_problem": _entitlement_problem(membership, now=now),
        "files_need_choosing_again": request.method == "POST" and bool(request.FILES),
        "version_status": _version_status(form, now=now),
    }
    return render(request, "incidents/new.html", context, status=400 if form.is_bound and form.errors else 200)


def _version_status(form: IncidentForm, *, now: dt.datetime):
    """The lifecycle notice for the chosen version when it is out of (or leaving) support."""
    if not form.is_bound or not getattr(form, "cleaned_data", None):
        return None
    version = form.cleaned_data.get("product_version")
    return version_support_status(version, now) if version is not None else None


def _submit(request: HttpRequest, membership: Membership, form: IncidentForm, *, now: dt.datetime):
    data = form.cleaned_data
    version = data.get("product_version")
    new = NewIncident(
        title=data["title"].strip(),
        description=data["description"],
        severity=data["severity"],
        kind=data["kind"],
        product_version_id=version.pk if version else None,
        product_text=data.get("product_text", ""),
        is_preview_feature=data.get("is_preview_feature", False),
        microsoft_case_number=data.get("microsoft_case_number", ""),
        contact_phone=data.get("contact_phone", ""),
    )
    try:
        incident, created = incident_submit(
            organization=membership.organization,
            submitted_by=request.user,
            data=new,
            files=data.get("attachments") or [],
            submission_token=data["submission_token"],
            now=now,
        )
    except EntitlementError as error:
        request.session[DRAFT_KEY] = form.draft()
        request.session[BLOCKED_KEY] = {"code": error.code, "reason": error.reason}
        return redirect("incidents:cannot_submit")
    except IncidentError as error:
        form.add_error("attachments", str(error))
        return None
    request.session.pop(DRAFT_KEY, None)
    request.session.pop(BLOCKED_KEY, None)
    if not created:
        messages.info(request, _("This form was already sent: here is the incident it filed."))
    return redirect("incidents:submitted", number=incident.number)


@login_required
def incident_cannot_submit(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    if membership is None:
        return not_allowed(request, _("Only contacts of a customer organisation can file incidents."))
    blocked = request.session.get(BLOCKED_KEY)
    problem = _entitlement_problem(membership, now=timezone.now())
    if problem is None and blocked is None:
        return redirect("incidents:new")
    draft = request.session.get(DRAFT_KEY) or {}
    severity = None
    if draft.get("severity"):
        severity = Severity.objects.filter(pk=draft["severity"]).first()
    admins = (
        Membership.objects.filter(organization=membership.organization, role=Role.ADMIN, is_active=True)
        .select_related("user")
        .order_by("user__last_name")
    )
    context = {
        "reason": (blocked or {}).get("reason") or problem,
        "code": (blocked or {}).get("code", "no_active_contract"),
        "draft": draft,
        "draft_severity": severity,
        "admins": admins,
        "membership": membership,
        "support_email": settings.SUPPORT_TEAM_EMAIL,
    }
    return render(request, "incidents/cannot_submit.html", context, status=200)


@login_required
@require_POST
def incident_discard_draft(request: HttpRequest) -> HttpResponse:
    request.session.pop(DRAFT_KEY, None)
    request.session.pop(BLOCKED_KEY, None)
    messages.info(request, _("Your draft is discarded."))
    return redirect("incidents:list")


@login_required
@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    """The description or message as it will look (htmx fragment; sanitised like the real page)."""
    text = request.POST.get("description") or request.POST.get("body") or ""
    return render(request, "incidents/_markdown_preview.html", {"html": render_markdown(text[:50_000])})


@login_required
def incident_submitted(request: HttpRequest, number: str) -> HttpResponse:
    incident = selectors.incident_get_for_user(user=request.user, number=number)
    context = {"incident": incident, "sla_state": sla_clock(incident, timezone.now())}
    return render(request, "incidents/submitted.html", context)

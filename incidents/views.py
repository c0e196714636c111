"""The customer's incident pages: list, submission, confirmation, incident page, files.

Thin: access is decided by `incidents.selectors` (another organisation's incident is a 404),
writes go through `incidents.services`, domain errors become messages on the form.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.entitlements import EntitlementError, contract_active_get
from accounts.models import Membership, Role
from accounts.selectors import membership_of
from core.markdown import render_markdown
from incidents import selectors
from incidents.downloads import attachment_response
from incidents.forms import CommentForm, IncidentFilterForm, IncidentForm, ReopenForm
from incidents.models import Incident
from incidents.services import (
    IncidentError,
    NewIncident,
    comment_add,
    incident_confirm_resolution,
    incident_reopen,
    incident_share,
    incident_submit,
    incident_unshare,
)
from sla.clock import sla_clock
from sla.models import Severity

INCIDENTS_PER_PAGE = 20
DRAFT_KEY = "incident_draft"
BLOCKED_KEY = "incident_blocked"
KB_SUGGEST_TEMPLATE = "knowledgebase/_suggest_slot.html"


def _not_allowed(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "incidents/not_allowed.html", {"message": message}, status=403)


def _product_versions():
    """The lifecycle registry's versions, when that app provides them."""
    try:
        from lifecycle.models import ProductVersion
    except ImportError:  # pragma: no cover - the lifecycle app is part of the project
        return None
    return ProductVersion.objects.select_related("product").order_by("product__display_order", "product__name", "-pk")


def _kb_suggestions_available() -> bool:
    try:
        select_template([KB_SUGGEST_TEMPLATE])
    except TemplateDoesNotExist:
        return False
    return True


def _escalation_request_url(incident: Incident) -> str | None:
    try:
        return reverse("escalation:request", args=[incident.number])
    except NoReverseMatch:
        return None


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
        return _not_allowed(request, _("Only contacts of a customer organisation can file incidents."))
    if not membership.can_submit:
        return _not_allowed(
            request,
            _(
                "Your role is read only: you can follow your organisation's incidents but not file them. "
                "Ask your organisation's admin to make you a submitter."
            ),
        )
    now = timezone.now()
    form_kwargs = {"product_versions": _product_versions()}
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
        "kb_suggest": _kb_suggestions_available(),
        "files_need_choosing_again": request.method == "POST" and bool(request.FILES),
        "version_status": _version_status(form, now=now),
    }
    return render(request, "incidents/new.html", context, status=400 if form.is_bound and form.errors else 200)


def _version_status(form: IncidentForm, *, now: dt.datetime):
    """The lifecycle notice for the chosen version when it is out of (or leaving) support."""
    from lifecycle.selectors import version_support_status

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
    if created:
        # Knowledge-base suggestions opened from this form did not deflect the incident.
        from knowledgebase.services import deflection_mark_submitted

        deflection_mark_submitted(request, now=now)
    if not created:
        messages.info(request, _("This form was already sent: here is the incident it filed."))
    return redirect("incidents:submitted", number=incident.number)


@login_required
def incident_cannot_submit(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    if membership is None:
        return _not_allowed(request, _("Only contacts of a customer organisation can file incidents."))
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


# --- The incident page ----------------------------------------------------------------


def _can_write(request: HttpRequest) -> bool:
    membership = membership_of(request.user)
    return membership is not None and membership.role in (Role.ADMIN, Role.SUBMITTER)


def _sharing_context(request: HttpRequest, incident: Incident) -> dict[str, object]:
    """Who follows the incident besides its submitter, and whom it could be shared with."""
    membership = membership_of(request.user)
    can_share = membership is not None and (membership.is_admin or incident.submitted_by_id == request.user.pk)
    shared = list(incident.shared_with.order_by("last_name", "email"))
    candidates = []
    if can_share:
        candidates = list(
            Membership.objects.filter(organization_id=incident.organization_id, role=Role.SUBMITTER, is_active=True)
            .exclude(user_id__in=[incident.submitted_by_id, *[u.pk for u in shared]])
            .select_related("user")
            .order_by("user__last_name", "user__email")
        )
    return {"can_share": can_share, "shared_with": shared, "share_candidates": candidates}


def _detail_context(request: HttpRequest, incident: Incident, **extra) -> dict[str, object]:
    can_write = _can_write(request)
    return {
        **_sharing_context(request, incident),
        "incident": incident,
        "description_html": render_markdown(incident.description),
        "timeline": selectors.incident_public_timeline(incident),
        "sla_state": sla_clock(incident, timezone.now()),
        "can_write": can_write,
        "comment_form": extra.pop("comment_form", None) or CommentForm(),
        "reopen_form": extra.pop("reopen_form", None) or ReopenForm(),
        # The escalation app adds the "Request escalation" view; the button appears once it exists.
        "escalation_request_url": _escalation_request_url(incident) if can_write and incident.is_open else None,
        **extra,
    }


@login_required
def incident_detail(request: HttpRequest, number: str) -> HttpResponse:
    incident = selectors.incident_get_for_user(user=request.user, number=number)
    return render(request, "incidents/detail.html", _detail_context(request, incident))


@login_required
@require_POST
def incident_comment(request: HttpRequest, number: str) -> HttpResponse:
    incident = selectors.incident_get_for_user(user=request.user, number=number)
    if not _can_write(request):
        return _not_allowed(request, _("Your role is read only: you cannot write on incidents."))
    form = CommentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            comment_add(
                incident=incident,
                author=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
                now=timezone.now(),
            )
        except IncidentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your message is added."))
            return redirect(reverse("incidents:detail", args=[incident.number]) + "#timeline-end")
    context = _detail_context(request, incident, comment_form=form, files_need_choosing_again=bool(request.FILES))
    return render(request, "incidents/detail.html", context, status=400)


@login_required
@require_POST
def incident_confirm(request: HttpRequest, number: str) -> HttpResponse:
    incident = selectors.incident_get_for_user(user=request.user, number=number)
    if not _can_write(request):
        return _not_allowed(request, _("Your role is read only: you cannot write on incidents."))
    try:
        incident_confirm_resolution(incident=incident, by=request.user, now=timezone.now())
    except IncidentError:
        messages.error(request, _("Only a resolved incident can be confirmed as solved."))
    else:
        messages.success(request, _("Thank you. The incident is closed."))
    return redirect("incidents:detail", number=incident.number)


@login_required
@require_POST
def incident_reopen_view(request: HttpRequest, number: str) -> HttpResponse:
    incident = selectors.incident_get_for_user(user=request.user, number=number)
    if not _can_write(request):
        return _not_allowed(request, _("Your role is read only: you cannot write on incidents."))
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            incident_reopen(incident=incident, by=request.user, reason=form.cleaned_data["reason"], now=timezone.now())
        except IncidentError:
            messages.error(request, _("Only a resolved or closed incident can be reopened."))
            return redirect("incidents:detail", number=incident.number)
        else:
            messages.success(request, _("The incident is reopened; an engineer will look at it again."))
            return redirect("incidents:detail", number=incident.number)
    return render(request, "incidents/detail.html", _detail_context(request, incident, reopen_form=form), status=400)


@login_required
@require_POST
def incident_share_view(request: HttpRequest, number: str) -> HttpResponse:
    incident = selectors.incident_get_for_user(user=request.user, number=number)
    colleague = (
        Membership.objects.filter(
            organization_id=incident.organization_id, user_id=request.POST.get("user") or 0, is_active=True
        )
        .select_related("user")
        .first()
    )
    if colleague is None:
        messages.error(request, _("Choose a colleague to share the incident with."))
        return redirect("incidents:detail", number=incident.number)
    try:
        incident_share(incident=incident, with_user=colleague.user, by=request.user)
    except IncidentError:
        return _not_allowed(request, _("Only the person who filed the incident or an organisation admin can share it."))
    messages.success(
        request,
        _("%(name)s can now follow this incident.") % {"name": colleague.user.get_full_name() or colleague.user.email},
    )
    return redirect("incidents:detail", number=incident.number)


@login_required
@require_POST
def incident_unshare_view(request: HttpRequest, number: str, user_id: int) -> HttpResponse:
    incident = selectors.incident_get_for_user(user=request.user, number=number)
    colleague = get_object_or_404(get_user_model(), pk=user_id)
    try:
        incident_unshare(incident=incident, with_user=colleague, by=request.user)
    except IncidentError:
        return _not_allowed(
            request, _("Only the person who filed the incident or an organisation admin can stop sharing it.")
        )
    messages.success(
        request, _("%(name)s no longer follows this incident.") % {"name": colleague.get_full_name() or colleague.email}
    )
    return redirect("incidents:detail", number=incident.number)


@login_required
def attachment_download(request: HttpRequest, number: str, pk: int) -> FileResponse:
    attachment = selectors.attachment_get_for_user(user=request.user, number=number, pk=pk)
    try:
        return attachment_response(attachment)
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None

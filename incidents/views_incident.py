"""The customer's incident page: the timeline, replies, confirmation, reopening, sharing, files.

Thin like `incidents.views`: access through `incidents.selectors` (another organisation's
incident is a 404), writes through `incidents.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Membership, Role
from accounts.selectors import membership_of
from core.markdown import render_markdown
from incidents import selectors
from incidents.downloads import attachment_response
from incidents.forms import CommentForm, ReopenForm, ShareForm
from incidents.models import Incident
from incidents.services import IncidentError, comment_add
from incidents.services.customer import incident_confirm_resolution, incident_reopen, incident_share, incident_unshare
from incidents.views import not_allowed
from sla.clock import sla_clock


def _can_write(request: HttpRequest) -> bool:
    membership = membership_of(request.user)
    return membership is not None and membership.role in (Role.ADMIN, Role.SUBMITTER)


def _sharing_context(request: HttpRequest, incident: Incident) -> dict[str, object]:
    """Who follows the incident besides its submitter, and whom it could be shared with."""
    membership = membership_of(request.user)
    can_share = membership is not None and (
        membership.is_admin or (membership.can_submit and incident.submitted_by_id == request.user.pk)
    )
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
        "timeline": selectors.incident_timeline(incident, selectors.Audience.CUSTOMER),
        "sla_state": sla_clock(incident, timezone.now()),
        "can_write": can_write,
        "comment_form": extra.pop("comment_form", None) or CommentForm(),
        "reopen_form": extra.pop("reopen_form", None) or ReopenForm(),
        # The escalation app's page for asking for an escalation (a URL name, not an import).
        "escalation_request_url": (
            reverse("escalation:request", args=[incident.number]) if can_write and incident.is_open else None
        ),
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
        return not_allowed(request, _("Your role is read only: you cannot write on incidents."))
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
        return not_allowed(request, _("Your role is read only: you cannot write on incidents."))
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
        return not_allowed(request, _("Your role is read only: you cannot write on incidents."))
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
    form = ShareForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "incidents/not_allowed.html",
            {"message": _("Choose a colleague to share the incident with.")},
            status=400,
        )
    colleague = selectors.colleague_get(incident=incident, user_id=form.cleaned_data["user"])
    try:
        incident_share(incident=incident, with_user=colleague.user, by=request.user)
    except IncidentError as error:
        return not_allowed(request, str(error))
    messages.success(
        request,
        _("%(name)s can now follow this incident.") % {"name": colleague.user.get_full_name() or colleague.user.email},
    )
    return redirect("incidents:detail", number=incident.number)


@login_required
@require_POST
def incident_unshare_view(request: HttpRequest, number: str, user_id: int) -> HttpResponse:
    incident = selectors.incident_get_for_user(user=request.user, number=number)
    follower = selectors.follower_get(incident=incident, user_id=user_id)
    try:
        incident_unshare(incident=incident, with_user=follower, by=request.user)
    except IncidentError as error:
        return not_allowed(request, str(error))
    messages.success(
        request, _("%(name)s no longer follows this incident.") % {"name": follower.get_full_name() or follower.email}
    )
    return redirect("incidents:detail", number=incident.number)


@login_required
def attachment_download(request: HttpRequest, number: str, pk: int) -> FileResponse:
    attachment = selectors.attachment_get_for_user(user=request.user, number=number, pk=pk)
    try:
        return attachment_response(attachment)
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None

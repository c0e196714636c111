"""Reads for the API: the same access rules as the portal's pages (incidents.selectors)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import membership_of
from core.api.errors import ApiError
from incidents import selectors
from incidents.models import Attachment, Comment, Incident, Visibility
from sla.models import Severity, SupportPlan, SupportRegion


def api_incident_get(*, user, number: str) -> Incident:
    """The incident if `user` may see it; a 404 that never tells whether it exists otherwise."""
    try:
        return selectors.incident_get_for_user(user=user, number=number)
    except Http404:
        raise ApiError(
            _("There is no incident %(number)s that you can see.") % {"number": number},
            code="not_found",
            status_code=404,
        ) from None


def api_incidents(*, user, filters: dict) -> QuerySet[Incident]:
    """What the portal's "My incidents" list shows `user`, filtered."""
    criteria = {
        "q": filters.get("search", ""),
        "status": filters.get("status", ""),
        "severity": filters.get("severity"),
    }
    if filters.get("open") is True:
        criteria["state"] = "open"
    elif filters.get("open") is False:
        criteria["state"] = "closed"
    return selectors.incidents_for_list(user=user, **criteria).select_related("organization")


def api_can_write(*, user, incident: Incident) -> bool:
    """Staff, an organisation admin, or a submitter who can see the incident (the viewer role reads only)."""
    if user.is_staff:
        return True
    membership = membership_of(user)
    return membership is not None and membership.role in (Role.ADMIN, Role.SUBMITTER)


def api_comments(*, user, incident: Incident) -> QuerySet[Comment]:
    """The incident's comments as the person sees them: customers only public replies."""
    comments = incident.comments.select_related("author").order_by("created_at", "pk")
    if not user.is_staff:
        comments = comments.filter(visibility=Visibility.PUBLIC)
    return comments


def api_attachments(*, user, incident: Incident) -> list[Attachment]:
    attachments = Attachment.objects.filter(incident=incident).select_related("incident").order_by("uploaded_at", "pk")
    if not user.is_staff:
        attachments = attachments.filter(is_internal=False).exclude(comment__visibility=Visibility.INTERNAL)
    return list(attachments)


def api_attachment_get(*, user, incident: Incident, pk: int) -> Attachment | None:
    """One file of the incident that `user` may see (customers: not internal), or None."""
    attachments = Attachment.objects.filter(incident=incident, pk=pk)
    if not user.is_staff:
        attachments = attachments.filter(is_internal=False).exclude(comment__visibility=Visibility.INTERNAL)
    return attachments.first()


def severity_by_code(code: str) -> Severity | None:
    return Severity.objects.filter(code=code).first()


def plan_by_code(code: str) -> SupportPlan | None:
    return SupportPlan.objects.filter(code=code).first()


def region_by_code(code: str) -> SupportRegion | None:
    return SupportRegion.objects.prefetch_related("intervals", "date_exceptions").filter(code=code).first()


def codes(model) -> list[str]:
    return list(model.objects.values_list("code", flat=True))

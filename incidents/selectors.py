"""Reads for the SLA pages and the incident lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from incidents.models import Incident, ResponseTarget, Severity, SupportPlan
from portal.models import Role


@dataclass(frozen=True)
class SlaMatrix:
    plans: list[SupportPlan]
    severities: list[Severity]
    rows: list[tuple[Severity, list[ResponseTarget | None]]]


def sla_matrix() -> SlaMatrix:
    """Plan × severity response targets, in display order (three queries)."""
    plans = list(SupportPlan.objects.all())
    severities = list(Severity.objects.all())
    targets = {(t.plan_id, t.severity_id): t for t in ResponseTarget.objects.all()}
    rows = [(severity, [targets.get((plan.pk, severity.pk)) for plan in plans]) for severity in severities]
    return SlaMatrix(plans=plans, severities=severities, rows=rows)


def incidents_visible_to(user) -> QuerySet[Incident]:
    """Incidents a signed-in person may see: staff all; an org admin or viewer the whole
    organisation; a submitter their own and those shared with them. Anonymous: none."""
    qs = Incident.objects.all()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_staff:
        return qs
    membership = getattr(user, "membership", None)
    if membership is None or not membership.is_active:
        return qs.none()
    qs = qs.filter(organization_id=membership.organization_id)
    if membership.role in (Role.ADMIN, Role.VIEWER):
        return qs
    return qs.filter(Q(submitted_by=user) | Q(shared_with=user)).distinct()


def incident_get_for_user(*, user, number: str) -> Incident:
    """The incident with this number if `user` may see it, else Http404 (never 403:
    a customer must not learn that another organisation's incident exists)."""
    incident = (
        incidents_visible_to(user)
        .filter(number=number)
        .select_related("organization", "severity", "plan", "region", "submitted_by", "assignee", "contract")
        .first()
    )
    if incident is None:
        raise Http404("No such incident")
    return incident

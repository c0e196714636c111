"""Reads for the escalation pages and the admin."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from core.seeded_texts import translated
from escalation.models import Criterion, EscalationContact, EscalationEvent, EscalationPolicy, EscalationStep
from incidents.models import Incident
from sla.models import ResponseTarget, SupportPlan


def public_escalation_contacts() -> QuerySet[EscalationContact]:
    return EscalationContact.objects.filter(is_public=True)


def contacts_verified_on() -> dt.date | None:
    """When the public contacts were last verified: the least recently verified one counts
    (None when a public contact was never verified, or there is none)."""
    dates = list(public_escalation_contacts().values_list("verified_on", flat=True))
    if not dates or None in dates:
        return None
    return min(dates)


def escalation_events_for_incident(incident: Incident) -> QuerySet[EscalationEvent]:
    """The incident's escalation events for the customer's request page, in firing order (one query)."""
    return (
        EscalationEvent.objects.filter(incident=incident)
        .select_related("step", "request")
        .order_by("fired_at", "due_at", "pk")
    )


@dataclass(frozen=True)
class StepRow:
    step: EscalationStep
    recipients: list[str]
    # Business time after submission, per plan (None when the plan has no target).
    offsets: list[dt.timedelta | None]


@dataclass(frozen=True)
class PolicyTable:
    policy: EscalationPolicy
    plans: list[SupportPlan]
    rows: list[StepRow]


def escalation_procedure() -> list[PolicyTable]:
    """The live default policies, one table per severity, with each step's time per plan."""
    plans = list(SupportPlan.objects.all())
    targets = {(t.plan_id, t.severity_id): t for t in ResponseTarget.objects.all()}
    policies = (
        EscalationPolicy.objects.filter(is_active=True, plan__isnull=True)
        .select_related("severity")
        .prefetch_related("steps__notify_groups", "steps__notify_contacts")
    )
    tables = []
    for policy in policies:
        rows = []
        for step in policy.steps.all():
            recipients = []
            if step.notify_assignee:
                recipients.append(str(EscalationStep._meta.get_field("notify_assignee").verbose_name))
            recipients += [translated(group.name) for group in step.notify_groups.all()]
            recipients += [contact.name for contact in step.notify_contacts.all()]
            offsets = []
            for plan in plans:
                target = targets.get((plan.pk, policy.severity_id))
                offsets.append(step.offset(target.duration) if target else None)
            rows.append(StepRow(step=step, recipients=recipients, offsets=offsets))
        tables.append(PolicyTable(policy=policy, plans=plans, rows=rows))
    return tables


def escalation_criteria() -> list[tuple[str, str]]:
    return list(Criterion.choices)

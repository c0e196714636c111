"""Reads for the SLA pages and the incident lists."""

from __future__ import annotations

from dataclasses import dataclass

from incidents.models import ResponseTarget, Severity, SupportPlan


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

"""An incident's escalation plan: its steps with their due times, and the invariants every
plan keeps (`plan_check`), checked by the watcher where it makes the plan
(`escalation.watcher.incident_step_plan`); and which open incidents a policy covers, whose
pending steps an edit of it moves (the admin says how many before it saves)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.db.models import QuerySet

from escalation.models import EscalationPolicy, EscalationStep
from incidents.models import Incident


@dataclass(frozen=True)
class PlannedStep:
    step: EscalationStep
    due_at: dt.datetime


class PlanError(AssertionError):
    """A plan that breaks an invariant of the steps (a bug, never a state to act on)."""


def plan_check(plan: list[PlannedStep], *, due_at: dt.datetime, target: dt.timedelta) -> None:
    """The invariants of a plan: in the order of the steps' share of the target, their times
    never go back (the warning before the breach before each level), and the breach step
    (100 %, no extra minutes) is the stored deadline. `PlanError` otherwise."""
    for earlier, later in itertools.pairwise(plan):
        if later.due_at < earlier.due_at:
            raise PlanError(f"step {later.step.pk} ({later.due_at}) before step {earlier.step.pk} ({earlier.due_at})")
    for planned in plan:
        offset = planned.step.offset(target)
        if (offset < target and planned.due_at > due_at) or (offset > target and planned.due_at < due_at):
            raise PlanError(f"step {planned.step.pk} at {planned.due_at} on the wrong side of the deadline {due_at}")
        if offset == target and planned.due_at != due_at:
            raise PlanError(f"breach step {planned.step.pk} at {planned.due_at}, not the deadline {due_at}")


def plan_held(plan: list[PlannedStep], *, due_at: dt.datetime, target: dt.timedelta) -> list[PlannedStep]:
    """The plan with each step held on its side of the deadline and none before the one
    before it (for a plan that failed `plan_check`)."""
    held: list[PlannedStep] = []
    for planned in plan:
        offset = planned.step.offset(target)
        when = planned.due_at
        if offset == target:
            when = due_at
        elif offset < target:
            when = min(when, due_at)
        else:
            when = max(when, due_at)
        if held:
            when = max(when, held[-1].due_at)
        held.append(PlannedStep(step=planned.step, due_at=when))
    return held


def policy_open_incidents(policy: EscalationPolicy) -> QuerySet[Incident]:
    """The open, unresponded incidents a policy covers: those whose pending steps an edit of
    it moves (each on the calendar it was filed under). A plan's own policy covers its plan's
    incidents; a default policy (no plan) also those of plans without a policy of their own."""
    incidents = Incident.objects.open().filter(severity_id=policy.severity_id, first_response_at__isnull=True)
    if policy.plan_id is not None:
        return incidents.filter(plan_id=policy.plan_id)
    own = EscalationPolicy.objects.filter(severity_id=policy.severity_id, plan__isnull=False, is_active=True)
    return incidents.exclude(plan_id__in=own.values("plan_id"))

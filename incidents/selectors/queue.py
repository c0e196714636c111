"""Reads for the engineers' queue in the admin: ordering, filters, clocks and the incident page.

The queue is the open incidents in urgency order (`QUEUE_ORDERING`, the one written rule;
docs/ARCHITECTURE.md "The engineers' queue"). Every read here is a fixed number of queries
whatever the number of rows: the admin asserts it in tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, Exists, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from incidents.models import OPEN_STATUSES, Comment, EscalationEntry, EscalationKind, Incident, Visibility
from sla import businesshours
from sla.clock import SlaClock, SlaState, sla_clock
from sla.selectors import filing_calendar

# --- The queue ------------------------------------------------------------------------

UNRESPONDED = Q(first_response_at__isnull=True, status__in=OPEN_STATUSES)
# A critical severity (Severity A): its customer stays reachable around the clock.
CRITICAL = Q(severity__requires_around_the_clock_contact=True)


def at_risk(now: dt.datetime) -> Q:
    """Unanswered and past the escalation policy's warning step or the deadline."""
    return UNRESPONDED & (Q(response_warning_at__lte=now) | Q(response_due_at__lte=now))


class QueueRank:
    """The urgency tiers, most urgent first (the first key of `QUEUE_ORDERING`)."""

    CRITICAL_AT_RISK = 0  # Severity A, unanswered, past its warning step or breached
    UNANSWERED = 1  # any other unanswered incident with a deadline
    NO_DEADLINE = 2  # unanswered without a deadline (a preview feature)
    ANSWERED = 3  # the first response is given (or the incident is closed)


def queue_incidents(*, now: dt.datetime) -> QuerySet[Incident]:
    """All incidents with what a queue row shows joined in, and the queue's sort keys (SQL
    expressions on the row and its severity: no per-row work in Python)."""
    return Incident.objects.select_related("organization", "plan", "severity", "assignee").annotate(
        queue_rank=Case(
            When(at_risk(now) & CRITICAL, then=Value(QueueRank.CRITICAL_AT_RISK)),
            When(UNRESPONDED & Q(response_due_at__isnull=False), then=Value(QueueRank.UNANSWERED)),
            When(UNRESPONDED, then=Value(QueueRank.NO_DEADLINE)),
            default=Value(QueueRank.ANSWERED),
            output_field=IntegerField(),
        ),
        queue_due_at=Case(When(UNRESPONDED, then=F("response_due_at")), default=None),
    )


# The urgency order: the tier; then the time left, the stored deadline first (breached ones
# have the earliest); then age, oldest first.
QUEUE_ORDERING = ("queue_rank", F("queue_due_at").asc(nulls_last=True), "submitted_at", "pk")


def queue_filter_open(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    """The open incidents. `incident_transition` keeps resolved_at and closed_at empty on an
    open incident (a reopen clears them), so the two IS NULL terms change nothing in the
    result; they let the planner use the small partial index `incident_open_due_idx`."""
    return qs.filter(status__in=OPEN_STATUSES, resolved_at__isnull=True, closed_at__isnull=True)


def queue_filter_breached(qs: QuerySet[Incident], *, now: dt.datetime) -> QuerySet[Incident]:
    """Open, still unanswered and past the deadline."""
    return qs.filter(UNRESPONDED, response_due_at__lte=now)


def queue_filter_warning(qs: QuerySet[Incident], *, now: dt.datetime) -> QuerySet[Incident]:
    """Open, still unanswered, past the escalation policy's warning step and not yet breached."""
    return qs.filter(UNRESPONDED, response_warning_at__lte=now, response_due_at__gt=now)


def queue_filter_responded_late(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    return qs.filter(first_response_at__gt=F("response_due_at"))


# --- Saved views (the tabs above the queue) ---------------------------------------------

DUE_SOON = dt.timedelta(hours=1)


def queue_view_labels() -> list[tuple[str, str]]:
    """The saved views, in the order of the tabs (no "my region" or "my languages": a staff
    profile records neither)."""
    return [
        ("mine", _("Mine")),
        ("unassigned", _("Unassigned")),
        ("due_soon", _("Due in the next hour")),
        ("breached", _("Breached")),
        ("escalated", _("Escalated")),
        ("replied", _("Customer replied")),
    ]


def queue_filter_view(qs: QuerySet[Incident], view: str, *, user, now: dt.datetime) -> QuerySet[Incident]:
    """One saved view, as a filter on the queue (an unknown name filters nothing)."""
    if view == "mine":
        return qs.filter(assignee=user)
    if view == "unassigned":
        return qs.filter(assignee__isnull=True)
    if view == "due_soon":
        return qs.filter(UNRESPONDED, response_due_at__gt=now, response_due_at__lte=now + DUE_SOON)
    if view == "breached":
        return queue_filter_breached(qs, now=now)
    if view == "escalated":
        # Escalated: a breach, a higher level or a person's request (a warning is not yet one).
        raised = EscalationEntry.objects.filter(incident=OuterRef("pk")).exclude(kind=EscalationKind.WARNING)
        return qs.filter(Exists(raised))
    if view == "replied":
        # The newest public message is the customer's: it waits for an engineer.
        newest = Comment.objects.filter(incident=OuterRef("pk"), visibility=Visibility.PUBLIC).order_by(
            "-created_at", "-pk"
        )
        return qs.alias(last_by_staff=Subquery(newest.values("is_staff_author")[:1])).filter(last_by_staff=False)
    return qs


# --- The live queue's poll ---------------------------------------------------------------


def queue_pulse() -> dict[str, Any]:
    """What changed in the queue, in three aggregate queries whatever its size: the newest
    incident and message (primary-key indexes), and over the open incidents (the partial
    index) how many wait for a first response and their last change. `stamp` moves when an
    incident is filed, a message is written, or an open incident changes (status,
    assignment, severity, the watcher's warning instant)."""
    newest = Incident.objects.aggregate(pk=Max("pk"))["pk"] or 0
    message = Comment.objects.aggregate(pk=Max("pk"))["pk"] or 0
    open_rows = queue_filter_open(Incident.objects.all()).aggregate(
        waiting=Count("pk", filter=Q(first_response_at__isnull=True)),
        changed=Max("updated_at"),
        warned=Max("response_warning_at"),
    )
    changed = max((v for v in (open_rows["changed"], open_rows["warned"]) if v is not None), default=None)
    stamp = f"{newest}-{message}-{open_rows['waiting']}-{changed.isoformat() if changed else ''}"
    return {"stamp": stamp, "newest": newest, "waiting": open_rows["waiting"]}


# --- The clock (sla.clock.sla_clock) ----------------------------------------------------


def duration_short(delta: dt.timedelta) -> str:
    """`2 d 3 h`, `3 h 05 min`, `42 min`, `< 1 min` (absolute value)."""
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)02d min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)s min") % {"m": minutes}
    return str(_("< 1 min"))


def clock_text(clock: SlaClock) -> str:
    """What the "due in" column says (static/js/queue.js counts the same text down)."""
    if clock.state == SlaState.MET:
        return str(_("Met"))
    if clock.state == SlaState.MISSED:
        return str(_("Breached (responded late)"))
    if clock.remaining is None:
        return "—"
    if clock.state == SlaState.BREACHED:
        return _("Breached %(time)s ago") % {"time": duration_short(clock.remaining)}
    return _("in %(time)s") % {"time": duration_short(clock.remaining)}


# --- The incident page ----------------------------------------------------------------


@dataclass(frozen=True)
class SlaPanel:
    clock: SlaClock
    target_minutes: int | None
    coverage: str
    due_in_region: dt.datetime | None
    region_zone: str
    business_time_left: dt.timedelta | None
    escalations: list[EscalationEntry]


def escalation_events_for(incident: Incident) -> list[EscalationEntry]:
    """The escalations fired for the incident, as its timeline records them."""
    return list(incident.escalation_entries.all())


def incident_sla_panel(incident: Incident, *, now: dt.datetime) -> SlaPanel:
    """Due time in the region's zone, business time left by the engine, escalations fired.

    The target is the one stored on the incident (the one that applied). The escalations
    are the incident's own timeline rows (written by the escalation app): this app imports
    no escalation code."""
    clock = sla_clock(incident, now)
    region = incident.region
    business_left = None
    if clock.remaining is not None and clock.due_at is not None:
        if clock.remaining > dt.timedelta(0):
            calendar = filing_calendar(incident, now)
            business_left = businesshours.business_time_between(calendar, now, clock.due_at)
        else:
            business_left = dt.timedelta(0)
    due_in_region = clock.due_at.astimezone(ZoneInfo(region.time_zone)) if clock.due_at else None
    return SlaPanel(
        clock=clock,
        target_minutes=incident.response_target_minutes,
        coverage=incident.get_response_target_coverage_display() if incident.response_target_coverage else "",
        due_in_region=due_in_region,
        region_zone=region.time_zone,
        business_time_left=business_left,
        escalations=escalation_events_for(incident),
    )


def incident_for_admin(pk: int) -> Incident | None:
    return (
        Incident.objects.select_related(
            "organization", "contract", "contract__plan", "plan", "severity", "region", "submitted_by", "assignee"
        )
        .filter(pk=pk)
        .first()
    )

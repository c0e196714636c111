"""The deadline watcher: when an incident needs looking at next, the sweep, and delivery.

Each open, unresponded incident stores `next_check_at`, the due time of its earliest
step not yet fired (warning, breach, further levels). `incident_next_check_refresh`
recomputes it whenever an input changes; it may be early, never late.

`escalation_sweep` takes due incidents in `next_check_at` order, re-checks them with the
business-hours engine, claims them by compare-and-set on `next_check_at` (row locks with
SKIP LOCKED on PostgreSQL as well), and writes one `EscalationEvent` per due step in the
same transaction, with their emails and webhooks in the outbox (`escalation.delivery`);
the unique constraint on (incident, step) makes a double fire impossible. `notify` sends
the deliveries once the sweep's transaction commits.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction

from escalation.delivery import event_deliveries_create
from escalation.models import EscalationEvent, EscalationPolicy, EscalationStep
from incidents.models import Incident
from incidents.services_escalations import Escalated, escalations_record
from notify.models import WebhookEndpoint, WebhookEvent
from notify.services import endpoints_subscribed
from sla import businesshours
from sla import clock as sla
from sla.businesshours import Calendar
from sla.models import ResponseTarget, SupportRegion

logger = logging.getLogger(__name__)

# A row whose check raised is looked at again after this long (logged, never crash-looped).
FAILED_CHECK_RETRY = dt.timedelta(minutes=5)


# --- Which steps an incident has, and when -----------------------------------------------


@dataclass(frozen=True)
class PlannedStep:
    step: EscalationStep
    due_at: dt.datetime


@dataclass
class WatchContext:
    """Policies, targets and calendars loaded once and shared by many incidents."""

    _policies: dict[tuple[int, int | None], EscalationPolicy] | None = None
    _targets: dict[tuple[int, int], ResponseTarget] | None = None
    _regions: dict[int, SupportRegion] = field(default_factory=dict)
    _calendars: dict[tuple[str, int, int], Calendar] = field(default_factory=dict)
    _endpoints: list[WebhookEndpoint] | None = None

    def escalation_endpoints(self) -> list[WebhookEndpoint]:
        if self._endpoints is None:
            self._endpoints = endpoints_subscribed(WebhookEvent.ESCALATED)
        return self._endpoints

    def policy(self, *, severity_id: int, plan_id: int) -> EscalationPolicy | None:
        if self._policies is None:
            self._policies = {
                (policy.severity_id, policy.plan_id): policy
                for policy in EscalationPolicy.objects.filter(is_active=True).prefetch_related("steps")
            }
        return self._policies.get((severity_id, plan_id)) or self._policies.get((severity_id, None))

    def target(self, *, plan_id: int, severity_id: int) -> ResponseTarget | None:
        if self._targets is None:
            self._targets = {(t.plan_id, t.severity_id): t for t in ResponseTarget.objects.all()}
        return self._targets.get((plan_id, severity_id))

    def calendar(self, *, target: ResponseTarget, region_id: int, at: dt.datetime) -> Calendar:
        key = (target.coverage, region_id, at.year)
        if key not in self._calendars:
            region = self._regions.get(region_id)
            if region is None:
                region = SupportRegion.objects.prefetch_related("intervals", "date_exceptions").get(pk=region_id)
                self._regions[region_id] = region
            self._calendars[key] = sla.target_calendar(target, region, at)
        return self._calendars[key]


def incident_is_watched(incident: Incident) -> bool:
    """Open, not yet responded, with a response commitment (preview features have none)."""
    return (
        incident.is_open
        and incident.first_response_at is None
        and incident.response_due_at is not None
        and not incident.is_preview_feature
    )


def incident_step_plan(incident: Incident, *, ctx: WatchContext | None = None) -> list[PlannedStep]:
    """Every step of the incident's policy with its due time, in firing order.

    A step is due when its share of the response target plus its extra minutes of business
    time have passed since submission, on the target's calendar; the target's length is
    read back from the stored deadline so the breach step is exactly `response_due_at`.
    """
    if not incident_is_watched(incident):
        return []
    ctx = ctx or WatchContext()
    policy = ctx.policy(severity_id=incident.severity_id, plan_id=incident.plan_id)
    target = ctx.target(plan_id=incident.plan_id, severity_id=incident.severity_id)
    if policy is None or target is None:
        return []
    assert incident.response_due_at is not None  # noqa: S101 - checked by incident_is_watched
    calendar = ctx.calendar(target=target, region_id=incident.region_id, at=incident.submitted_at)
    target_duration = businesshours.business_time_between(calendar, incident.submitted_at, incident.response_due_at)
    planned = []
    for step in policy.steps.all():
        if step.percent_of_target == 100 and step.extra_minutes == 0:
            due_at = incident.response_due_at
        else:
            due_at = businesshours.add_business_time(calendar, incident.submitted_at, step.offset(target_duration))
        planned.append(PlannedStep(step=step, due_at=due_at))
    planned.sort(key=lambda p: (p.due_at, p.step.percent_of_target, p.step.extra_minutes, p.step.pk))
    return planned


def _fired_step_ids(incident_id: int) -> set[int]:
    return set(
        EscalationEvent.objects.filter(incident_id=incident_id, step__isnull=False).values_list("step_id", flat=True)
    )


def incident_next_check_compute(incident: Incident, *, ctx: WatchContext | None = None) -> dt.datetime | None:
    """The due time of the earliest step not fired yet (possibly in the past: the sweep
    then fires it, marked late), or None when nothing is left to watch. An incident not
    inserted yet has no fired steps to look up."""
    plan = incident_step_plan(incident, ctx=ctx)
    if not plan:
        return None
    fired = _fired_step_ids(incident.pk) if incident.pk else set()
    return next((p.due_at for p in plan if p.step.pk not in fired), None)


def _context_with_deadline(incident: Incident, deadline: sla.Deadline | None, *, config: WatchConfig) -> WatchContext:
    """A context with the policies of `config` and the target and calendar of the deadline
    just computed for this incident (the same the watcher would load)."""
    ctx = WatchContext(_policies=config.policies)
    if deadline is not None and (deadline.target.plan_id, deadline.target.severity_id) == (
        incident.plan_id,
        incident.severity_id,
    ):
        ctx._targets = {(incident.plan_id, incident.severity_id): deadline.target}
        key = (deadline.target.coverage, incident.region_id, incident.submitted_at.year)
        ctx._calendars[key] = deadline.calendar
    return ctx


def incident_next_check_refresh(incident: Incident) -> None:
    """Recompute and store `next_check_at` after any input changed."""
    incident.next_check_at = incident_next_check_compute(incident)
    Incident.objects.filter(pk=incident.pk).update(next_check_at=incident.next_check_at)


def incident_next_check_for_new(
    incident: Incident, *, deadline: sla.Deadline | None, config: WatchConfig
) -> dt.datetime | None:
    """`next_check_at` for an incident about to be inserted (it has no fired steps), from
    the deadline just computed for it and the configuration snapshot: no query."""
    return incident_next_check_compute(incident, ctx=_context_with_deadline(incident, deadline, config=config))


# --- The watcher's configuration: one snapshot per process ---------------------------------
#
# Policies with their steps, and the active webhook endpoints, are read on every submission
# but change rarely. Each process keeps one snapshot, checked against the latest history
# ids of their tables, which the SLA clock reads in the same query as the response target
# (`sla.versioned_models_register` in `escalation.apps`), so a change made in the
# admin by any process is seen by the next submission everywhere. A save or delete in this
# process also bumps `_config_generation` (rolled-back changes, test databases). Writes
# that record no history (queryset `.update()`, raw SQL) need `watch_config_clear()`.

VERSIONED_MODELS = (EscalationPolicy, EscalationStep, WebhookEndpoint)


@dataclass(frozen=True)
class WatchConfig:
    policies: dict[tuple[int, int | None], EscalationPolicy]
    endpoints: tuple[WebhookEndpoint, ...]  # the active ones

    @classmethod
    def load(cls) -> WatchConfig:
        return cls(
            policies={
                (policy.severity_id, policy.plan_id): policy
                for policy in EscalationPolicy.objects.filter(is_active=True).prefetch_related("steps")
            },
            endpoints=tuple(WebhookEndpoint.objects.filter(is_active=True)),
        )

    def endpoints_subscribed(self, event: str) -> list[WebhookEndpoint]:
        field_name = WebhookEndpoint.EVENT_FIELDS[WebhookEvent(event)]
        return [endpoint for endpoint in self.endpoints if getattr(endpoint, field_name)]


_config_generation = 0
_config: tuple[tuple[object, ...], WatchConfig] | None = None


def watch_config(*, version: tuple[object, ...] | None = None) -> WatchConfig:
    """This process's configuration snapshot, reloaded when the version changed.

    `version` is `sla.config_version()` (or a deadline's `version`), read before the
    snapshot is loaded: a change racing with the load leaves an older label on newer rows,
    so the snapshot is loaded once more, never kept stale.
    """
    global _config
    key = (_config_generation, version if version is not None else sla.config_version())
    cached = _config
    if cached is not None and cached[0] == key:
        return cached[1]
    config = WatchConfig.load()
    _config = (key, config)
    return config


def watch_config_clear(**kwargs: object) -> None:
    """Forget this process's snapshot (also the receiver of the models' save and delete signals)."""
    global _config_generation
    _config_generation += 1


def policy_incidents_refresh(*, policy_id: int, batch_size: int = 500) -> int:
    """After a policy changed: recompute `next_check_at` of the open incidents it covers."""
    policy = EscalationPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        return 0
    incidents = Incident.objects.open().filter(severity_id=policy.severity_id, first_response_at__isnull=True)
    if policy.plan_id is not None:
        incidents = incidents.filter(plan_id=policy.plan_id)
    ctx = WatchContext()
    count = 0
    for incident in incidents.order_by("pk").iterator(chunk_size=batch_size):
        next_check = incident_next_check_compute(incident, ctx=ctx)
        if next_check != incident.next_check_at:
            Incident.objects.filter(pk=incident.pk, next_check_at=incident.next_check_at).update(
                next_check_at=next_check
            )
        count += 1
    return count


# --- The sweep -------------------------------------------------------------------------


@dataclass
class SweepResult:
    checked: int = 0
    fired: int = 0
    skipped: int = 0
    failed: int = 0
    events: list[int] = field(default_factory=list)


def _due(now: dt.datetime, batch_size: int, *, lock: bool = False) -> list[tuple[int, dt.datetime]]:
    # Uses incident_next_check_open_idx (partial: next_check_at IS NOT NULL).
    rows = Incident.objects.filter(next_check_at__isnull=False, next_check_at__lte=now).order_by("next_check_at")
    if lock:
        # PostgreSQL: rows another sweeper holds are skipped, so two workers split a burst.
        # SQLite has no row locks (Django ignores this there): the claim below decides.
        rows = rows.select_for_update(skip_locked=True)
    return list(rows.values_list("pk", "next_check_at")[:batch_size])


def escalation_sweep(
    *, now: dt.datetime, batch_size: int | None = None, on_full_batch: Callable[[], None] | None = None
) -> SweepResult:
    """Fire every step due at `now` on up to `batch_size` incidents, oldest first.

    With nothing due this is one indexed query and no transaction. Otherwise the batch is
    one transaction (one commit, whatever its size) and each incident a savepoint in it:
    one that raises is rolled back to its savepoint, pushed forward and logged, and the
    others go on. The deliveries' tasks are enqueued when the batch commits.
    """
    result = SweepResult()
    batch_size = batch_size or settings.ESCALATION_SWEEP_BATCH
    if not _due(now, batch_size):
        return result
    ctx = WatchContext()
    with transaction.atomic():
        rows = _due(now, batch_size, lock=True)
        result.checked = len(rows)
        if on_full_batch is not None and result.checked >= batch_size:
            # More may be due: the next sweep goes into the queue ahead of this batch's
            # deliveries (registered first), so a burst is fired by the free workers while
            # others deliver.
            transaction.on_commit(on_full_batch)
        _incidents_check(rows=rows, now=now, ctx=ctx, result=result)
    logger.info(
        "escalation sweep: checked=%s fired=%s skipped=%s failed=%s",
        result.checked,
        result.fired,
        result.skipped,
        result.failed,
    )
    return result


def _fired_step_ids_many(incident_ids: list[int]) -> dict[int, set[int]]:
    fired: dict[int, set[int]] = {}
    rows = EscalationEvent.objects.filter(incident_id__in=incident_ids, step__isnull=False)
    for incident_id, step_id in rows.values_list("incident_id", "step_id"):
        fired.setdefault(incident_id, set()).add(step_id)
    return fired


def _incidents_check(
    *, rows: list[tuple[int, dt.datetime]], now: dt.datetime, ctx: WatchContext, result: SweepResult
) -> None:
    """Check a batch of due incidents inside the sweep's transaction, in a constant number
    of queries: read them and their fired steps, plan in Python, claim them all with one
    compare-and-set on the `next_check_at` this sweep saw (a row that moved meanwhile —
    another worker, a first response — is skipped), then insert every due event in one
    statement and their emails and webhooks in another.

    A row whose planning raises is pushed forward by FAILED_CHECK_RETRY and logged; the
    others go on."""
    from escalation.claims import incidents_claim

    seen = dict(rows)
    incidents = {
        incident.pk: incident
        for incident in Incident.objects.select_related("severity", "plan", "organization").filter(pk__in=seen)
    }
    fired = _fired_step_ids_many(list(seen))
    claims: dict[int, tuple[dt.datetime, dt.datetime | None]] = {}
    due: dict[int, list[PlannedStep]] = {}
    for incident_id, seen_at in rows:
        incident = incidents.get(incident_id)
        if incident is None or incident.next_check_at != seen_at:
            result.skipped += 1
            continue
        try:
            plan = [p for p in incident_step_plan(incident, ctx=ctx) if p.step.pk not in fired.get(incident_id, ())]
        except Exception:
            logger.exception(
                "escalation sweep: incident %s failed; looking again in %s", incident_id, FAILED_CHECK_RETRY
            )
            Incident.objects.filter(pk=incident_id, next_check_at=seen_at).update(
                next_check_at=now + FAILED_CHECK_RETRY
            )
            result.failed += 1
            continue
        due[incident_id] = [p for p in plan if p.due_at <= now]
        claims[incident_id] = (seen_at, next((p.due_at for p in plan if p.due_at > now), None))
    # The claim: compare-and-set on the values this sweep saw, all rows at once.
    won = incidents_claim(claims)
    result.skipped += len(claims) - len(won)
    to_fire = [(incidents[i], planned) for i, _ in rows if i in won for planned in due[i]]
    events = _events_fire(to_fire, now=now, ctx=ctx)
    result.fired += len(events)
    result.events.extend(event.pk for event in events)


def _events_fire(
    to_fire: list[tuple[Incident, PlannedStep]], *, now: dt.datetime, ctx: WatchContext
) -> list[EscalationEvent]:
    """Insert the events (one statement; the unique constraint on (incident, step) makes a
    double fire impossible: if it trips, each event is inserted on its own and the one
    that already fired is skipped) and their emails and webhooks (one more statement)."""
    if not to_fire:
        return []
    rows = [
        EscalationEvent(
            incident=incident,
            step=planned.step,
            kind=planned.step.kind,
            title=planned.step.name,
            due_at=planned.due_at,
            fired_at=now,
            late_by=max(dt.timedelta(0), now - planned.due_at),
        )
        for incident, planned in to_fire
    ]
    try:
        with transaction.atomic():
            events = EscalationEvent.objects.bulk_create(rows)
            if any(event.pk is None for event in events):  # a backend that returns no ids
                raise IntegrityError("no ids returned")
            escalations_record(fired=[_escalated(event) for event in events])
    except IntegrityError:
        events = [
            event
            for incident, planned in to_fire
            if (event := _event_insert(incident=incident, planned=planned, now=now)) is not None
        ]
    event_deliveries_create(events, now=now, endpoints=ctx.escalation_endpoints())
    for event in events:
        logger.info(
            "escalation sweep: %s %s fired (due %s, late by %ss)",
            event.incident.number,
            event.title,
            event.due_at.isoformat(),
            int(event.late_by.total_seconds()),
        )
    return events


def _escalated(event: EscalationEvent) -> Escalated:
    """The fired step as the incident's timeline records it."""
    return Escalated(incident_id=event.incident_id, kind=event.kind, title=event.title, fired_at=event.fired_at)


def _event_insert(*, incident: Incident, planned: PlannedStep, now: dt.datetime) -> EscalationEvent | None:
    try:
        with transaction.atomic():
            event = EscalationEvent.objects.create(
                incident=incident,
                step=planned.step,
                kind=planned.step.kind,
                title=planned.step.name,
                due_at=planned.due_at,
                fired_at=now,
                late_by=max(dt.timedelta(0), now - planned.due_at),
            )
            escalations_record(fired=[_escalated(event)])
            return event
    except IntegrityError:
        # The unique constraint: this step already fired for this incident.
        logger.info("escalation sweep: %s step %s had already fired", incident.number, planned.step.pk)
        return None

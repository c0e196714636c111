"""The deadline watcher: which escalation steps an incident has and when, and the sweep.

The request that files or changes an incident does only the incident's own work: it
stores the deadline and the response target that applied, and sets `next_check_at` to
now. The sweep (Celery beat, every few seconds) does the rest, as healthchecks'
`sendalerts` does: it takes due incidents in `next_check_at` order (an indexed query; row
locks with SKIP LOCKED on PostgreSQL, so two workers split a burst), plans each one's
steps from its stored target and its region's calendar, claims it by a per-row
compare-and-set on the `next_check_at` it saw, writes what a new incident still has to
announce (the created webhook, the new-incident e-mails) to the outbox, and one
`EscalationEvent` per due step, in the same transaction. The unique constraint on (incident, step) is the final
guarantee against a double fire. The sweep also writes the warning step's instant onto
the incident (`response_warning_at`), which the SLA clock shows.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When

from escalation.delivery import event_deliveries_create
from escalation.models import EscalationEvent, EscalationPolicy, StepKind
from escalation.planning import PlanError, PlannedStep, plan_check, plan_held, policy_open_incidents
from incidents.models import Announcement, Incident
from incidents.notifications import incident_announce
from incidents.services.escalations import Escalated, escalations_record
from sla import businesshours
from sla.selectors import filing_calendar

logger = logging.getLogger(__name__)

# A row whose check raised is looked at again after this long (logged, never crash-looped).
FAILED_CHECK_RETRY = dt.timedelta(minutes=5)
# The sweep commits every this many incidents, so that the first steps' messages go out at
# once after an outage (issue 26.4) while a batch of ESCALATION_SWEEP_BATCH is worked through.
SWEEP_COMMIT_EVERY = 50


# --- Which steps an incident has, and when -----------------------------------------------


@dataclass
class WatchContext:
    """The active policies with their steps, loaded once per sweep."""

    _policies: dict[tuple[int, int | None], EscalationPolicy] | None = None

    def policy(self, *, severity_id: int, plan_id: int) -> EscalationPolicy | None:
        if self._policies is None:
            self._policies = {
                (policy.severity_id, policy.plan_id): policy
                for policy in EscalationPolicy.objects.filter(is_active=True).prefetch_related("steps")
            }
        return self._policies.get((severity_id, plan_id)) or self._policies.get((severity_id, None))


def incident_is_watched(incident: Incident) -> bool:
    """Open, not yet responded, with a response commitment (preview features have none)."""
    return (
        incident.is_open
        and incident.first_response_at is None
        and incident.response_due_at is not None
        and incident.response_target_minutes is not None
        and not incident.is_preview_feature
    )


def incident_step_plan(incident: Incident, *, ctx: WatchContext | None = None) -> list[PlannedStep]:
    """Every step of the incident's policy with its due time, in firing order.

    A step is due when its share of the incident's stored response target plus its extra
    minutes of business time have passed since submission, on the calendar the incident was
    filed under (`sla.selectors.filing_calendar`), like its deadline: a calendar edit after
    filing moves none of its steps. Checked here (`plan_check`): the steps come in the order
    of their share of the target, and the breach step is exactly `response_due_at`.
    """
    if not incident_is_watched(incident):
        return []
    ctx = ctx or WatchContext()
    policy = ctx.policy(severity_id=incident.severity_id, plan_id=incident.plan_id)
    if policy is None:
        return []
    assert incident.response_due_at is not None  # noqa: S101 - checked by incident_is_watched
    assert incident.response_target_minutes is not None  # noqa: S101 - checked by incident_is_watched
    target = dt.timedelta(minutes=incident.response_target_minutes)
    calendar = filing_calendar(incident, incident.submitted_at)
    planned = []
    for step in policy.steps.all():
        if step.percent_of_target == 100 and step.extra_minutes == 0:
            due_at = incident.response_due_at
        else:
            due_at = businesshours.add_business_time(calendar, incident.submitted_at, step.offset(target))
        planned.append(PlannedStep(step=step, due_at=due_at))
    planned.sort(key=lambda p: (p.step.offset(target), p.step.percent_of_target, p.step.pk))
    try:
        plan_check(planned, due_at=incident.response_due_at, target=target)
    except PlanError:
        # Only an incident whose filing calendar was not recorded (filed before versions were)
        # can get here: logged, and each step held on its side of the deadline, in order.
        logger.exception("escalation plan of incident %s breaks an invariant; steps held in order", incident.pk)
        planned = plan_held(planned, due_at=incident.response_due_at, target=target)
    return planned


def warning_at(plan: list[PlannedStep]) -> dt.datetime | None:
    """The instant of the policy's warning step (the SLA clock's "warning")."""
    return next((p.due_at for p in plan if p.step.kind == StepKind.WARNING), None)


def _fired_step_ids(incident_id: int) -> set[int]:
    return set(
        EscalationEvent.objects.filter(incident_id=incident_id, step__isnull=False).values_list("step_id", flat=True)
    )


def incident_next_check_compute(incident: Incident, *, ctx: WatchContext | None = None) -> dt.datetime | None:
    """The due time of the earliest step not fired yet (possibly in the past: the sweep
    then fires it, marked late), or None when nothing is left to watch."""
    plan = incident_step_plan(incident, ctx=ctx)
    if not plan:
        return None
    fired = _fired_step_ids(incident.pk)
    return next((p.due_at for p in plan if p.step.pk not in fired), None)


def policy_incidents_refresh(*, policy_id: int, now: dt.datetime) -> int:
    """After a policy changed: the open, unresponded incidents it covers are looked at by
    the next sweep (one statement). Returns how many."""
    policy = EscalationPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        return 0
    return policy_open_incidents(policy).update(next_check_at=now)


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
    """Plan and fire every step due at `now` on up to `batch_size` incidents, oldest first.

    With nothing due this is one indexed query and no transaction. Otherwise it commits every
    SWEEP_COMMIT_EVERY incidents (a transaction each), so after an outage the first steps'
    messages are enqueued at once instead of after the whole batch; an incident whose
    planning raises is pushed forward and logged, and the others go on. The events' e-mails
    and webhooks are outbox rows written in the same transaction as their events; `notify`
    sends them once it commits.
    """
    result = SweepResult()
    batch_size = batch_size or settings.ESCALATION_SWEEP_BATCH
    if not _due(now, batch_size):
        return result
    ctx = WatchContext()
    while result.checked < batch_size:
        chunk = min(SWEEP_COMMIT_EVERY, batch_size - result.checked)
        with transaction.atomic():
            rows = _due(now, chunk, lock=True)
            result.checked += len(rows)
            if on_full_batch is not None and result.checked >= batch_size:
                # More may be due: the next sweep goes into the queue ahead of this chunk's
                # deliveries (registered first), so a burst is fired by the free workers while
                # others deliver.
                transaction.on_commit(on_full_batch)
            _incidents_check(rows=rows, now=now, ctx=ctx, result=result)
        if len(rows) < chunk:
            break
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


def _incident_claim(*, incident_id: int, seen: dt.datetime, plan: list[PlannedStep], now: dt.datetime) -> bool:
    """The claim, as in healthchecks' `sendalerts`: compare-and-set `next_check_at` from the
    value this sweep saw to the next pending step's due time, store the warning instant,
    and take the announcement (set back to NONE; the sweep announces what it read). False
    when the row moved meanwhile (another worker, a first response).

    The sweep writes each incident once per transaction (this statement): a second update
    of a row version written by the same transaction would make PostgreSQL check the
    incident's foreign keys again at commit, a share lock on the contract row, which a
    submission of the organisation may hold (docs/ARCHITECTURE.md, "Lock order")."""
    next_check = next((p.due_at for p in plan if p.due_at > now), None)
    return bool(
        Incident.objects.filter(pk=incident_id, next_check_at=seen).update(
            next_check_at=next_check, response_warning_at=warning_at(plan), announcement=Announcement.NONE
        )
    )


def _incidents_check(
    *, rows: list[tuple[int, dt.datetime]], now: dt.datetime, ctx: WatchContext, result: SweepResult
) -> None:
    """Check a batch of due incidents inside the sweep's transaction: read them and their
    fired steps (two queries), then per incident plan its steps, claim it by compare-and-set
    on the `next_check_at` this sweep saw (a row that moved meanwhile is skipped), write
    what is still to be told about the new ones it won (their `announcement`, read by
    `incident_announce`: the created webhook, the new-incident emails) and their due events
    (`_events_fire`).

    A row whose planning or announcement raises is looked at again after FAILED_CHECK_RETRY
    and logged; the others go on."""
    seen = dict(rows)
    incidents = {
        incident.pk: incident
        for incident in Incident.objects.select_related(
            "severity", "plan", "organization", "region", "submitted_by"
        ).filter(pk__in=seen)
    }
    fired = _fired_step_ids_many(list(seen))
    to_fire: list[tuple[Incident, PlannedStep]] = []
    claimed: list[Incident] = []
    for incident_id, seen_at in rows:
        incident = incidents.get(incident_id)
        if incident is None or incident.next_check_at != seen_at:
            result.skipped += 1
            continue
        try:
            plan = incident_step_plan(incident, ctx=ctx)
        except Exception:
            logger.exception(
                "escalation sweep: incident %s failed; looking again in %s", incident_id, FAILED_CHECK_RETRY
            )
            Incident.objects.filter(pk=incident_id, next_check_at=seen_at).update(
                next_check_at=now + FAILED_CHECK_RETRY
            )
            result.failed += 1
            continue
        if not _incident_claim(incident_id=incident_id, seen=seen_at, plan=plan, now=now):
            result.skipped += 1
            continue
        claimed.append(incident)
        done = fired.get(incident_id, set())
        to_fire += [(incident, p) for p in plan if p.step.pk not in done and p.due_at <= now]
    _incidents_announce(claimed, now=now)
    events = _events_fire(to_fire, now=now)
    result.fired += len(events)
    result.events.extend(event.pk for event in events)


def _incidents_announce(claimed: list[Incident], *, now: dt.datetime) -> None:
    """Each new incident's announcement in a savepoint of its own: one that raises (a bad
    template context, a broken endpoint row) is rolled back alone, logged, given its
    announcement back and tried again by the sweep after FAILED_CHECK_RETRY (the one case
    where the sweep writes an incident twice); the others go on."""
    for incident in claimed:
        if incident.announcement == Announcement.NONE:
            continue
        try:
            with transaction.atomic():
                incident_announce(incident=incident, announcement=incident.announcement, now=now)
        except Exception:
            logger.exception(
                "escalation sweep: incident %s could not be announced; trying again in %s",
                incident.pk,
                FAILED_CHECK_RETRY,
            )
            retry = now + FAILED_CHECK_RETRY
            Incident.objects.filter(pk=incident.pk).update(
                announcement=incident.announcement,
                next_check_at=Case(
                    When(Q(next_check_at__isnull=True) | Q(next_check_at__gt=retry), then=Value(retry)),
                    default=F("next_check_at"),
                ),
            )


def _events_fire(to_fire: list[tuple[Incident, PlannedStep]], *, now: dt.datetime) -> list[EscalationEvent]:
    """Insert the events (one statement; the unique constraint on (incident, step) makes a
    double fire impossible: if it trips, each event is inserted on its own and the one
    that already fired is skipped) and their webhook deliveries."""
    if not to_fire:
        return []
    rows = [_event_row(incident=incident, planned=planned, now=now) for incident, planned in to_fire]
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
    event_deliveries_create(events, now=now)
    for event in events:
        logger.info(
            "escalation sweep: %s %s fired (due %s, late by %ss)",
            event.incident.number,
            event.title,
            event.due_at.isoformat(),
            int(event.late_by.total_seconds()),
        )
    return events


def _event_row(*, incident: Incident, planned: PlannedStep, now: dt.datetime) -> EscalationEvent:
    return EscalationEvent(
        incident=incident,
        step=planned.step,
        kind=planned.step.kind,
        title=planned.step.name,
        due_at=planned.due_at,
        fired_at=now,
        late_by=max(dt.timedelta(0), now - planned.due_at),
    )


def _escalated(event: EscalationEvent) -> Escalated:
    """The fired step as the incident's timeline records it."""
    return Escalated(incident_id=event.incident_id, kind=event.kind, title=event.title, fired_at=event.fired_at)


def _event_insert(*, incident: Incident, planned: PlannedStep, now: dt.datetime) -> EscalationEvent | None:
    try:
        with transaction.atomic():
            event = _event_row(incident=incident, planned=planned, now=now)
            event.save(force_insert=True)
            escalations_record(fired=[_escalated(event)])
            return event
    except IntegrityError:
        # The unique constraint: this step already fired for this incident.
        logger.info("escalation sweep: %s step %s had already fired", incident.number, planned.step.pk)
        return None

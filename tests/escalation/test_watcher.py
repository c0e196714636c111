"""The deadline watcher: next check, the sweep, exactly-once firing, delivery by email."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from escalation import watcher as services
from escalation.models import EscalationEvent, EscalationPolicy, EscalationStep, StepKind
from escalation.watcher import escalation_sweep
from incidents.models import Announcement, Incident, IncidentStatus
from incidents.services import incident_change_severity, incident_record_first_response, incident_transition
from notify.models import Delivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)


def test_every_severity_has_a_seeded_default_policy(sla):
    for code in ("A", "B", "C"):
        policy = EscalationPolicy.objects.get(severity__code=code, plan__isnull=True)
        kinds = [s.kind for s in policy.steps.all()]
        assert kinds[:2] == [StepKind.WARNING, StepKind.BREACH]
        assert StepKind.LEVEL in kinds
    warning = EscalationStep.objects.get(policy__severity__code="A", kind=StepKind.WARNING)
    assert warning.percent_of_target == 75


def test_the_submission_stores_the_target_and_leaves_the_planning_to_the_sweep(file_incident, now):
    incident = file_incident(at=now, severity="A", planned=False)  # 60 minutes, 24/7
    assert incident.response_due_at == now + 60 * MIN
    assert (incident.response_target_minutes, incident.response_target_coverage) == (60, "24x7")
    assert incident.next_check_at == now  # the sweep looks at it at once
    assert incident.response_warning_at is None
    assert escalation_sweep(now=now).fired == 0


def test_next_check_is_the_warning_at_three_quarters_of_a_24x7_target(file_incident, now):
    incident = file_incident(at=now, severity="A")  # planned by the sweep at the submission
    assert incident.next_check_at == now + 45 * MIN
    assert incident.response_warning_at == now + 45 * MIN  # what the SLA clock calls "warning"


def test_a_later_target_edit_does_not_move_an_old_incidents_steps(file_incident, now):
    from sla.models import ResponseTarget

    incident = file_incident(at=now, severity="A")
    ResponseTarget.objects.filter(severity__code="A").update(minutes=600)
    Incident.objects.filter(pk=incident.pk).update(next_check_at=now + MIN)  # planned again
    escalation_sweep(now=now + MIN)
    incident.refresh_from_db()
    assert incident.next_check_at == now + 45 * MIN  # the target stored at submission: 60 minutes
    assert [p.due_at for p in services.incident_step_plan(incident)][:2] == [now + 45 * MIN, now + 60 * MIN]


def test_steps_count_business_time_across_the_closing_hour(file_incident, sla):
    # Severity B, Professional Direct: 120 business minutes; North America opens 06:00-18:00 Los Angeles.
    submitted = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)  # Monday 17:00 in Los Angeles
    incident = file_incident(at=submitted, severity="B")
    plan = services.incident_step_plan(incident)
    by_name = {p.step.name: p.due_at for p in plan}
    # 60 minutes on Monday evening, then the rest on Tuesday from 06:00 LA (14:00 UTC).
    assert by_name["Warning"] == dt.datetime(2026, 11, 24, 14, 30, tzinfo=dt.UTC)
    assert by_name["Breach"] == incident.response_due_at == dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)
    assert by_name["Level 2"] == dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)
    assert [p.step.name for p in plan] == ["Warning", "Breach", "Level 2", "Level 3"]


def test_a_sweep_before_the_moment_fires_nothing(file_incident, now):
    incident = file_incident(at=now)
    result = escalation_sweep(now=now + 44 * MIN)
    assert result.checked == 0
    assert not EscalationEvent.objects.filter(incident=incident).exists()


def test_the_warning_fires_once_and_the_next_check_moves_to_the_breach(
    file_incident, now, django_capture_on_commit_callbacks
):
    incident = file_incident(at=now)
    with django_capture_on_commit_callbacks() as callbacks:
        result = escalation_sweep(now=now + 45 * MIN + dt.timedelta(seconds=2))
    assert result.fired == 1
    event = EscalationEvent.objects.get(incident=incident)
    assert event.kind == StepKind.WARNING
    assert event.due_at == now + 45 * MIN
    assert event.late_by == dt.timedelta(seconds=2)
    assert not event.is_late
    assert len(callbacks) == 1  # the deliveries' task, enqueued on commit
    incident.refresh_from_db()
    assert incident.next_check_at == now + 60 * MIN
    # A second sweep at the same instant has nothing to do.
    assert escalation_sweep(now=now + 45 * MIN + dt.timedelta(seconds=3)).checked == 0
    assert EscalationEvent.objects.filter(incident=incident).count() == 1


def test_after_downtime_every_missed_step_fires_once_in_order_marked_late(file_incident, now):
    incident = file_incident(at=now)
    result = escalation_sweep(now=now + 4 * 60 * MIN)  # the watcher was down for hours
    assert result.fired == 4
    events = list(EscalationEvent.objects.filter(incident=incident).order_by("pk"))
    assert [e.title for e in events] == ["Warning", "Breach", "Level 2", "Level 3"]
    assert [e.late_by for e in events] == [195 * MIN, 180 * MIN, 150 * MIN, 60 * MIN]
    assert all(e.is_late for e in events)
    incident.refresh_from_db()
    assert incident.next_check_at is None
    assert escalation_sweep(now=now + 5 * 60 * MIN).fired == 0


def test_every_fired_step_is_recorded_on_the_incidents_timeline(file_incident, now):
    incident = file_incident(at=now)
    escalation_sweep(now=now + 4 * 60 * MIN)
    entries = list(incident.escalation_entries.values_list("kind", "title", "fired_at"))
    fired_at = now + 4 * 60 * MIN
    assert entries == [
        ("warning", "Warning", fired_at),
        ("breach", "Breach", fired_at),
        ("level", "Level 2", fired_at),
        ("level", "Level 3", fired_at),
    ]


def test_a_recorded_first_response_stops_all_further_steps(file_incident, now, engineer):
    incident = file_incident(at=now)
    escalation_sweep(now=now + 46 * MIN)
    incident.refresh_from_db()
    incident_record_first_response(incident=incident, by=engineer, now=now + 50 * MIN)
    incident.refresh_from_db()
    assert incident.next_check_at == now + 50 * MIN  # an input changed: the sweep looks again
    escalation_sweep(now=now + 50 * MIN)
    incident.refresh_from_db()
    assert incident.next_check_at is None
    escalation_sweep(now=now + 5 * 60 * MIN)
    assert EscalationEvent.objects.filter(incident=incident).count() == 1


def test_closing_stops_watching_and_reopening_resumes_with_the_missed_steps(file_incident, now, engineer):
    incident = file_incident(at=now)
    incident_transition(incident=incident, to_status=IncidentStatus.CLOSED, by=engineer, now=now + MIN)
    assert incident.next_check_at == now + MIN
    escalation_sweep(now=now + MIN)
    incident.refresh_from_db()
    assert incident.next_check_at is None
    incident_transition(incident=incident, to_status=IncidentStatus.IN_PROGRESS, by=engineer, now=now + 50 * MIN)
    assert incident.next_check_at == now + 50 * MIN  # the warning is already due: the sweep fires it, late
    escalation_sweep(now=now + 50 * MIN)
    assert list(EscalationEvent.objects.filter(incident=incident).values_list("title", flat=True)) == ["Warning"]


def test_raising_the_severity_moves_the_next_check(file_incident, now, engineer, sla):
    incident = file_incident(at=now, severity="C")  # 240 business minutes
    before = incident.next_check_at
    incident_change_severity(
        incident=incident, severity=sla["severities"]["A"], reason="Production down", by=engineer, now=now + MIN
    )
    assert (incident.response_target_minutes, incident.response_target_coverage) == (60, "24x7")
    assert incident.next_check_at == now + MIN
    escalation_sweep(now=now + MIN)
    incident.refresh_from_db()
    assert incident.next_check_at == now + 45 * MIN < before
    assert incident.response_warning_at == now + 45 * MIN


def test_a_preview_feature_incident_is_not_watched(file_incident, now):
    incident = file_incident(at=now, is_preview_feature=True)
    assert incident.next_check_at is None


def test_a_plan_specific_policy_wins_over_the_default(file_incident, now, sla):
    policy = EscalationPolicy.objects.create(
        name="A for Professional Direct", severity=sla["severities"]["A"], plan=sla["plans"]["professional-direct"]
    )
    EscalationStep.objects.create(policy=policy, kind=StepKind.WARNING, name="Early warning", percent_of_target=50)
    incident = file_incident(at=now)
    assert incident.next_check_at == now + 30 * MIN
    assert [p.step.name for p in services.incident_step_plan(incident)] == ["Early warning"]


def test_a_policy_change_reschedules_open_incidents(file_incident, now):
    incident = file_incident(at=now)
    EscalationStep.objects.filter(policy__severity__code="A", kind=StepKind.WARNING).update(percent_of_target=50)
    policy = EscalationPolicy.objects.get(severity__code="A", plan__isnull=True)
    assert services.policy_incidents_refresh(policy_id=policy.pk, now=now + MIN) == 1
    escalation_sweep(now=now + MIN)
    incident.refresh_from_db()
    assert incident.next_check_at == now + 30 * MIN


# --- Someone else got there first -----------------------------------------------------------


def test_the_sweep_loses_the_claim_when_next_check_moved_meanwhile(file_incident, now):
    incident = file_incident(at=now)
    seen = incident.next_check_at
    # Another worker (or a first response) moved next_check_at after this sweep read it.
    Incident.objects.filter(pk=incident.pk).update(next_check_at=now + 60 * MIN)
    result = services.SweepResult()
    services._incidents_check(
        rows=[(incident.pk, seen)], now=now + 46 * MIN, ctx=services.WatchContext(), result=result
    )
    assert (result.skipped, result.fired, result.events) == (1, 0, [])
    assert not EscalationEvent.objects.exists()


def test_the_claim_compare_and_set_losing_inside_the_transaction_fires_nothing(file_incident, now, monkeypatch):
    incident = file_incident(at=now)
    seen = incident.next_check_at
    real_plan = services.incident_step_plan

    def plan_then_someone_else_claims(inc, *, ctx=None):
        planned = real_plan(inc, ctx=ctx)
        Incident.objects.filter(pk=inc.pk).update(next_check_at=now + 60 * MIN)  # the other worker's claim
        return planned

    monkeypatch.setattr(services, "incident_step_plan", plan_then_someone_else_claims)
    result = services.SweepResult()
    services._incidents_check(
        rows=[(incident.pk, seen)], now=now + 46 * MIN, ctx=services.WatchContext(), result=result
    )
    assert (result.skipped, result.fired) == (1, 0)
    assert not EscalationEvent.objects.exists()
    incident.refresh_from_db()
    assert incident.next_check_at == now + 60 * MIN  # the other worker's value stands


def test_the_batch_claim_skips_only_the_row_someone_else_moved(file_incident, now, monkeypatch):
    first, moved, third = (file_incident(at=now) for _ in range(3))
    real_plan = services.incident_step_plan

    def plan_then_someone_else_claims(inc, *, ctx=None):
        planned = real_plan(inc, ctx=ctx)
        if inc.pk == moved.pk:
            Incident.objects.filter(pk=inc.pk).update(next_check_at=now + 60 * MIN)
        return planned

    monkeypatch.setattr(services, "incident_step_plan", plan_then_someone_else_claims)
    result = escalation_sweep(now=now + 46 * MIN)
    assert (result.checked, result.fired, result.skipped) == (3, 2, 1)
    assert set(EscalationEvent.objects.values_list("incident_id", flat=True)) == {first.pk, third.pk}
    assert set(Incident.objects.filter(pk__in=[first.pk, third.pk]).values_list("next_check_at", flat=True)) == {
        now + 60 * MIN
    }


def test_a_step_that_already_fired_is_not_fired_again_by_the_unique_constraint(file_incident, now, monkeypatch):
    incident = file_incident(at=now)
    escalation_sweep(now=now + 46 * MIN)
    # A stale view: pretend nothing has fired and the warning is still pending.
    monkeypatch.setattr(services, "_fired_step_ids_many", lambda incident_ids: {})
    Incident.objects.filter(pk=incident.pk).update(next_check_at=now + 45 * MIN)
    result = escalation_sweep(now=now + 61 * MIN)
    titles = list(EscalationEvent.objects.filter(incident=incident).order_by("pk").values_list("title", flat=True))
    assert titles == ["Warning", "Breach"]
    assert result.failed == 0
    # The one-by-one insert records each fired step on the incident's timeline once too.
    assert list(incident.escalation_entries.values_list("title", flat=True)) == ["Warning", "Breach"]


def test_a_failing_row_is_pushed_forward_and_logged_and_the_others_still_fire(file_incident, now, monkeypatch, caplog):
    broken = file_incident(at=now, title="Broken")
    fine = file_incident(at=now, title="Fine")
    real_plan = services.incident_step_plan

    def plan(inc, *, ctx=None):
        if inc.pk == broken.pk:
            raise RuntimeError("calendar exploded")
        return real_plan(inc, ctx=ctx)

    monkeypatch.setattr(services, "incident_step_plan", plan)
    with caplog.at_level(logging.ERROR, logger="escalation.watcher"):
        result = escalation_sweep(now=now + 46 * MIN)
    assert result.failed == 1
    assert result.fired == 1
    assert "calendar exploded" in caplog.text
    broken.refresh_from_db()
    assert broken.next_check_at == now + 46 * MIN + services.FAILED_CHECK_RETRY
    assert EscalationEvent.objects.filter(incident=fine).count() == 1
    # The next sweep does not retry the broken row at once (no crash loop).
    assert escalation_sweep(now=now + 47 * MIN).checked == 0


def test_an_incident_whose_announcement_fails_is_announced_later_and_the_others_go_on(
    file_incident, now, monkeypatch, caplog
):
    from incidents import notifications

    endpoint = WebhookEndpoint.objects.create(name="Ops", url="https://hooks.example/x", on_created=True)
    broken = file_incident(at=now, title="Broken", planned=False)
    fine = file_incident(at=now - 46 * MIN, title="Fine", planned=False)
    real_payload = notifications.incident_webhook_payload

    def payload(*, event, incident, now):
        if incident.pk == broken.pk:
            raise RuntimeError("payload exploded")
        return real_payload(event=event, incident=incident, now=now)

    monkeypatch.setattr(notifications, "incident_webhook_payload", payload)
    with caplog.at_level(logging.ERROR, logger="escalation.watcher"):
        result = escalation_sweep(now=now)
    assert "payload exploded" in caplog.text
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert (broken.announcement, fine.announcement) == (Announcement.WEBHOOK, Announcement.NONE)
    assert broken.next_check_at == now + services.FAILED_CHECK_RETRY  # looked at again, not at once
    created = Delivery.objects.filter(endpoint=endpoint, key__startswith="incident-created:")
    assert list(created.values_list("reference", flat=True)) == [fine.number]
    assert result.fired == 1  # the fine one's warning (46 minutes in) fired all the same
    assert escalation_sweep(now=now + MIN).checked == 0  # no crash loop
    monkeypatch.undo()
    escalation_sweep(now=now + services.FAILED_CHECK_RETRY)
    broken.refresh_from_db()
    assert broken.announcement == Announcement.NONE
    assert sorted(created.values_list("reference", flat=True)) == sorted([fine.number, broken.number])


# --- Costs -------------------------------------------------------------------------------------


def test_a_sweep_with_nothing_due_is_one_query(file_incident, now, django_assert_max_num_queries):
    for _ in range(3):
        file_incident(at=now)
    with django_assert_max_num_queries(1):
        escalation_sweep(now=now + MIN)


def test_a_sweep_costs_a_few_queries_and_one_claim_per_incident(file_incident, now, django_assert_max_num_queries):
    for _ in range(10):
        file_incident(at=now)
    WebhookEndpoint.objects.create(name="Ops", url="http://127.0.0.1:9/hook", on_escalated=True)
    # The due rows (read, then locked in the transaction), the incidents, their fired
    # steps, the policies with their steps; one compare-and-set per incident; the events'
    # insert (in a savepoint, with their rows on the incidents' timelines), the webhook
    # endpoints, the step's recipients (groups and contacts, once) and the deliveries' insert.
    with django_assert_max_num_queries(16 + 10):
        result = escalation_sweep(now=now + 46 * MIN)
    assert result.fired == 10
    assert Delivery.objects.filter(channel="webhook").count() == 10
    assert Delivery.objects.filter(channel="email").count() == 10


# --- The beat entry and the task ----------------------------------------------------------------


def test_beat_runs_the_sweep_every_few_seconds_and_drops_stale_ticks(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["escalation-sweep"]
    assert entry["task"] == "escalation.sweep"
    assert entry["schedule"] == settings.ESCALATION_SWEEP_SECONDS
    assert 0 < entry["options"]["expire_seconds"] <= settings.ESCALATION_SWEEP_SECONDS


def test_a_full_batch_enqueues_the_next_sweep_at_once(
    file_incident, now, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from escalation import tasks
    from notify import tasks as notify_tasks

    settings.ESCALATION_SWEEP_BATCH = 2
    from django.utils import timezone

    for _ in range(3):
        file_incident(at=timezone.now() - 5 * 60 * MIN)  # the task sweeps at the real time
    queued = []
    monkeypatch.setattr(tasks.sweep, "apply_async", lambda **kwargs: queued.append("sweep"))
    monkeypatch.setattr(notify_tasks.deliver, "delay", lambda ids: queued.append(f"deliver {len(ids)}"))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep() == 2 * 4  # two incidents, four overdue steps each
    # The next sweep is queued ahead of the deliveries (both once the batch committed):
    # an email (to the support team) for each of the eight events.
    assert queued == ["sweep", "deliver 8"]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep() == 4  # the last one; the batch was not full
    assert queued == ["sweep", "deliver 8", "deliver 4"]


def test_a_backlog_is_swept_in_bounded_commits_so_the_first_steps_go_out_at_once(
    file_incident, now, monkeypatch, django_capture_on_commit_callbacks
):
    from escalation import watcher

    monkeypatch.setattr(watcher, "SWEEP_COMMIT_EVERY", 2)
    for _ in range(5):
        file_incident(at=now - 46 * MIN, planned=False)
    chunks = []
    check = watcher._incidents_check

    def recorded(*, rows, **kwargs):
        chunks.append(len(rows))
        return check(rows=rows, **kwargs)

    monkeypatch.setattr(watcher, "_incidents_check", recorded)
    result = escalation_sweep(now=now)
    assert chunks == [2, 2, 1]  # three transactions, each enqueueing its own deliveries
    assert result.checked == 5
    assert result.fired == 5

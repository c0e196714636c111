"""The watcher end to end: a real Celery worker and beat on the test database and broker.

Few and fast on purpose: the services are tested directly in test_watcher.py and
test_webhooks.py; these prove the wiring (beat entry, tasks, enqueue on commit, re-send)
and the guarantees that need real processes: exactly once with two workers, and after a
worker is killed with SIGKILL in the middle of a delivery.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from escalation.models import EscalationEvent
from escalation.tasks import sweep
from incidents.models import Incident
from notify.formats import signature_verify
from notify.models import Delivery, DeliveryStatus, WebhookEndpoint
from sla.models import ResponseTarget
from tests.notify.receiver import start_receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SWEEP_SECONDS = 1


def wait_for(condition, *, timeout: float = 60, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {message}")


def kill_with_children(proc) -> None:
    """SIGKILL a worker and the beat process it forked, like a machine losing power."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == proc.pid:
            children.append(int(stat.parent.name))
    proc.send_signal(signal.SIGKILL)
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(10)


@pytest.fixture
def worker_env(monkeypatch, tmp_path, settings):
    """Short intervals for the worker and beat processes (read from their environment),
    and an empty queue: no task left over from an earlier test of this run."""
    from portal.celery import app

    app.control.purge()
    monkeypatch.setenv("ESCALATION_SWEEP_SECONDS", str(SWEEP_SECONDS))
    monkeypatch.setenv("NOTIFY_RESEND_SECONDS", "1")
    monkeypatch.setenv("NOTIFY_RESEND_AFTER_SECONDS", "1")
    settings.NOTIFY_RESEND_AFTER_SECONDS = 1  # this process writes outbox rows too
    monkeypatch.setenv("NOTIFY_LEASE_SECONDS", "3")
    monkeypatch.setenv("EMAIL_URL", f"filemail:///{tmp_path / 'mail'}")
    return tmp_path / "mail"


@pytest.fixture
def receiver():
    state, server = start_receiver()
    yield state
    state.release.set()
    server.shutdown()


def test_a_one_minute_target_gets_its_warning_and_breach_within_the_sweep_interval_and_one_signed_post_each(
    celery_worker_process, worker_env, receiver, file_incident, sla
):
    ResponseTarget.objects.filter(plan__code="professional-direct", severity__code="A").update(minutes=1)
    hook = WebhookEndpoint.objects.create(name="Ops", url=receiver.url, on_escalated=True)
    celery_worker_process("watch", beat=True)
    # Submitted 40 s ago: the warning (45 s) is due in about 5 s, the breach (60 s) in 20 s.
    incident = file_incident(at=timezone.now() - dt.timedelta(seconds=40))
    wait_for(
        lambda: (
            EscalationEvent.objects.filter(incident=incident).count() == 2
            and Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 4  # an email and a post each
        ),
        message="warning and breach fired and delivered",
    )
    warning, breach = EscalationEvent.objects.filter(incident=incident).order_by("due_at")
    assert (warning.title, breach.title) == ("Warning", "Breach")
    assert breach.due_at == incident.response_due_at
    # Fired by the first sweep after the moment (a second of slack for a busy machine).
    for event in (warning, breach):
        assert event.late_by <= dt.timedelta(seconds=SWEEP_SECONDS + 1), event.late_by
    # A few more sweeps and re-sends change nothing: one POST per event, each signed.
    time.sleep(3 * SWEEP_SECONDS)
    assert EscalationEvent.objects.filter(incident=incident).count() == 2
    posts = list(receiver.received)
    assert len(posts) == 2
    assert sorted(post.json["escalation"]["id"] for post in posts) == sorted([warning.pk, breach.pk])
    for post in posts:
        headers = post.headers
        assert signature_verify(
            secret=hook.secret,
            timestamp=headers["x-portal-timestamp"],
            body=post.body,
            signature=headers["x-portal-signature"],
        )
    # And the emails went out, one per event (nobody assigned: to the support team).
    headers = [
        line.split(":", 1)[1].strip()
        for path in Path(worker_env).glob("*.log")
        for line in path.read_text().splitlines()
        if line.startswith("X-Portal-Escalation-Event:")
    ]
    assert sorted(headers) == sorted([str(warning.pk), str(breach.pk)])


def test_two_workers_sweeping_at_once_fire_each_step_exactly_once(
    celery_worker_process, worker_env, monkeypatch, file_incident, now
):
    monkeypatch.setenv("ESCALATION_SWEEP_BATCH", "3")
    # Thirty incidents whose four steps are all overdue (the watcher was down).
    incidents = [file_incident(at=timezone.now() - dt.timedelta(hours=5)) for _ in range(30)]
    celery_worker_process("sweeper-1")
    celery_worker_process("sweeper-2")
    for _ in range(30):
        sweep.delay()
    wait_for(
        lambda: not Incident.objects.filter(pk__in=[i.pk for i in incidents], next_check_at__isnull=False).exists(),
        message="every incident swept",
    )
    assert EscalationEvent.objects.count() == 30 * 4
    for incident in incidents:
        titles = list(EscalationEvent.objects.filter(incident=incident).order_by("pk").values_list("title", flat=True))
        assert titles == ["Warning", "Breach", "Level 2", "Level 3"]
    for name in ("sweeper-1", "sweeper-2"):
        log = (Path(settings.VAR_DIR) / f"test-worker-{os.getpid()}-{name}.log").read_text()
        assert "Traceback" not in log, log[-3000:]
        assert "escalation.sweep" in log  # both workers took sweeps


def test_a_worker_killed_during_delivery_leads_to_exactly_one_delivery_after_restart(
    celery_worker_process, worker_env, file_incident, now
):
    state, server = start_receiver(hold_first=True)
    try:
        WebhookEndpoint.objects.create(name="Ops", url=state.url, on_created=True, on_escalated=False)
        doomed = celery_worker_process("doomed", beat=True)
        file_incident(at=timezone.now(), severity="C")  # its sweep enqueues the incident.created delivery
        assert state.first_arrived.wait(60), "the first POST never arrived"
        kill_with_children(doomed)  # in the middle of the POST, before it is recorded
        state.release.set()
        delivery = Delivery.objects.get(channel="webhook")
        assert delivery.status == DeliveryStatus.PENDING
        celery_worker_process("restarted", beat=True)
        wait_for(
            lambda: Delivery.objects.filter(channel="webhook", status=DeliveryStatus.SENT).exists(),
            message="the re-send delivered it",
        )
        time.sleep(3)  # a few more re-send ticks: nothing more goes out
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert len(state.answered) == 1
        assert {post.headers["x-portal-delivery"] for post in state.received} == {str(delivery.uuid)}
    finally:
        state.release.set()
        server.shutdown()
